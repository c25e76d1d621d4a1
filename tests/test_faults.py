"""Fault injection: a multi-seed, multi-fold ``cv`` killed at six points (and once with its
workers killed) and rerun ends with exactly the results of an uninterrupted run."""

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
from adfl_teach.experiments.cv import cross_validate
from adfl_teach.experiments.rundir import fold_dir

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")
SEEDS, FOLDS, EPOCHS = (0, 1), (0, 1), 2
# (ADFL_FAULT, --jobs, expected exit code, what the kill interrupts), run one after another
# on the same run directory: each run resumes what the previous one left.
KILLS = [
    ("run.json:1", 1, -signal.SIGKILL, "run.json's creation"),
    ("checkpoint.pt:2", 1, -signal.SIGKILL, "seed 0 fold 0: the epoch-2 checkpoint write"),
    ("epoch-end:2", 1, -signal.SIGKILL, "seed 0 fold 1: the end of epoch 1"),
    ("result.json:1", 1, -signal.SIGKILL, "seed 0 fold 1: its result.json write"),
    ("fold-start:2", 1, -signal.SIGKILL, "seed 1 fold 0: its start"),
    ("epoch-end:1", 2, 2, "both workers at their first epoch end (a broken pool: exit 2)"),
    ("summary.json:1", 1, -signal.SIGKILL, "the summary, after every fold"),
]


@pytest.fixture
def single_thread():
    """Every process of this test trains with one thread (the workers of --jobs 2 do)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _cv(data, run, fault, jobs):
    command = [
        sys.executable, "-m", "adfl_teach", "cv", "--data", str(data), "--out", str(run),
        "--model", "adfl", "--folds", ",".join(map(str, FOLDS)),
        "--seeds", ",".join(map(str, SEEDS)), "--preset", "smoke",
        "--epochs", str(EPOCHS), "--jobs", str(jobs), "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ADFL_FAULT": fault}
    return subprocess.run(command, env=env, capture_output=True, text=True).returncode


def _results(run):
    out = {}
    for s in SEEDS:
        for k in FOLDS:
            r = json.loads((fold_dir(run, "adfl", k, s) / "result.json").read_text())
            out[s, k] = (r["accuracy"], r["predictions"], [h["total"] for h in r["history"]])
    return out


def test_killed_at_every_point_the_rerun_equals_an_uninterrupted_run(
    tmp_path, striped, single_thread
):
    data = striped(80, seed=0, num_classes=len(CLASSES))
    subjects = np.array([f"S{i % 10:03d}" for i in range(80)])
    prepared = write_prepared(
        tmp_path / "prepared", ImageSet(data.images, data.labels, subjects), CLASSES
    )
    config = get_preset("smoke").replace(optim={"epochs": EPOCHS})
    straight = tmp_path / "straight"
    cross_validate(prepared, straight, config, ("adfl",), FOLDS, seeds=SEEDS, progress=False)
    run = tmp_path / "killed"
    for fault, jobs, code, where in KILLS:
        assert _cv(prepared, run, fault, jobs) == code, f"no kill at {fault} ({where})"
    assert not (run / "summary.json").exists()
    cross_validate(prepared, run, config, ("adfl",), FOLDS, seeds=SEEDS, progress=False)
    assert _results(run) == _results(straight)
    assert not list(run.glob("seed_*/*/fold_*/.*.tmp")), "a killed write's temporary file is left"


ORPHAN_PARENT = """
import os, sys, time, multiprocessing
from concurrent.futures import ProcessPoolExecutor
from adfl_teach.experiments.jobs import _start_worker
pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                           initializer=_start_worker, initargs=(1,))
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(time.sleep, 120)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_exits_when_its_parent_is_killed():
    """``kill -9`` of ``cv --jobs N`` must not leave workers training on as orphans."""
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_PARENT], stdout=subprocess.PIPE)
    worker = int(parent.stdout.readline())  # the worker is up, now busy with a long job
    assert _alive(worker)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)  # do not leave it behind either way
    assert not alive, "the worker outlived its killed parent"
