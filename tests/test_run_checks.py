"""A run directory never mixes runs: identity checks, bad result files, races, empty folds."""

import json
import os
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest
from prepared_fakes import write_prepared

from adfl_teach.cli import main
from adfl_teach.config import get_preset
from adfl_teach.data.imageset import ImageSet
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments.cv import cross_validate
from adfl_teach.experiments.rundir import RUN_FORMAT, RUN_JSON, RunMismatchError, fold_dir, open_run
from adfl_teach.experiments.summary import summarize
from adfl_teach.training import CheckpointMismatchError

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")


def tiny_dataset(root, striped, seed=0, labels=None):
    """10 subjects x 8 striped images; ``labels`` may replace the labels."""
    data = striped(80, seed=seed, num_classes=len(CLASSES))
    subjects = np.array([f"S{i % 10:03d}" for i in range(80)])
    labels = data.labels if labels is None else labels
    return write_prepared(root, ImageSet(data.images, labels, subjects), CLASSES)


def smoke(epochs=1):
    return get_preset("smoke").replace(optim={"epochs": epochs})


@pytest.fixture
def finished(tmp_path, striped):
    """A prepared dataset and a run with fold 0 of ADFL finished (one epoch)."""
    data = tiny_dataset(tmp_path / "prepared", striped)
    run = tmp_path / "run"
    cross_validate(data, run, smoke(), ("adfl",), [0], progress=False)
    return data, run


def test_a_dataset_re_prepared_at_the_same_path_is_refused(finished, striped):
    data, run = finished
    shutil.rmtree(data)
    tiny_dataset(data, striped, seed=1)  # other images, same path
    with pytest.raises(RunMismatchError, match=r"run\.json.*dataset\.content_hash"):
        cross_validate(data, run, smoke(), ("adfl",), [0, 1], progress=False)


def test_a_result_in_the_wrong_fold_folder_is_refused(finished):
    data, run = finished
    fold_dir(run, "adfl", 1).mkdir(parents=True)
    shutil.copy(fold_dir(run, "adfl", 0) / "result.json", fold_dir(run, "adfl", 1))
    with pytest.raises(RunMismatchError, match=r"fold_1/result\.json.*lies in the folder"):
        summarize(run, figures=False)
    with pytest.raises(RunMismatchError, match="lies in the folder"):
        cross_validate(data, run, smoke(), ("adfl",), [1], progress=False)


def test_a_result_made_with_other_settings_is_refused(finished, tmp_path):
    data, run = finished
    other = tmp_path / "other"
    cross_validate(data, other, smoke(), ("adfl",), [1], variant="no-entropy", progress=False)
    target = fold_dir(run, "adfl", 1)
    shutil.copytree(fold_dir(other, "adfl", 1), target)
    with pytest.raises(RunMismatchError, match=r"fold_1/result\.json.*variant: 'no-entropy'"):
        summarize(run, figures=False)


@pytest.mark.parametrize("content", ["{}", "", "{not json", '{"model": "adfl"}'])
def test_an_empty_or_corrupt_result_is_an_error_naming_it(finished, content):
    data, run = finished
    path = fold_dir(run, "adfl", 0) / "result.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        summarize(run, figures=False)
    with pytest.raises(ValueError, match=re.escape(str(path))):  # never a finished fold
        cross_validate(data, run, smoke(), ("adfl",), [0], progress=False)


def test_a_nan_accuracy_is_an_error_naming_the_file(finished):
    _, run = finished
    path = fold_dir(run, "adfl", 0) / "result.json"
    result = json.loads(path.read_text())
    path.write_text(json.dumps({**result, "accuracy": float("nan")}))
    with pytest.raises(ValueError, match=re.escape(f"{path}: accuracy must be a number")):
        summarize(run, figures=False)


def test_a_run_without_or_with_a_corrupt_run_json_is_refused(finished):
    _, run = finished
    (run / RUN_JSON).write_text("[1, 2")
    with pytest.raises(ValueError, match=re.escape(f"{run / RUN_JSON}: not valid JSON")):
        summarize(run, figures=False)
    (run / RUN_JSON).write_text(json.dumps({"format": RUN_FORMAT, "identity": {}}))
    with pytest.raises(ValueError, match=re.escape(f"{run / RUN_JSON}: its 'identity' lacks")):
        summarize(run, figures=False)
    (run / RUN_JSON).write_text(json.dumps({"variant": "paper"}))  # an older run's run.json
    with pytest.raises(RunMismatchError, match="not a run of this version"):
        summarize(run, figures=False)
    (run / RUN_JSON).unlink()
    with pytest.raises(FileNotFoundError, match="run.json"):
        summarize(run, figures=False)


def test_of_two_run_starts_with_different_settings_exactly_one_wins(tmp_path, striped):
    data = load_prepared(tiny_dataset(tmp_path / "prepared", striped))
    start = threading.Barrier(6)
    outcome = []

    def open_with(epochs):
        start.wait()
        try:
            open_run(tmp_path / "run", smoke(epochs), "paper", data)
            outcome.append(("won", epochs))
        except RunMismatchError:
            outcome.append(("refused", epochs))

    threads = [threading.Thread(target=open_with, args=(e,)) for e in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [e for what, e in outcome if what == "won"]
    assert len(winners) == 1 and len(outcome) == 6
    recorded = json.loads((tmp_path / "run" / RUN_JSON).read_text())
    assert recorded["identity"]["config"]["optim"]["epochs"] == winners[0]
    assert [p.name for p in (tmp_path / "run").iterdir()] == [RUN_JSON]  # no temporary files


def test_two_cv_commands_started_together_one_refuses(tmp_path, striped):
    data = tiny_dataset(tmp_path / "prepared", striped)
    run = tmp_path / "run"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "adfl_teach",
                "cv",
                "--data",
                str(data),
                "--out",
                str(run),
                "--model",
                "baseline",
                "--folds",
                "0",
                "--preset",
                "smoke",
                "--epochs",
                str(e),
                "--quiet",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )  # fmt: skip
        for e in (1, 2)
    ]
    outcomes = sorted((p.wait(), p.stderr.read()) for p in procs)
    assert [code for code, _ in outcomes] == [0, 2]
    assert "run.json" in outcomes[1][1] and "optim.epochs" in outcomes[1][1]


def test_a_fold_without_test_images_is_an_error_naming_fold_and_dataset(tmp_path, striped):
    subjects_fold_1 = np.array([i % 10 == 1 for i in range(80)])
    labels = striped(80, seed=0, num_classes=len(CLASSES)).labels.clone()
    labels[subjects_fold_1] = 0  # fold 1 holds only neutral images
    data = tiny_dataset(tmp_path / "prepared", striped, labels=labels)
    with pytest.raises(ValueError, match=re.escape(f"{data}: fold 1 has no test images")):
        cross_validate(data, tmp_path / "run", smoke(), ("adfl",), [0, 1], progress=False)
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_train_refuses_a_fold_the_dataset_does_not_have(tmp_path, striped, capsys):
    data = tiny_dataset(tmp_path / "prepared", striped)
    args = ["train", "--data", str(data), "--out", str(tmp_path / "run"), "--fold", "12",
            "--preset", "smoke", "--epochs", "1", "--quiet"]  # fmt: skip
    assert main(args) == 2
    assert "fold 12 outside 0..9" in capsys.readouterr().err


def test_a_checkpoint_of_another_seed_is_refused(finished):
    data, run = finished
    fold_dir(run, "adfl", 0, seed=1).mkdir(parents=True)
    shutil.copy(fold_dir(run, "adfl", 0) / "checkpoint.pt", fold_dir(run, "adfl", 0, seed=1))
    with pytest.raises(CheckpointMismatchError, match=r"seed_1/adfl/fold_0/checkpoint\.pt"):
        cross_validate(data, run, smoke(), ("adfl",), [0], seeds=[1], progress=False)


def test_speed_flags_set_the_config_and_a_run_continues_only_with_its_own(
    tmp_path, striped, capsys
):
    data, run = tiny_dataset(tmp_path / "prepared", striped), tmp_path / "run"
    args = ["cv", "--data", str(data), "--out", str(run), "--model", "baseline", "--folds", "0",
            "--preset", "smoke", "--epochs", "1", "--quiet"]  # fmt: skip
    assert main([*args, "--channels-last", "--amp", "bf16"]) == 0
    saved = json.loads((fold_dir(run, "baseline", 0) / "result.json").read_text())
    assert saved["identity"]["config"]["channels_last"] is True
    assert saved["identity"]["config"]["amp"] == "bf16"
    capsys.readouterr()
    assert main(args) == 2  # smoke's own defaults: another setting, not mixed in
    assert "config.amp: 'bf16' then, 'off' now" in capsys.readouterr().err
    assert main([*args, "--channels-last", "--amp", "bf16"]) == 0  # its own: read back
    assert main([*args, "--no-channels-last", "--amp", "bf16"]) == 2
    assert "config.channels_last: True then, False now" in capsys.readouterr().err


def test_a_result_whose_job_fields_are_not_a_name_and_integers_is_one_line(finished):
    _, run = finished
    path = fold_dir(run, "adfl", 0) / "result.json"
    result = json.loads(path.read_text())
    path.write_text(json.dumps({**result, "fold": "0"}))
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*model, fold, seed"):
        summarize(run, figures=False)


def test_folds_option_outside_the_protocol_is_one_line(tmp_path, striped, capsys):
    data = tiny_dataset(tmp_path / "prepared", striped)
    args = ["cv", "--data", str(data), "--out", str(tmp_path / "run"), "--folds", "8-12",
            "--preset", "smoke", "--epochs", "1", "--quiet"]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "--folds '8-12': fold 10 outside 0..9" in err and "\n" not in err
    assert not (tmp_path / "run").exists()
