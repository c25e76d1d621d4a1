"""The prepared format: the content fingerprint, the image cache it names, fold checks."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest
import torch
from fakes import write_ckplus
from prepared_fakes import small_imageset, write_prepared

from adfl_teach.data import cache as cache_module
from adfl_teach.data import prepare as prepare_module
from adfl_teach.data.folds import check_folds
from adfl_teach.data.prepare import prepare
from adfl_teach.data.prepared import load_prepared

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")
CANVAS = (32, 28)


@pytest.fixture
def prepared(tmp_path):
    return write_prepared(tmp_path / "prepared", small_imageset(canvas=CANVAS), CLASSES)


def test_content_hash_covers_manifest_dataset_json_and_every_image(prepared):
    first = load_prepared(prepared).content_hash()
    assert first == load_prepared(prepared).content_hash() and len(first) == 64
    seen = {first}
    info = json.loads((prepared / "dataset.json").read_text())
    (prepared / "dataset.json").write_text(json.dumps({**info, "skipped": ["one more"]}))
    seen.add(load_prepared(prepared).content_hash())
    for rel in ("manifest.csv", load_prepared(prepared).paths[7]):
        path = prepared / rel
        path.write_bytes(path.read_bytes() + b"\n")  # one byte more
        seen.add(load_prepared(prepared).content_hash())
    assert len(seen) == 4


def test_the_same_database_prepared_elsewhere_and_later_keeps_its_hash(tmp_path, monkeypatch):
    """Where and when a dataset was prepared is not its content: a study archived on one
    machine must continue on the next, where the database is prepared again."""
    rows = [(f"S{k:03d}", "001", 4, (k - 1) % 7 + 1) for k in range(1, 11)]
    first = prepare("ckplus", write_ckplus(tmp_path / "a" / "CK+", rows), tmp_path / "pa",
                    progress=False)  # fmt: skip
    monkeypatch.setattr(prepare_module.time, "strftime", lambda fmt: "2031-01-01T00:00:00")
    again = prepare("ckplus", write_ckplus(tmp_path / "b" / "CK+", rows), tmp_path / "pb",
                    progress=False)  # fmt: skip
    info = {name: json.loads((p / "dataset.json").read_text()) for name, p in
            (("first", first), ("again", again))}  # fmt: skip
    for key in ("source", "source_root", "created"):  # (the duration may happen to agree)
        assert info["first"][key] != info["again"][key], key
    assert load_prepared(first).content_hash() == load_prepared(again).content_hash()


def test_cache_is_built_once_reused_and_invalidated(prepared, monkeypatch):
    calls = []
    real = cache_module.decode_image
    monkeypatch.setattr(cache_module, "decode_image", lambda p, c: calls.append(p) or real(p, c))
    first = load_prepared(prepared).images((16, 14), progress=False)
    assert len(calls) == 30 and first.shape == (30, 3, 16, 14)
    cache = load_prepared(prepared).cache_path((16, 14))
    mtime = cache.stat().st_mtime_ns
    again = load_prepared(prepared).images((16, 14), progress=False)
    assert len(calls) == 30 and torch.equal(first, again)  # no decoding the second time
    assert cache.stat().st_mtime_ns == mtime
    # dropping a row changes the manifest: a new cache is built, the old one removed
    lines = (prepared / "manifest.csv").read_text().splitlines(keepends=True)
    (prepared / "manifest.csv").write_text("".join(lines[:-1]))
    third = load_prepared(prepared).images((16, 14), progress=False)
    assert len(calls) == 30 + 29 and third.shape[0] == 29
    assert not cache.exists() and len(list((prepared / "cache").glob("*.npy"))) == 1
    assert not [p for p in (prepared / "cache").iterdir() if p.name.endswith(".tmp")]


def test_editing_a_png_on_disk_invalidates_the_cache(prepared):
    data = load_prepared(prepared)
    before = data.images(CANVAS, progress=False)
    old_cache = data.cache_path(CANVAS)
    path = prepared / data.paths[3]
    cv2.imwrite(str(path), np.zeros((*CANVAS, 3), np.uint8))  # same size, new pixels
    after = load_prepared(prepared).images(CANVAS, progress=False)
    assert after[3].sum() == 0 and before[3].sum() > 0
    assert torch.equal(after[4:], before[4:])
    assert not old_cache.exists()  # the old version was replaced ...
    assert [p.name for p in (prepared / "cache").iterdir()] == [
        load_prepared(prepared).cache_path(CANVAS).name
    ]


def test_cache_has_normal_permissions_and_only_its_own_files_are_removed(prepared, tmp_path):
    cache_dir = prepared / "cache"
    cache_dir.mkdir()
    keep = [cache_dir / "notes.txt", cache_dir / "images_32x28_mine.npy", cache_dir / "x.tmp"]
    for path in keep:
        path.write_text("mine")
    stale = cache_dir / ".images_32x28_0123456789abcdef.999999999.tmp"  # a killed build's
    stale.write_text("half")
    data = load_prepared(prepared)
    data.images(CANVAS, progress=False)
    umask = os.umask(0)
    os.umask(umask)
    assert data.cache_path(CANVAS).stat().st_mode & 0o777 == 0o666 & ~umask
    assert all(path.read_text() == "mine" for path in keep) and not stale.exists()


def test_a_damaged_cache_is_rebuilt(prepared, monkeypatch):
    data = load_prepared(prepared)
    good = data.images(CANVAS, progress=False)
    data.cache_path(CANVAS).write_bytes(b"\x93NUMPY broken")
    calls = []
    real = cache_module.decode_image
    monkeypatch.setattr(cache_module, "decode_image", lambda p, c: calls.append(p) or real(p, c))
    assert torch.equal(load_prepared(prepared).images(CANVAS, progress=False), good)
    assert len(calls) == len(good)


def test_neutral_index_must_name_the_neutral_class(tmp_path):
    classes = ("anger", "neutral", "happiness", "sadness", "surprise")
    root = write_prepared(tmp_path / "p", small_imageset(canvas=CANVAS), classes)
    info = (root / "dataset.json").read_text().replace('"neutral_index": 0', '"neutral_index": 1')
    (root / "dataset.json").write_text(info)
    assert load_prepared(root).neutral_index == 1


def test_check_folds_accepts_full_folds_and_names_the_empty_one():
    check_folds([0, 1, 2, 1, 0, 2], 3)
    with pytest.raises(ValueError, match="fold 1 has no test images"):
        check_folds([0, 2, 2], 3)
    with pytest.raises(ValueError, match="fold 3 outside 0..2"):
        check_folds([0, 1, 2, 3], 3)


def test_split_refuses_a_fold_outside_the_dataset(prepared):
    with pytest.raises(ValueError, match=r"prepared: fold 12 outside 0..9"):
        load_prepared(prepared).split(12, CANVAS)
