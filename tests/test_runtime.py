"""Runtime helpers: progress switch, atomic and exclusive writes, JSON reading, the fault
hook, device choice."""

import os
import signal
import subprocess
import sys

import pytest
import torch

from adfl_teach.runtime import (
    atomic_write_json,
    create_json_exclusively,
    fault_point,
    load_checkpoint,
    progress_bar,
    read_json,
    save_checkpoint,
    select_device,
)


def test_progress_bar_honours_the_argument_and_the_variable(monkeypatch):
    monkeypatch.delenv("ADFL_PROGRESS", raising=False)
    assert not progress_bar(range(3), enabled=True).disable
    assert progress_bar(range(3), enabled=False).disable
    monkeypatch.setenv("ADFL_PROGRESS", "0")  # what the book build sets
    assert progress_bar(range(3), enabled=True).disable


def test_atomic_writes_replace_whole_files(tmp_path):
    atomic_write_json(tmp_path / "a.json", {"x": 1})
    atomic_write_json(tmp_path / "a.json", {"x": 2})
    assert (tmp_path / "a.json").read_text().strip().endswith("}")
    assert '"x": 2' in (tmp_path / "a.json").read_text()
    save_checkpoint(tmp_path / "c.pt", {"w": torch.ones(2)})
    assert torch.equal(load_checkpoint(tmp_path / "c.pt")["w"], torch.ones(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "c.pt"]
    umask = os.umask(0)
    os.umask(umask)
    for name in ("a.json", "c.pt"):  # like an ordinary open(), not mkstemp's 0600
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask


def test_bad_checkpoints_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="junk.pt"):
        load_checkpoint(tmp_path / "junk.pt")


def test_device_selection():
    assert select_device("cpu").type == "cpu"
    assert select_device("auto").type in ("cuda", "mps", "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            select_device("cuda")


def test_exclusive_creation_keeps_the_first_file(tmp_path):
    path = tmp_path / "sub" / "run.json"
    assert create_json_exclusively(path, {"first": 1})
    assert not create_json_exclusively(path, {"second": 2})
    assert read_json(path) == {"first": 1}
    assert [p.name for p in path.parent.iterdir()] == ["run.json"]  # no temporary file left


def _reach(point: str, times: int, fault: str) -> int:
    code = f"from adfl_teach.runtime import fault_point\nfor _ in range({times}): fault_point({point!r})"
    env = {**os.environ, "ADFL_FAULT": fault}
    return subprocess.run([sys.executable, "-c", code], env=env).returncode


def test_the_fault_hook_kills_at_the_nth_time_a_point_is_reached():
    assert _reach("epoch-end", 3, "epoch-end:3") == -signal.SIGKILL
    assert _reach("epoch-end", 2, "epoch-end:3") == 0  # not reached three times
    assert _reach("fold-start", 5, "epoch-end:1") == 0  # another point
    assert _reach("epoch-end", 1, "") == 0


def test_a_malformed_fault_setting_is_an_error(monkeypatch):
    monkeypatch.setenv("ADFL_FAULT", "nowhere:1")
    with pytest.raises(ValueError, match="ADFL_FAULT"):
        fault_point("epoch-end")


def test_identity_differences_lists_every_differing_leaf_once():
    from adfl_teach.runtime import identity_differences

    saved = {"config": {"amp": "bf16", "lr": 1}, "fold": 3, "gone": 1}
    wanted = {"config": {"amp": "off", "lr": 1}, "fold": 3, "new": 2}
    assert identity_differences(saved, wanted) == [
        "config.amp: 'bf16' then, 'off' now",
        "gone: 1 then, None now",
        "new: None then, 2 now",
    ]
    assert identity_differences(None, {"a": 1}, "checkpoint ") == ["a: checkpoint None then, 1 now"]
    assert identity_differences(saved, saved) == []


def test_a_checkpoint_mismatch_is_a_run_mismatch():
    from adfl_teach.experiments.rundir import RunMismatchError
    from adfl_teach.training import CheckpointMismatchError

    assert issubclass(CheckpointMismatchError, RunMismatchError)
