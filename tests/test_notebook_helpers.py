"""Notebook helpers: preset resolution, the cache folder, load-or-train."""

import sys

import pytest
import torch

from adfl_teach.config import ConfigError
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


class FakeMetadata:
    def __init__(self, urls):
        self.urls = urls

    def get_all(self, key):
        return self.urls if key == "Project-URL" else None


def test_book_data_is_read_beside_the_notebook_and_never_fetched_off_colab(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(notebook.urllib.request, "urlopen", lambda *a, **k: pytest.fail("fetched"))
    assert notebook.book_data("reproduction.json") == notebook.Path("data/reproduction.json")


def test_book_data_on_colab_is_fetched_once_from_the_release_tag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADFL_HOME", str(tmp_path / "home"))
    monkeypatch.setitem(sys.modules, "google.colab", object())
    urls = ["Homepage, https://example.org/book/", "Repository, https://github.com/me/fork"]
    monkeypatch.setattr(notebook.importlib.metadata, "metadata", lambda _: FakeMetadata(urls))
    fetched = []

    class Response:
        def __init__(self, url, timeout):
            fetched.append(url)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b'{"rows": {}}'

    monkeypatch.setattr(notebook.urllib.request, "urlopen", Response)
    path = notebook.book_data("reproduction.json")
    assert fetched == [
        f"https://raw.githubusercontent.com/me/fork/v{notebook.__version__}/book/data/"
        "reproduction.json"
    ]
    assert path.read_text() == '{"rows": {}}' and str(tmp_path / "home") in str(path)
    assert notebook.book_data("reproduction.json") == path and len(fetched) == 1  # cached
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reproduction.json").write_text("{}")  # beside the notebook wins
    assert notebook.book_data("reproduction.json") == notebook.Path("data/reproduction.json")


def test_book_data_needs_a_github_repository_in_the_package_metadata(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook.importlib.metadata, "metadata", lambda _: FakeMetadata([]))
    with pytest.raises(RuntimeError, match="names no GitHub repository"):
        notebook.repository_files()
