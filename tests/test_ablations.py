"""Each ablation variant changes exactly the piece it names (checked on config, model, loss)."""

import dataclasses
import json

import numpy as np
import pytest
import torch
from prepared_fakes import write_prepared

from adfl_teach.ablations import VARIANTS, format_variants, get_variant
from adfl_teach.cli import main
from adfl_teach.config import get_preset
from adfl_teach.data.imageset import ImageSet
from adfl_teach.experiments.pipelines import format_ablation
from adfl_teach.layers import AMSClassifier, SoftmaxClassifier
from adfl_teach.losses import adfl_objective
from adfl_teach.model import create_model as build_model
from adfl_teach.model import parameter_groups

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")
# variant -> the only configuration fields it may change, with their new values
EXPECTED = {
    "paper": {},
    "no-adversary": {"loss.lambda_n": 0.0},
    "no-entropy": {"loss.use_entropy": False},
    "plain-softmax": {"model.classifier": "softmax"},
    "residual-maps": {"model.residue": "maps"},
    "residual-trains-branches": {"model.residual_trains_branches": True},
    "no-neutral-masking": {"model.neutral_is_class": True},
    "ams-m0.2": {"loss.margin": 0.2},
    "ams-s16": {"model.scale": 16.0},
    "ams-m0.1-s8": {"loss.margin": 0.1, "model.scale": 8.0},
    "beyond-head-refit": {"optim.head_refit_epochs": 10},
    "beyond-standardize": {"model.standardize_features": True},
}


def flat(cfg):
    out = {}
    for part in ("model", "loss", "optim", "data"):
        for k, v in dataclasses.asdict(getattr(cfg, part)).items():
            out[f"{part}.{k}"] = v
    return out


def changed_fields(name):
    base = get_preset("smoke")
    a, b = flat(base), flat(get_variant(name).apply(base))
    return {k: b[k] for k in a if a[k] != b[k]}


def test_every_registered_variant_is_covered():
    assert set(VARIANTS) <= set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_variant_changes_only_its_fields(name):
    assert changed_fields(name) == EXPECTED[name]


def test_remedies_beyond_the_paper_are_marked_so_in_the_registry_and_the_list():
    beyond = {name for name, v in VARIANTS.items() if v.beyond_paper}
    assert beyond == {"beyond-head-refit", "beyond-standardize"}
    listed = {line.split()[0]: line for line in format_variants().splitlines()}
    for name in VARIANTS:
        assert ("[beyond the paper]" in listed[name]) == (name in beyond)


def _model_and_terms(name, labels=(0, 1, 2, 3, 7, 5)):
    cfg = get_variant(name).apply(get_preset("smoke"))
    torch.manual_seed(0)
    model = build_model("adfl", 8, 0, cfg)
    out = model(torch.randn(len(labels), 3, *cfg.data.crop))
    return cfg, model, out, adfl_objective(out, torch.tensor(labels), cfg.loss)


def test_plain_softmax_swaps_the_classifier_only():
    _, paper, _, _ = _model_and_terms("paper")
    _, model, out, _ = _model_and_terms("plain-softmax")
    assert isinstance(paper.classifier, AMSClassifier)
    assert isinstance(model.classifier, SoftmaxClassifier) and out.classifier_cosines is None
    assert type(model.splitter) is type(paper.splitter)


def test_residual_maps_feeds_the_feature_maps_to_b_r():
    cfg, model, out, _ = _model_and_terms("residual-maps")
    h, w = model.expression_branch.map_size
    assert model.residual_fc.in_features == cfg.model.widths[3] * h * w
    assert out.residue.shape[1] == model.residual_fc.in_features


def _grad_groups(model, loss):
    model.zero_grad(set_to_none=True)
    loss.backward()
    return {
        g for g, ps in parameter_groups(model).items()
        if any(p.grad is not None and p.grad.abs().sum() > 0 for p in ps)
    }  # fmt: skip


def test_residual_trains_branches_lets_l_r_reach_the_branches():
    _, model, _, terms = _model_and_terms("paper")
    assert _grad_groups(model, terms["l_r"]) == {"residual_fc", "classifier"}
    _, model, _, terms = _model_and_terms("residual-trains-branches")
    assert _grad_groups(model, terms["l_r"]) == {
        "residual_fc", "classifier", "expression_branch", "neutral_branch", "shared",
    }  # fmt: skip


def test_no_adversary_drops_l_a_and_l_n_from_the_total():
    _, model, _, terms = _model_and_terms("no-adversary")
    expected = terms["l_d"] + terms["l_r"]
    assert torch.allclose(terms["total"], expected)
    assert "dispeller" not in _grad_groups(model, terms["total"])


def test_no_entropy_keeps_l_a_and_drops_l_n():
    _, model, _, terms = _model_and_terms("no-entropy")
    assert torch.allclose(terms["total"], terms["l_d"] + 10 * terms["l_a"] + terms["l_r"])
    groups = _grad_groups(model, terms["total"])
    assert "dispeller" in groups and "neutral_branch" not in groups


def test_no_neutral_masking_makes_neutral_a_class_of_the_heads():
    _, paper, _, _ = _model_and_terms("paper")
    _, model, out, terms = _model_and_terms("no-neutral-masking", labels=(0, 0, 0))
    assert paper.splitter.out_features == 7 and model.splitter.out_features == 8
    assert model.classifier.weight.shape[0] == 8
    assert terms["l_d"] > 0 and terms["l_r"] > 0  # neutral samples are no longer masked
    _, _, _, masked = _model_and_terms("paper", labels=(0, 0, 0))
    assert masked["l_d"] == 0 and masked["l_r"] == 0


def test_ams_overrides_reach_the_loss():
    cfg, _, out, terms = _model_and_terms("ams-m0.1-s8")
    assert (cfg.loss.margin, cfg.model.scale) == (0.1, 8.0)
    _, _, out_p, terms_p = _model_and_terms("paper")
    assert not torch.allclose(terms["l_r"], terms_p["l_r"])


@pytest.mark.parametrize("bad", ["no-such-thing", "ams", "ams-mx", "ams-m1.5"])
def test_unknown_or_invalid_variants_fail_clearly(bad):
    with pytest.raises(ValueError, match="variant|loss.margin"):
        get_variant(bad).apply(get_preset("smoke"))


def test_ablate_runs_each_variant_per_seed_and_marks_remedies(tmp_path, striped, capsys):
    data = striped(80, seed=0, num_classes=5)
    subjects = np.array([f"S{i % 10:03d}" for i in range(80)])
    prepared = write_prepared(
        tmp_path / "prepared", ImageSet(data.images, data.labels, subjects), CLASSES
    )
    run = tmp_path / "ablation"
    args = ["ablate", "--data", str(prepared), "--out", str(run), "--variants",
            "paper,no-entropy", "--folds", "0", "--seeds", "0,1", "--preset", "smoke",
            "--epochs", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0
    for variant in ("paper", "no-entropy"):
        for seed in (0, 1):
            assert (run / variant / f"seed_{seed}" / "adfl" / "fold_0" / "result.json").exists()
    rows = json.loads((run / "ablation.json").read_text())
    assert list(rows) == ["paper", "no-entropy"]
    assert rows["no-entropy"]["seeds"] == [0, 1] and len(rows["no-entropy"]["ci95"]) == 2
    assert rows["paper"]["change_from_paper"] == 0 and not rows["paper"]["beyond_paper"]
    assert "95 % CI" in capsys.readouterr().out
    remedy = {**rows["paper"], "beyond_paper": True, "description": "a remedy"}
    table = format_ablation({"paper": rows["paper"], "beyond-x": remedy}).splitlines()
    assert "[beyond the paper] a remedy" in table[2] and "beyond the paper" not in table[1]


def test_ablate_without_variants_is_an_error(tmp_path, capsys):
    args = ["ablate", "--data", str(tmp_path), "--variants", ",", "--preset", "smoke"]
    assert main(args) == 2
    assert "no ablation variant" in capsys.readouterr().err
