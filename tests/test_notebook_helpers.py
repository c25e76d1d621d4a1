"""Notebook helpers: preset resolution, the cache folder, load-or-train."""

import json
import sys
from pathlib import Path

import pytest
import torch

from adfl_teach.config import ConfigError
from adfl_teach.experiments import findings
from adfl_teach.teaching import notebook


def test_workdir_honours_adfl_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ADFL_HOME", str(tmp_path / "home"))
    path = notebook.workdir("runs", "a")
    assert path == tmp_path / "home" / "runs" / "a"
    assert path.is_dir()


def test_workdir_defaults_to_user_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("ADFL_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert notebook.workdir() == tmp_path / ".cache" / "adfl-teach"


def test_setup_reads_env_preset_and_prints_summary(monkeypatch, capsys):
    monkeypatch.setenv("ADFL_PRESET", "smoke")
    cfg = notebook.setup(None, seed=3)
    assert cfg.preset == "smoke" and cfg.seed == 3
    out = capsys.readouterr().out
    assert out.startswith("preset smoke:") and "seed 3" in out


def test_setup_argument_beats_env_and_passes_changes(monkeypatch):
    monkeypatch.setenv("ADFL_PRESET", "smoke")
    cfg = notebook.setup("cpu-quick", quiet=True, loss={"margin": 0.2})
    assert cfg.preset == "cpu-quick" and cfg.loss.margin == 0.2


def test_setup_seeds_torch(monkeypatch):
    notebook.setup("smoke", seed=7, quiet=True)
    a = torch.rand(3)
    notebook.setup("smoke", seed=7, quiet=True)
    assert torch.equal(a, torch.rand(3))


def test_setup_rejects_unknown_preset():
    with pytest.raises(ConfigError, match="unknown"):
        notebook.setup("huge", quiet=True)


def test_load_or_train_trains_once_then_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("ADFL_HOME", str(tmp_path))
    calls = []

    def train():
        calls.append(1)
        return {"w": torch.ones(2), "history": [{"epoch": 1}]}

    first = notebook.load_or_train("toy.pt", train)
    second = notebook.load_or_train("toy.pt", train)
    assert len(calls) == 1
    assert (tmp_path / "toy.pt").is_file()
    assert torch.equal(first["w"], second["w"]) and second["history"] == [{"epoch": 1}]


def test_load_or_train_custom_load_and_save(tmp_path):
    saved = []
    result = notebook.load_or_train(
        "x.txt",
        lambda: "42",
        save=lambda v, p: (p.write_text(v), saved.append(p)),
        load=lambda p: p.read_text() + "!",
        directory=tmp_path,
    )
    assert result == "42" and saved == [tmp_path / "x.txt"]
    assert (
        notebook.load_or_train(
            "x.txt", lambda: "no", load=lambda p: p.read_text() + "!", directory=tmp_path
        )
        == "42!"
    )


def test_on_colab_follows_google_colab_module(monkeypatch):
    assert notebook.on_colab() is ("google.colab" in sys.modules)
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert notebook.on_colab()


# --- adfl_teach.teaching.demos: the chapters' show-and-check helpers ---


def _smoke_adfl(seed=0):
    from adfl_teach.config import get_preset
    from adfl_teach.model import create_model

    cfg = get_preset("smoke")
    torch.manual_seed(seed)
    return create_model("adfl", 8, 0, cfg), cfg


def test_output_shapes_records_each_named_module_and_removes_its_hooks():
    from adfl_teach.teaching import demos

    model, cfg = _smoke_adfl()
    images = torch.zeros(3, 3, *cfg.data.crop, dtype=torch.uint8)
    parts = {"f_e": model.expression_branch, "dispeller": model.dispeller}
    shapes = demos.output_shapes(model, images, parts)
    assert shapes == {"f_e": (3, cfg.model.feature_dim), "dispeller": (3, 8)}
    assert not model.expression_branch._forward_hooks and not model.dispeller._forward_hooks


def test_output_shapes_names_modules_that_did_not_run():
    from adfl_teach.teaching import demos

    model, cfg = _smoke_adfl()
    images = torch.zeros(1, 3, *cfg.data.crop, dtype=torch.uint8)
    with pytest.raises(ValueError, match="did not run"):
        demos.output_shapes(model, images, {"stray": torch.nn.Linear(2, 2)})


def test_trace_batch_means_are_the_library_terms_and_neutral_is_masked():
    from adfl_teach import losses
    from adfl_teach.teaching import demos

    model, cfg = _smoke_adfl()
    labels = torch.tensor([0, 1, 2, 0, 5, 7])
    out = model(torch.randint(0, 256, (6, 3, *cfg.data.crop), dtype=torch.uint8))
    table = demos.trace_batch(out, labels, cfg.loss)
    terms = losses.adfl_objective(out, labels, cfg.loss)
    for term in ("l_d", "l_a", "l_n", "l_r"):
        assert table[term].mean() == pytest.approx(terms[term].item(), rel=1e-5), term
    neutral = table["neutral"].to_numpy()
    assert neutral.tolist() == [True, False, False, True, False, False]
    assert table.loc[neutral, ["l_d", "l_n", "l_r"]].isna().all().all()
    assert table["l_a"].notna().all()  # l_a counts every sample, neutral included


def test_check_reports_unanswered_right_and_wrong(capsys):
    from adfl_teach.teaching import demos

    assert demos.check(None, {1}) is None
    assert demos.check({1}, {1}) is True
    assert demos.check({2}, {1}, "look again") is False
    out = capsys.readouterr().out
    assert "not answered yet" in out and "correct" in out and "look again" in out


def test_parts_moved_follows_the_variant_config():
    from adfl_teach.config import get_preset
    from adfl_teach.model import ROUTING
    from adfl_teach.teaching import demos

    cfg = get_preset("smoke")
    assert demos.parts_moved(cfg, "l_a") == ROUTING["l_a"]
    no_adversary = demos.parts_moved(cfg.replace(loss={"lambda_n": 0.0}))
    assert "dispeller" not in no_adversary and "neutral_branch" not in no_adversary
    assert "neutral_branch" in demos.parts_moved(cfg)


def test_check_l_n_accepts_the_equation_and_names_each_failure():
    import torch.nn.functional as F

    from adfl_teach.teaching import demos

    def right(logits, labels, neutral):
        keep = labels != neutral
        per_sample = -F.log_softmax(logits, dim=1).mean(dim=1)
        return per_sample[keep].mean() if keep.any() else torch.tensor(0.0)

    def unstable(logits, labels, neutral):  # log(softmax): -inf for large logits
        keep = labels != neutral
        per_sample = -torch.log(torch.softmax(logits, dim=1)).mean(dim=1)
        return per_sample[keep].mean() if keep.any() else torch.tensor(0.0)

    def unmasked(logits, labels, neutral):
        return -F.log_softmax(logits, dim=1).mean()

    assert demos.check_l_n(right) == []
    assert [f.split(":")[0] for f in demos.check_l_n(unstable)] == ["case 4"]
    assert len(demos.check_l_n(unmasked)) >= 3
    assert "raised" in demos.check_l_n(lambda *a: 1 / 0)[0]


def test_check_report_run_needs_two_variants_and_complete_seeds(tmp_path, capsys):
    from adfl_teach.teaching import demos

    def finish(variant, seed, folds):
        (tmp_path / variant).mkdir(exist_ok=True)
        (tmp_path / variant / "run.json").write_text("{}")
        for k in folds:
            fold = tmp_path / variant / f"seed_{seed}" / "adfl" / f"fold_{k}"
            fold.mkdir(parents=True)
            (fold / "result.json").write_text("{}")

    for seed in (0, 1, 2):
        finish("paper", seed, range(10))
    assert not demos.check_report_run(tmp_path)  # one variant is no comparison
    for seed in (0, 1):
        finish("ams-s16", seed, range(10))
    finish("ams-s16", 2, range(9))  # fold 9 of seed 2 missing
    assert not demos.check_report_run(tmp_path)
    assert "missing {2: [9]}" in capsys.readouterr().out
    (tmp_path / "ams-s16" / "seed_2" / "adfl" / "fold_9").mkdir(parents=True)
    (tmp_path / "ams-s16" / "seed_2" / "adfl" / "fold_9" / "result.json").write_text("{}")
    assert demos.check_report_run(tmp_path)


ROOT = Path(__file__).resolve().parents[1]


def test_book_data_is_read_beside_the_notebook_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reproduction.json").write_text("{}")
    assert notebook.book_data("reproduction.json") == Path("data/reproduction.json")


def test_book_data_run_alone_is_the_packaged_copy_and_nothing_is_fetched(tmp_path, monkeypatch):
    """A chapter copied to an empty folder (Colab) reads what the package ships, offline."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "google.colab", object())
    path = notebook.book_data("reproduction.json")
    assert path == notebook.packaged_data("reproduction.json") and path.is_file()
    assert path.parent.name == notebook.PACKAGED_DATA and "urllib" not in vars(notebook)


def test_a_name_the_book_does_not_have_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="nope.json: not in data/ beside the notebook"):
        notebook.book_data("nope.json")


def test_the_package_ships_every_measured_result_of_the_book_unchanged():
    """book/data/*.json and the packaged copies are the same files: refresh with
    ``cp book/data/*.json adfl_teach/teaching/book_data/``."""
    committed = {p.name: p.read_bytes() for p in (ROOT / "book" / "data").glob("*.json")}
    shipped = notebook.packaged_data("x").parent
    packaged = {p.name: p.read_bytes() for p in shipped.glob("*.json")}
    assert committed, "book/data holds no measured results"
    stale = sorted(n for n in committed if packaged.get(n) != committed[n])
    assert not stale, f"{stale}: run cp book/data/*.json {shipped}/"
    assert set(packaged) == set(committed), "a packaged file the book no longer has"


def test_the_packaged_data_is_declared_as_package_data():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["adfl_teach.teaching"]
    assert f"{notebook.PACKAGED_DATA}/*.json" in patterns


def small_report(adfl: float, baseline: float, ci: list[float]) -> dict:
    difference = adfl - baseline
    return {
        "preset": "smoke",
        "seeds": [0, 1, 2],
        "folds": [0, 1],
        "paper": {"ADFL": 98.17, "Baseline": 94.19},
        "rows": {
            "adfl": {
                "mean_accuracy": adfl,
                "ci95": [adfl - 0.01, adfl + 0.01],
                "vs_baseline": {
                    "difference": difference,
                    "difference_ci95": ci,
                    "per_seed_difference": {"0": difference, "1": difference, "2": difference},
                    "wilcoxon_p": 0.5,
                    "adfl_wins": 1,
                    "baseline_wins": 1,
                    "folds": [0, 1],
                },
            },
            "baseline": {"mean_accuracy": baseline, "ci95": [baseline - 0.02, baseline + 0.02]},
        },
    }


def test_the_result_in_brief_is_computed_from_the_report():
    text = notebook.result_in_brief(small_report(0.9, 0.8, [0.05, 0.15]))
    assert "3 seeds x 2 folds" in text and "preset `smoke`" in text
    assert "ADFL reaches 90.00 % (95 % CI [89.00, 91.00])" in text
    assert "80.00 % ([78.00, 82.00])" in text
    assert "ADFL beats its baseline here (+10.00 points" in text
    worse = notebook.result_in_brief(small_report(0.7, 0.8, [-0.15, -0.05]))
    assert "does worse than its own baseline here (-10.00 points)" in worse
    # the accuracies, the paper's claim read from the same report, then the study's status
    claim = findings.paper_claim(small_report(0.9, 0.8, [0.05, 0.15]))
    assert text.endswith(f"). {claim} {notebook.study_status()}")


def test_the_result_in_brief_reads_the_committed_report_by_default():
    report = json.loads((ROOT / "book" / "data" / "reproduction.json").read_text())
    assert notebook.result_in_brief() == notebook.result_in_brief(report)
    adfl = 100 * report["rows"]["adfl"]["mean_accuracy"]
    assert f"ADFL reaches {adfl:.2f} %" in notebook.result_in_brief()


def test_a_missing_optional_package_is_one_line_naming_the_pip_install():
    with pytest.raises(notebook.MissingPackageError) as caught:
        notebook.require("no_such_module_adfl.data", pip="no-such-dist")
    message = str(caught.value)
    assert "`%pip install no-such-dist`" in message and "\n" not in message
    assert caught.value._render_traceback_() == [f"MissingPackageError: {message}"]
    assert isinstance(caught.value, ImportError)  # `except ImportError` still catches it
    assert notebook.require("json") is json


def test_a_package_missing_its_own_dependency_keeps_that_error(monkeypatch):
    import importlib

    def broken(name):
        raise ModuleNotFoundError("No module named 'imageio'", name="imageio")

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="imageio") as caught:
        notebook.require("skimage.data", pip="scikit-image")
    assert not isinstance(caught.value, notebook.MissingPackageError)


def test_flops_per_crop_counts_the_training_step_and_adfl_costs_more():
    smoke = notebook.get_preset("smoke")
    adfl, baseline = (notebook.flops_per_crop(k, smoke) for k in ("adfl", "baseline"))
    assert 1e6 < baseline < adfl  # two branches and four heads against one branch


def test_expected_time_is_the_counted_flops_over_the_t4_and_the_measured_cpu_seconds(
    monkeypatch,
):
    monkeypatch.setattr(notebook, "flops_per_crop", lambda kind, cfg: 1.2e10)
    report = {
        "run": {"synthetic": {"subjects": 120}},
        "rows": {
            "adfl": {"num_test_images": 1000, "time": {"mean_job_seconds": 30.0}},
            "baseline": {"time": {"mean_job_seconds": 18.0}},
        },
    }
    assert notebook.get_preset("colab").optim.epochs == 30 and notebook.T4_TFLOPS["fp16"] == (5, 20)
    # 1000 images x 0.9 (training share) x 10 crops x 30 epochs x 2 folds x 1.2e10 FLOP
    text = notebook.expected_time(2, kinds=("adfl",), report=report)
    assert "from 6.5 PFLOP counted for 2 fold(s) of adfl" in text
    assert "5 min-22 min on a Colab T4" in text  # 6.48e15 / 20e12 = 324 s, / 5e12 = 1296 s
    assert "about 29 min in fp32" in text  # / 3.75e12 = 1728 s
    assert "about 1 min on 2 CPU cores" in text  # 2 folds x 30 s measured
    both = notebook.expected_time(1, report=report)
    assert "about 48 s on 2 CPU cores" in both and "adfl and baseline" in both
