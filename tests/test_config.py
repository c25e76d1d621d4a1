"""Configuration: paper defaults, presets, the preset variable, and clear errors."""

import dataclasses

import pytest

from adfl_teach.config import PRESETS, Config, ConfigError, OptimConfig, get_preset, preset_name


def test_defaults_are_the_papers_numbers():
    cfg = Config()
    assert cfg.optim.betas == (0.9, 0.999) and cfg.optim.eps == 1e-8
    assert cfg.optim.weight_decay == 5e-4 and cfg.optim.lr == 1e-4
    assert cfg.optim.batch_size == 64 and cfg.optim.epochs == 100
    assert (cfg.loss.margin, cfg.model.scale) == (0.35, 30.0)
    assert (cfg.loss.lambda_d, cfg.loss.lambda_n, cfg.loss.lambda_r) == (1.0, 10.0, 1.0)
    assert cfg.data.canvas == (128, 110) and cfg.data.crop == (112, 96)
    assert cfg.model.widths == (32, 64, 128, 256) and cfg.model.units == (1, 2, 4, 1)
    assert get_preset("paper") == Config(preset="paper")


def test_every_preset_is_valid_and_documents_its_changes():
    for name, factory in PRESETS.items():
        cfg = factory()
        assert cfg.preset == name
        if name != "paper":
            assert "Changes from the paper" in factory.__doc__


def test_preset_variable_selects_the_preset(monkeypatch):
    monkeypatch.setenv("ADFL_PRESET", "smoke")
    assert get_preset().preset == "smoke"
    monkeypatch.setenv("ADFL_PRESET", "auto")
    assert preset_name() in ("colab", "cpu-quick")
    assert preset_name("paper") == "paper"  # an explicit name beats the variable


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"optim": {"lr": -1e-4}}, "optim.lr"),
        ({"loss": {"margin": 1.0}}, "loss.margin"),
        ({"loss": {"margin": 1.5}}, "loss.margin"),
        ({"model": {"scale": 0.0}}, "model.scale"),
        ({"model": {"units": (1, 2, 4)}}, "model.units"),
        ({"model": {"widths": (32, 64, 128)}}, "model.widths"),
        ({"model": {"residue": "pixels"}}, "model.residue"),
        ({"optim": {"batch_size": 0}}, "optim.batch_size"),
        ({"data": {"crop": (130, 96)}}, "data.crop"),
        ({"loss": {"lambda_n": -1.0}}, "loss.lambda_n"),
        ({"eval_every": 0}, "eval_every"),
        ({"amp": True}, "amp"),
        ({"optim": {"head_refit_epochs": -2}}, "optim.head_refit_epochs"),
    ],
)
def test_invalid_values_name_the_field(changes, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        Config().replace(**changes)


def test_unknown_preset_is_a_clear_error(monkeypatch):
    with pytest.raises(ConfigError, match="preset 'gpu-huge' is unknown"):
        get_preset("gpu-huge")
    monkeypatch.setenv("ADFL_PRESET", "nope")
    with pytest.raises(ConfigError, match="ADFL_PRESET"):
        get_preset()


def test_config_round_trips_through_a_dict():
    cfg = get_preset("cpu-quick").replace(loss={"margin": 0.2})
    assert Config.from_dict(cfg.to_dict()) == cfg


def test_unknown_keys_in_a_config_dict_are_named():
    data = get_preset("smoke").to_dict()
    data["loss"]["mask_neutral"] = True  # an old name, moved to model.neutral_is_class
    with pytest.raises(ConfigError, match=r"loss\.mask_neutral is not a setting"):
        Config.from_dict(data)
    with pytest.raises(ConfigError, match="colour is not a setting"):
        Config.from_dict({**get_preset("smoke").to_dict(), "colour": "red"})


def test_neutral_is_class_and_every_model_setting_live_in_model_config():
    model = Config().model
    assert (model.scale, model.neutral_is_class, model.residual_trains_branches) == (
        30.0,
        False,
        False,
    )
    assert set(dataclasses.asdict(Config().loss)) == {
        "margin", "lambda_d", "lambda_n", "lambda_r", "use_entropy",
    }  # fmt: skip


def test_paper_trains_on_all_ten_crops_and_cpu_presets_say_they_do_not():
    assert get_preset("paper").data.train_crops == "all"
    for name in ("cpu-quick", "smoke"):
        assert get_preset(name).data.train_crops == "random"
        assert "train_crops" in PRESETS[name].__doc__ or "random crop" in PRESETS[name].__doc__


def test_every_preset_states_its_schedule():
    chosen = {"paper": "step", "colab": "cosine", "cpu-quick": "cosine", "smoke": "constant"}
    assert Config().optim.schedule == "step"  # the paper's open choice, read as SphereFace's
    for name, factory in PRESETS.items():
        assert factory().optim.schedule == chosen[name], name
        assert "schedule" in factory.__doc__, name
    assert "open choice" in " ".join(PRESETS["paper"].__doc__.split())
    assert "SphereFace" in OptimConfig.__doc__
    with pytest.raises(ConfigError, match=r"optim\.schedule must be one of"):
        Config().replace(optim={"schedule": "linear"})


def test_the_preset_label_names_what_a_run_changed_in_its_preset():
    from adfl_teach.config import preset_label

    assert preset_label(get_preset("cpu-quick")) == "cpu-quick"
    longer = get_preset("cpu-quick").replace(optim={"epochs": 45}, seed=3, device="cpu")
    assert preset_label(longer) == "cpu-quick (optim.epochs=45)"
    as_json = {"preset": "smoke", "optim": {"epochs": 1}, "data": {"crop": [56, 48]}}
    assert preset_label(as_json) == "smoke (optim.epochs=1)"  # JSON lists equal the tuples
