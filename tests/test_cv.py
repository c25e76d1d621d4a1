"""Cross-validation: result files, subject independence, resume after a kill, summaries."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from prepared_fakes import write_prepared

from adfl_teach.config import get_preset
from adfl_teach.data.imageset import ImageSet
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments.cv import RunMismatchError, cross_validate, fold_dir, run_fold
from adfl_teach.experiments.probes import probe_run
from adfl_teach.experiments.rundir import JobBusyError, job_lock
from adfl_teach.experiments.summary import format_summary
from adfl_teach.teaching.confusion import summarize_with_figures as summarize
from adfl_teach.teaching.toydata import striped_imageset

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")
RESULT_FIELDS = {
    "model",
    "fold",
    "accuracy",
    "num_test_images",
    "predictions",
    "targets",
    "confusion",
    "history",
    "train_subjects",
    "test_subjects",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, request):
    """10 subjects x 30 striped images (class = stripe height), prepared format."""
    data = striped_imageset(300, seed=0, num_classes=len(CLASSES))
    data = ImageSet(data.images, data.labels, np.array([f"S{i % 10:03d}" for i in range(300)]))
    return write_prepared(tmp_path_factory.mktemp("tiny") / "prepared", data, CLASSES)


def smoke(epochs=3):
    return get_preset("smoke").replace(optim={"epochs": epochs})


def test_two_folds_write_documented_results(tiny, tmp_path):
    run = tmp_path / "run"
    cross_validate(tiny, run, smoke(5), ("adfl", "baseline"), [0, 1], progress=False)
    data = load_prepared(tiny)
    for model in ("adfl", "baseline"):
        for k in (0, 1):
            result = json.loads((fold_dir(run, model, k) / "result.json").read_text())
            assert RESULT_FIELDS <= set(result)
            assert (fold_dir(run, model, k) / "checkpoint.pt").exists()
            assert not set(result["train_subjects"]) & set(result["test_subjects"])
            assert set(result["test_subjects"]) == set(data.subjects[data.folds == k])
            assert result["num_test_images"] == int(((data.folds == k) & (data.labels != 0)).sum())
            assert result["accuracy"] > 0.4  # chance: 1/4 expressions
            assert len(result["history"]) == 5
    summary = summarize(run)
    assert summary["models"]["adfl"]["folds"] == [0, 1]
    assert summary["paired"]["folds"] == [0, 1]
    assert (run / "summary.json").exists() and (run / "confusion_adfl.png").exists()
    text = format_summary(summary)
    assert "98.17" in text and "adfl" in text  # Table 2's ADFL row beside ours
    probes = probe_run(tiny, run, "adfl", progress=False)
    assert probes["folds"] == [0, 1] and set(probes["mean"]) == {"f_e", "f_n", "f_r"}
    assert (run / "probes_adfl.json").exists()


def test_summarize_merges_a_partial_set_of_folds(tiny, tmp_path):
    run = tmp_path / "run"
    data = load_prepared(tiny)
    cfg = smoke(2)
    cross_validate(tiny, run, cfg, ("baseline",), [2], progress=False)
    first = summarize(run)["models"]["baseline"]
    assert first["folds"] == [2]
    cross_validate(tiny, run, cfg, ("baseline",), [5], progress=False)  # "another machine"
    merged = summarize(run)["models"]["baseline"]
    assert merged["folds"] == [2, 5]
    r2, r5 = (
        json.loads((fold_dir(run, "baseline", k) / "result.json").read_text()) for k in (2, 5)
    )
    pooled = (r2["accuracy"] * r2["num_test_images"] + r5["accuracy"] * r5["num_test_images"]) / (
        r2["num_test_images"] + r5["num_test_images"]
    )
    assert merged["overall_accuracy"] == pytest.approx(pooled)
    assert merged["num_test_images"] == int(
        ((np.isin(data.folds, [2, 5])) & (data.labels != 0)).sum()
    )
    assert "paired" not in summarize(run)


def test_a_finished_fold_is_not_retrained(tiny, tmp_path):
    data = load_prepared(tiny)
    first = run_fold(data, "baseline", 3, smoke(1), tmp_path, progress=False)
    mtime = (fold_dir(tmp_path, "baseline", 3) / "checkpoint.pt").stat().st_mtime_ns
    again = run_fold(data, "baseline", 3, smoke(1), tmp_path, progress=False)
    assert again == first
    assert (fold_dir(tmp_path, "baseline", 3) / "checkpoint.pt").stat().st_mtime_ns == mtime


def test_a_run_directory_refuses_another_setting(tiny, tmp_path):
    cross_validate(tiny, tmp_path, smoke(1), ("baseline",), [0], progress=False)
    with pytest.raises(RunMismatchError, match="run.json"):
        cross_validate(tiny, tmp_path, smoke(2), ("baseline",), [0], progress=False)


def test_a_job_another_process_holds_is_not_trained_twice(tiny, tmp_path):
    """Two runs on one --out: the job's lock stops the second (flock is per open file, so
    a second open in this process stands in for another process)."""
    data = load_prepared(tiny)
    directory = fold_dir(tmp_path, "baseline", 2)
    with job_lock(directory):
        with pytest.raises(JobBusyError, match=r"fold_2/\.lock: another process"):
            run_fold(data, "baseline", 2, smoke(1), tmp_path, progress=False)
    assert not (directory / "checkpoint.pt").exists()
    assert run_fold(data, "baseline", 2, smoke(1), tmp_path, progress=False) is not None


def test_a_file_system_without_locks_warns_and_runs(tiny, tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(*_):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.warns(UserWarning, match=r"fold_0/\.lock: not locked \(No locks available\)"):
        assert run_fold(load_prepared(tiny), "baseline", 0, smoke(1), tmp_path, progress=False)


def test_a_rerun_removes_the_temporary_files_a_kill_left(tiny, tmp_path):
    data = load_prepared(tiny)
    directory = fold_dir(tmp_path, "baseline", 1)
    directory.mkdir(parents=True)
    stale = directory / ".checkpoint.pt.k1ll3d.tmp"
    stale.write_bytes(b"half a checkpoint")
    run_fold(data, "baseline", 1, smoke(1), tmp_path, progress=False)
    assert not stale.exists() and (directory / "result.json").exists()


def _cv_command(data, run):
    return [
        sys.executable, "-m", "adfl_teach.cli", "cv", "--data", str(data), "--out", str(run),
        "--model", "adfl", "--folds", "4", "--preset", "smoke", "--epochs", "4", "--quiet",
    ]  # fmt: skip


def test_killed_run_resumes_to_the_same_result(tiny, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    straight = tmp_path / "straight"  # the same settings as the command line, uninterrupted
    cross_validate(tiny, straight, smoke(4), ("adfl",), [4], progress=False)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cv_command(tiny, killed), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    checkpoint = fold_dir(killed, "adfl", 4) / "checkpoint.pt"
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert checkpoint.exists(), "the run should have written an epoch checkpoint before the kill"
    assert not (fold_dir(killed, "adfl", 4) / "result.json").exists()
    stopped_at = torch.load(checkpoint, weights_only=True)["epoch"]
    assert 1 <= stopped_at < 4
    cross_validate(tiny, killed, smoke(4), ("adfl",), [4], progress=False)  # the rerun
    a, b = (
        json.loads((fold_dir(r, "adfl", 4) / "result.json").read_text()) for r in (straight, killed)
    )
    assert a["predictions"] == b["predictions"] and a["accuracy"] == b["accuracy"]
    assert [h["total"] for h in a["history"]] == [h["total"] for h in b["history"]]
