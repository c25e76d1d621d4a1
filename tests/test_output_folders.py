"""Folders the tool writes (``synth --out``, ``prepare --out``): a marker proves ownership;
``--overwrite`` never deletes anything else; leftovers of killed runs are cleaned up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest
from fakes import SMALL_SYNTH, write_ckplus

from adfl_teach.data import output
from adfl_teach.data.prepare import prepare
from adfl_teach.synth import generate_database

TINY = replace(SMALL_SYNTH, subjects=1, sequences_per_subject=1)


@pytest.fixture(scope="module")
def ck_prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("ck")
    src = write_ckplus(
        root / "CK+", [(f"S{k:03d}", "001", 4, (k - 1) % 7 + 1) for k in range(1, 11)]
    )
    return src, prepare("ckplus", src, root / "prepared", progress=False)


def dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_overwrite_never_deletes_a_folder_synth_did_not_make(tmp_path):
    out = tmp_path / "db"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    with pytest.raises(FileExistsError, match=r"db: not empty and not made by .*keep\.txt"):
        generate_database(out, config=TINY, progress=False, overwrite=True)
    assert (out / "keep.txt").read_text() == "precious"
    # a database synth made, with a user's file put into it: refused, naming the file
    made = generate_database(tmp_path / "made", config=TINY, progress=False)
    (made / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"did not write: notes\.txt"):
        generate_database(made, config=TINY, progress=False, overwrite=True)
    assert (made / "notes.txt").read_text() == "mine"
    # the marker must name synth: a prepared dataset's marker does not count
    (made / "notes.txt").unlink()
    (made / ".adfl-teach").write_text("This folder was made by `adfl-teach prepare`.\n")
    with pytest.raises(FileExistsError, match="made by `adfl-teach prepare`"):
        generate_database(made, config=TINY, progress=False, overwrite=True)


def test_stale_partial_folders_of_dead_runs_are_cleaned_up(tmp_path):
    pid = dead_pid()
    stale = tmp_path / f".db.partial-{pid}"  # left by a kill -9: marked, process gone
    (stale / "cohn-kanade-images").mkdir(parents=True)
    (stale / ".adfl-teach").write_text("This folder was made by `adfl-teach synth`.\n")
    empty = tmp_path / f".db.old-{pid}"
    empty.mkdir()
    foreign = tmp_path / f".db.partial-{pid + 1}"  # no marker, not empty: not ours to delete
    foreign.mkdir()
    (foreign / "x.txt").write_text("mine")
    running = tmp_path / f".db.partial-{os.getppid()}"  # a live process's: left alone
    running.mkdir()
    (running / ".adfl-teach").write_text("This folder was made by `adfl-teach synth`.\n")
    generate_database(tmp_path / "db", config=TINY, progress=False)
    assert not stale.exists() and not empty.exists()
    assert (foreign / "x.txt").exists() and running.exists()


def test_out_that_is_a_file_or_not_writable_is_refused(tmp_path, monkeypatch):
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(FileExistsError, match="file: exists and is not a directory"):
        generate_database(file, config=TINY, progress=False)
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(output.os, "access", lambda path, mode: False)  # as a non-root user
    with pytest.raises(PermissionError, match="locked: not writable"):
        generate_database(locked, config=TINY, progress=False)
    monkeypatch.undo()
    locked.chmod(0o500)
    parent_locked = locked / "db"
    try:
        if os.geteuid() != 0:  # root writes anywhere
            with pytest.raises(PermissionError, match="db: cannot write here"):
                generate_database(parent_locked, config=TINY, progress=False)
    finally:
        locked.chmod(0o700)


def test_prepare_overwrite_never_deletes_a_folder_prepare_did_not_make(ck_prepared, tmp_path):
    src, made = ck_prepared
    # a prepared dataset written by hand (no marker): looks complete, but is not ours
    mine = shutil.copytree(made, tmp_path / "mine")
    (mine / output.MARKER).unlink()
    with pytest.raises(FileExistsError, match=r"mine: not empty and not made by.*dataset\.json"):
        prepare("ckplus", src, mine, overwrite=True, progress=False)
    assert (mine / "manifest.csv").read_bytes() == (made / "manifest.csv").read_bytes()
    # ours, but with a user's file inside: refused, naming it
    ours = shutil.copytree(made, tmp_path / "ours")
    (ours / "results.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"did not write: results\.txt"):
        prepare("ckplus", src, ours, overwrite=True, progress=False)
    assert (ours / "results.txt").exists()
    # a synthetic database is not a prepared dataset, even though the tool made it
    database = generate_database(tmp_path / "db", config=TINY, progress=False)
    with pytest.raises(FileExistsError, match="made by `adfl-teach synth`"):
        prepare("ckplus", src, database, overwrite=True, progress=False)


def test_prepare_cleans_up_its_own_stale_partial_folder(ck_prepared, tmp_path):
    src, _ = ck_prepared
    stale = tmp_path / f".prepared.partial-{dead_pid()}"
    (stale / "images").mkdir(parents=True)
    (stale / output.MARKER).write_text("This folder was made by `adfl-teach prepare`.\n")
    prepare("ckplus", src, tmp_path / "prepared", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prepared"]
