"""The network of Table 1: public API, shapes, baseline vs ADFL outputs."""

import inspect

import pytest
import torch

from adfl_teach import ADFL, Baseline
from adfl_teach.config import ModelConfig, get_preset
from adfl_teach.model import MODEL_KINDS, PARTS, create_model, residue


@pytest.mark.parametrize("num_classes", [7, 8])
def test_adfl_shapes_at_paper_size(num_classes):
    model = ADFL(num_classes=num_classes, neutral_index=0)
    out = model(torch.randn(2, 3, 112, 96))
    for name in ("f_e", "f_n", "f_r"):
        assert getattr(out, name).shape == (2, 256)
    assert out.splitter_logits.shape == (2, num_classes - 1)
    assert out.dispeller_logits.shape == (2, num_classes)
    assert out.classifier_logits.shape == (2, num_classes - 1)
    for part in PARTS:
        assert isinstance(getattr(model, part), torch.nn.Module)
    assert len(PARTS) == 7


def test_shared_layers_follow_table_1():
    model = ADFL(8)
    maps = model.shared(torch.randn(1, 3, 112, 96))
    assert maps.shape == (1, 128, 14, 12)  # Conv3: 128 channels at 14x12
    branch_maps, f_e = model.expression_branch(maps)
    assert branch_maps.shape == (1, 256, 7, 6) and f_e.shape == (1, 256)
    conv_layers = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(c.kernel_size == (3, 3) for c in conv_layers)
    bns = sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    prelus = sum(isinstance(m, torch.nn.PReLU) for m in model.modules())
    assert bns == prelus == len(conv_layers)  # every conv has BN + PReLU


def test_baseline_has_only_shared_expression_branch_and_classifier():
    base = Baseline(num_classes=8)
    out = base(torch.randint(0, 255, (2, 3, 112, 96), dtype=torch.uint8))
    assert out.available() == {"f_e", "classifier_logits", "classifier_cosines"}
    full = ADFL(num_classes=8)(torch.randn(2, 3, 112, 96)).available()
    assert full - out.available() == {
        "f_n",
        "residue",
        "f_r",
        "splitter_logits",
        "dispeller_logits",
        "fooled_dispeller_logits",
    }
    assert not hasattr(base, "neutral_branch") and not hasattr(base, "splitter")


def test_residue_on_maps_changes_the_residual_fc_input():
    cfg = ModelConfig(residue="maps")
    model = ADFL(8, config=cfg)
    assert model.residual_fc.in_features == 256 * 7 * 6
    out = model(torch.randn(2, 3, 112, 96))
    assert out.residue.shape == (2, 256 * 7 * 6) and out.f_r.shape == (2, 256)


def test_small_input_and_widths():
    cfg = get_preset("smoke").model
    out = ADFL(7, config=cfg, input_size=(56, 48))(torch.randn(3, 3, 56, 48))
    assert out.f_r.shape == (3, cfg.feature_dim) and out.classifier_logits.shape == (3, 6)


def test_residue_is_equation_5_and_feeds_b_r():
    f_e, f_n = torch.randn(4, 6), torch.randn(4, 6)
    assert torch.equal(residue(f_e, f_n), f_e - f_n)
    cfg = get_preset("smoke")
    model = create_model("adfl", 5, 0, cfg).eval()
    out = model(torch.randint(0, 255, (3, 3, *cfg.data.crop), dtype=torch.uint8))
    assert torch.allclose(out.residue, out.f_e - out.f_n)
    assert torch.allclose(out.f_r, model.residual_fc(out.f_e - out.f_n))


def test_create_model_reads_every_model_setting_from_the_config():
    cfg = get_preset("smoke").replace(model={"scale": 12.0, "neutral_is_class": True})
    for kind in MODEL_KINDS:
        model = create_model(kind, 6, 2, cfg)
        assert (model.num_classes, model.neutral_index, model.scale) == (6, 2, 12.0)
        assert model.classifier.weight.shape[0] == 6  # neutral is a class of the heads
        out = model(torch.randn(2, 3, *cfg.data.crop))
        assert out.neutral_is_class and out.scale == 12.0
        assert torch.allclose(out.classifier_logits, 12.0 * out.classifier_cosines)
    with pytest.raises(ValueError, match="unknown model kind 'resnet'"):
        create_model("resnet", 6, 0, cfg)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="neutral_index"):
        ADFL(num_classes=8, neutral_index=8)
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        ADFL(8)(torch.randn(3, 112, 96))


def test_standardized_features_feed_a_zero_mean_residue_beyond_the_paper():
    cfg = get_preset("smoke").replace(model={"standardize_features": True})
    out = create_model("adfl", 5, 0, cfg)(torch.randn(16, 3, *cfg.data.crop))
    assert out.residue.mean(0).abs().max() < 1e-4  # BN(f_e) - BN(f_n), per dimension
    assert not torch.allclose(out.residue, out.f_e - out.f_n)  # f_e, f_n stay the raw ones


def test_class_adfl_builds_all_seven_parts_itself_and_each_model_names_its_kind():
    source, base = inspect.getsource(ADFL._build), inspect.getsource(ADFL.__mro__[1])
    assert all(f"self.{part} = " in source for part in PARTS), "a part of Fig. 2 built elsewhere"
    assert not any(f"self.{part} = " in base for part in PARTS), "a part built in the base"
    cfg = get_preset("smoke")
    for kind in MODEL_KINDS:
        model = create_model(kind, 8, 0, cfg)
        assert model.kind == kind
        assert model(torch.zeros(2, 3, *cfg.data.crop)).kind == kind
