"""The main job end to end on a tiny synthetic database: synth -> prepare -> cv -> table."""

import json

from adfl_teach.cli import main


def test_main_job_runs_end_to_end_and_continues(tmp_path, capsys):
    out = tmp_path / "main"
    args = ["main", "--out", str(out), "--preset", "smoke", "--subjects", "10",
            "--folds", "0", "--epochs", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Cross-validation summary" in printed and "98.17" in printed
    assert "one seed: an anecdote" in printed and "--seeds 0-2" in printed
    synth = json.loads((out / "synthetic" / "synth.json").read_text())
    assert synth["config"]["subjects"] == 10 and synth["seed"] == 0
    info = json.loads((out / "prepared" / "dataset.json").read_text())
    assert info["protocol"] == "ckplus" and len(info["classes"]) == 8
    for model in ("adfl", "baseline"):
        assert (out / "cv" / "seed_0" / model / "fold_0" / "result.json").exists()
    assert json.loads((out / "cv" / "run.json").read_text())["synthetic"] is True
    # a rerun reuses the database, the preparation and the finished folds
    stamp = (out / "cv" / "seed_0" / "adfl" / "fold_0" / "result.json").stat().st_mtime_ns
    assert main(args) == 0
    assert (out / "cv" / "seed_0" / "adfl" / "fold_0" / "result.json").stat().st_mtime_ns == stamp


def test_main_job_refuses_a_database_of_another_size(tmp_path, capsys):
    out = tmp_path / "main"
    base = ["main", "--out", str(out), "--preset", "smoke", "--folds", "0", "--epochs", "1",
            "--quiet"]  # fmt: skip
    assert main([*base, "--subjects", "10"]) == 0
    assert main([*base, "--subjects", "11"]) == 2
    assert "(subjects, seed)" in capsys.readouterr().err
