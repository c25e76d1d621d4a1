"""A study's archive: records packed in append-only batches, restored as finished jobs on
another machine, never overwriting and never mixing two studies."""

import io
import tarfile
from pathlib import PurePosixPath

import pytest
from prepared_fakes import small_imageset, write_prepared

from adfl_teach.config import get_preset
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments import archive
from adfl_teach.experiments.cv import cross_validate, fold_dir, run_fold
from adfl_teach.experiments.rundir import TRUTH

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")
SMOKE = get_preset("smoke").replace(optim={"epochs": 1})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_prepared(tmp_path_factory.mktemp("tiny") / "prepared", small_imageset(), CLASSES)


@pytest.fixture(scope="module")
def study(tiny, tmp_path_factory):
    """A study folder with one run of two finished jobs (and their checkpoints)."""
    out = tmp_path_factory.mktemp("study")
    cross_validate(tiny, out / "grid" / "point", SMOKE, ("baseline",), [0, 1], progress=False)
    return out


def test_pack_keeps_run_and_result_records_only(study, tmp_path):
    [batch] = archive.pack(study, tmp_path / "archive")
    with tarfile.open(batch) as tar:
        names = sorted(tar.getnames())
    assert names == [
        "grid/point/run.json",
        "grid/point/seed_0/baseline/fold_0/result.json",
        "grid/point/seed_0/baseline/fold_1/result.json",
    ]
    assert archive.pack(study, tmp_path / "archive") == []  # nothing new: no empty batch


def test_restored_jobs_are_read_back_not_trained(study, tiny, tmp_path, monkeypatch):
    archive.pack(study, tmp_path / "archive")
    elsewhere = tmp_path / "elsewhere"
    assert archive.restore(tmp_path / "archive", elsewhere) == 3
    assert archive.records(elsewhere) == archive.records(study)
    assert not list(elsewhere.rglob("checkpoint.pt"))

    def no_training(*args, **kwargs):
        raise AssertionError("a restored job was trained again")

    monkeypatch.setattr("adfl_teach.experiments.jobs.train", no_training)
    run = elsewhere / "grid" / "point"
    again = run_fold(load_prepared(tiny), "baseline", 1, SMOKE, run, progress=False)
    original = (fold_dir(study / "grid" / "point", "baseline", 1) / "result.json").read_bytes()
    assert (fold_dir(run, "baseline", 1) / "result.json").read_bytes() == original
    assert again["accuracy"] is not None


def test_a_second_batch_holds_only_the_new_records(study, tiny, tmp_path):
    out = tmp_path / "out"
    archive.pack(study, tmp_path / "archive")
    archive.restore(tmp_path / "archive", out)
    cross_validate(tiny, out / "grid" / "point", SMOKE, ("baseline",), [2], progress=False)
    [second] = archive.pack(out, tmp_path / "archive")
    with tarfile.open(second) as tar:
        assert tar.getnames() == ["grid/point/seed_0/baseline/fold_2/result.json"]
    assert len(archive.batches(tmp_path / "archive")) == 2
    assert len(archive.archived(tmp_path / "archive")) == 4


def test_restore_never_overwrites_a_file_that_differs(study, tmp_path):
    archive.pack(study, tmp_path / "archive")
    out = tmp_path / "out"
    archive.restore(tmp_path / "archive", out)
    mine = fold_dir(out / "grid" / "point", "baseline", 0) / "result.json"
    mine.write_text("{}\n")
    with pytest.raises(ValueError, match=r"fold_0/result.json: exists with other contents"):
        archive.restore(tmp_path / "archive", out)
    assert mine.read_text() == "{}\n"
    assert archive.restore(tmp_path / "archive", tmp_path / "third") == 3


def test_packing_another_study_into_the_same_archive_is_refused(study, tmp_path):
    archive.pack(study, tmp_path / "archive")
    other = tmp_path / "other"
    archive.restore(tmp_path / "archive", other)
    (other / "grid" / "point" / "run.json").write_text('{"format": "another"}\n')
    with pytest.raises(ValueError, match=r"run.json: differs from the archived copy"):
        archive.pack(other, tmp_path / "archive")
    assert len(archive.batches(tmp_path / "archive")) == 1


def _batch(path, name, data=b"{}"):
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("name", ["../escape/result.json", "/abs/run.json", "grid/notes.txt"])
def test_a_batch_with_a_foreign_member_is_one_clear_error(tmp_path, name):
    (tmp_path / "archive").mkdir()
    _batch(tmp_path / "archive" / "20260101T000000Z.tar.gz", name)
    with pytest.raises(
        ValueError, match=r"20260101T000000Z.tar.gz: member .* not a record of its shelf"
    ):
        archive.restore(tmp_path / "archive", tmp_path / "out")
    assert not (tmp_path / "escape").exists() and not (tmp_path / "out").exists()


def test_two_batches_disagreeing_on_a_record_are_refused(tmp_path):
    (tmp_path / "archive").mkdir()
    _batch(tmp_path / "archive" / "1.tar.gz", "run/run.json", b"{}")
    _batch(tmp_path / "archive" / "2.tar.gz", "run/run.json", b"[]")
    with pytest.raises(ValueError, match=r"2.tar.gz: holds run/run.json with other contents"):
        archive.archived(tmp_path / "archive")


def test_a_damaged_batch_names_its_file(tmp_path):
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "1.tar.gz").write_bytes(b"not gzip")
    with pytest.raises(ValueError, match=r"1.tar.gz: not a readable archive batch"):
        archive.restore(tmp_path / "archive", tmp_path / "out")


def test_probe_records_go_to_their_own_shelf_and_the_top_level_keeps_job_records(study, tmp_path):
    out = tmp_path / "out"
    archive.pack(study, tmp_path / "archive")
    archive.restore(tmp_path / "archive", out)
    job = fold_dir(out / "grid" / "point", "baseline", 0, 0)
    (job / TRUTH).write_text('{"method": "m", "r2": {}}\n')
    [batch] = archive.pack(out, tmp_path / "archive")
    assert batch.parent == tmp_path / "archive" / "probes"
    with tarfile.open(batch) as tar:
        assert tar.getnames() == [f"grid/point/seed_0/baseline/fold_0/{TRUTH}"]
    # a reader that knows only run.json and result.json (an older version) reads the top level
    for top in archive.batches(tmp_path / "archive"):
        with tarfile.open(top) as tar:
            assert {PurePosixPath(n).name for n in tar.getnames()} <= {"run.json", "result.json"}
    again = tmp_path / "again"
    archive.restore(tmp_path / "archive", again)
    assert (fold_dir(again / "grid" / "point", "baseline", 0, 0) / TRUTH).exists()


def test_a_probe_record_on_the_top_shelf_is_refused(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    _batch(folder / "20260101T000000Z.tar.gz", f"run/seed_0/adfl/fold_0/{TRUTH}", b"{}")
    with pytest.raises(ValueError, match="not a record of its shelf"):
        archive.archived(folder)
