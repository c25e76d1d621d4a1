"""What real data and real machines bring (issue 23): tight face crops, file names that are
not UTF-8, landmark files listing a right point first. Each prepares; the refusals of the
same issue are rows of tests/test_bad_inputs.py."""

from __future__ import annotations

import csv
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from fakes import MTCNNStandIn, crop_ckplus_tightly, write_mmi

from adfl_teach.cli import main
from adfl_teach.data import prepare as prepare_module
from adfl_teach.data.imagefiles import printable
from adfl_teach.preprocess.align import OUTSIDE_TOLERANCE, face_height, landmark_problem


@pytest.fixture
def mtcnn_stand_in(monkeypatch):
    """``--detector mtcnn`` answered by :class:`fakes.MTCNNStandIn` (no facenet-pytorch)."""
    real = prepare_module.get_detector
    monkeypatch.setattr(
        prepare_module,
        "get_detector",
        lambda name, **kw: MTCNNStandIn() if name == "mtcnn" else real(name, **kw),
    )


def prepare_ck(src, out, *options) -> int:
    return main(["prepare", "ckplus", "--src", str(src), "--out", str(out), "--quiet", *options])


def rows(out):
    with open(out / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- tight crops: mouth corners outside the frame ---------------------------------------------


def test_tight_crops_with_mouth_corners_outside_prepare_with_mtcnn(ck, tmp_path, mtcnn_stand_in):
    crop_ckplus_tightly(ck, cut=3)  # bottom edge 3 px (about 5 px after resizing) above them
    marks = np.loadtxt(ck / "Landmarks/S001/001/S001_001_00000004_landmarks.txt")
    assert marks[3:, 1].min() > 127.5  # both mouth corners below the 128x128 frame
    assert prepare_ck(ck, tmp_path / "out", "--detector", "mtcnn") == 0  # no --skip-...
    info = json.loads((tmp_path / "out" / "dataset.json").read_text())
    assert info["detector"] == "mtcnn" and info["counts"]["total"] == 40 and not info["skipped"]
    aligned = cv2.imread(str(tmp_path / "out" / rows(tmp_path / "out")[3]["path"]))
    assert aligned.shape == (128, 110, 3)
    assert aligned[-4:].max() == 0 and aligned[40:80].std() > 10  # padded below, a face above


def test_a_crop_cut_far_above_the_mouth_is_still_no_usable_face(ck, tmp_path, mtcnn_stand_in,
                                                                 capsys):  # fmt: skip
    crop_ckplus_tightly(ck, cut=40)  # nose and mouth far below the frame
    assert prepare_ck(ck, tmp_path / "out", "--detector", "mtcnn") == 2
    err = capsys.readouterr().err
    assert re.search(
        r"no usable face: landmarks outside the 128x128 image \(.*right mouth corner\) by up "
        r"to \d+ px, more than the \d+ px tolerated \(15 % of the \d+ px face\)",
        err,
    )
    assert not (tmp_path / "out").exists()


def test_outside_tolerance_is_fifteen_percent_of_the_face_height():
    points = np.array([[40.0, 50], [80, 50], [60, 75], [45, 100], [75, 100]])
    tolerance = OUTSIDE_TOLERANCE * face_height(points)
    assert OUTSIDE_TOLERANCE == 0.15 and 15 < tolerance < 25
    image_shape = (128, 128)
    for beyond, refused in ((0.9, False), (1.1, True)):
        moved = points + [0, 127.5 + beyond * tolerance - 100]  # mouth corners this far out
        problem = landmark_problem(moved, image_shape)
        assert (problem is not None) == refused, problem
    assert "(left mouth corner, right mouth corner)" in problem


# --- file names that are not UTF-8 -----------------------------------------------------------


def _run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "adfl_teach", *args], capture_output=True, env=dict(os.environ)
    )


def test_non_utf8_source_and_output_names_prepare_in_a_process_that_never_crashes(ck, tmp_path):
    src = os.fsencode(tmp_path) + b"/syn_\xff"
    os.rename(os.fsencode(ck), src)  # made under a plain name: cv2.imwrite crashes on this one
    out = os.fsencode(tmp_path) + b"/prep_\xfe"
    done = _run_cli("prepare", "ckplus", "--src", src, "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr  # was -11 (SIGSEGV) in read_image
    manifest = rows(Path(os.fsdecode(out)))
    assert len(manifest) == 40
    image = os.fsdecode(src) + "/cohn-kanade-images/S002/001/S002_001_00000004.png"
    with open(image, "wb") as f:
        f.write(b"not an image")
    done = _run_cli("prepare", "ckplus", "--src", src, "--out", out + b"2", "--quiet")
    assert done.returncode == 2  # one line naming the file, its odd byte as \xff
    assert done.stderr.decode() == (
        f"adfl-teach prepare: error: {printable(image)}: unreadable image (not a PNG/JPEG "
        "OpenCV can decode)\n"
    )
    assert "syn_\\xff" in done.stderr.decode()


def test_a_prepared_dataset_under_a_non_utf8_name_trains(ck, tmp_path):
    out = os.fsencode(tmp_path) + b"/prep_\xfe"
    done = _run_cli("prepare", "ckplus", "--src", str(ck), "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr  # was -11: cv2.imwrite under that name
    done = _run_cli("train", "--data", out, "--out", os.fsencode(tmp_path) + b"/r",
                    "--preset", "smoke", "--epochs", "1", "--quiet")  # fmt: skip
    assert done.returncode == 0, done.stderr  # the image cache decodes them by bytes too


# --- landmark files that list the image-right eye first --------------------------------------


def test_swapped_eyes_in_a_landmarks_file_are_reordered_and_reported(ck, tmp_path, capsys):
    assert prepare_ck(ck, tmp_path / "plain") == 0
    marks = ck / "Landmarks/S003/001/S003_001_00000002_landmarks.txt"
    points = np.loadtxt(marks)
    np.savetxt(marks, points[[1, 0, 2, 3, 4]])  # the image-right eye listed first
    capsys.readouterr()
    assert prepare_ck(ck, tmp_path / "swapped") == 0
    printed = capsys.readouterr().out
    image = str(ck / "cohn-kanade-images/S003/001/S003_001_00000002.png")
    assert "landmarks reordered in 1 frames: the file listed a right eye or mouth" in printed
    assert f"assumed left = smaller x (dataset.json 'reordered_landmarks'), e.g. {image}" in printed
    info = json.loads((tmp_path / "swapped" / "dataset.json").read_text())
    assert info["reordered_landmarks"] == [image]
    assert rows(tmp_path / "swapped") == rows(tmp_path / "plain")  # the same manifest
    for row in rows(tmp_path / "plain"):  # and the same aligned faces
        a, b = (cv2.imread(str(tmp_path / d / row["path"])) for d in ("plain", "swapped"))
        assert np.array_equal(a, b), row["path"]


VIDEO_SCRIPT = """
import os, pickle, sys
from adfl_teach.data.prepare import prepare
from adfl_teach.preprocess.detectors import LandmarksDetector
src, out, points = os.fsdecode(sys.argv[1]), os.fsdecode(sys.argv[2]), pickle.load(sys.stdin.buffer)
prepare("mmi", src, out, detector=LandmarksDetector(points), progress=False)
"""


def test_a_video_under_a_non_utf8_name_is_decoded(tmp_path):
    spec = [(str(100 + k), k, 5, (k - 1) % 6 + 1) for k in range(1, 11)]
    points = write_mmi(tmp_path / "MMI", spec, video_sessions=("105",))
    src = os.fsencode(tmp_path) + b"/mmi_\xff"
    os.rename(os.fsencode(tmp_path / "MMI"), src)
    moved = {key.replace(str(tmp_path / "MMI"), os.fsdecode(src)): p for key, p in points.items()}
    done = subprocess.run(
        [sys.executable, "-c", VIDEO_SCRIPT, src, os.fsencode(tmp_path) + b"/out"],
        input=pickle.dumps(moved),
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr  # was -11: cv2.VideoCapture under that name
    video_rows = [r for r in rows(tmp_path / "out") if r["sequence"] == "105"]
    assert len(video_rows) == 4
