"""Protocols (sec. 3.2) and the prepared format: small fake databases in the native layouts of
CK+, MMI and Oulu-CASIA, prepared into manifests compared with hand-computed expectations."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
import torch
from fakes import write_ckplus, write_mmi, write_oulu

from adfl_teach.cli import main as cli_main
from adfl_teach.data.folds import assign_folds, sort_subjects
from adfl_teach.data.prepare import prepare
from adfl_teach.data.prepared import COLUMNS, DatasetError, load_prepared
from adfl_teach.data.protocols import get_protocol
from adfl_teach.data.protocols.mmi import read_session_xml
from adfl_teach.preprocess.detectors import FaceNotFoundError, LandmarksDetector

# (subject, sequence, frames, CK+ code or None = unlabelled)
CK_SPEC = [
    ("S001", "001", 5, 1),
    ("S002", "001", 5, 3),
    ("S002", "002", 4, None),  # unlabelled: excluded
    ("S003", "001", 6, 5),  # grayscale PNGs
    ("S004", "001", 5, 7),  # 68-point landmarks
    ("S005", "001", 5, 2),
    ("S006", "001", 4, 4),
    ("S007", "001", 5, 6),
    ("S008", "001", 5, 5),
    ("S009", "001", 5, 1),
    ("S010", "001", 5, 7),
    ("S011", "001", 5, 3),
    ("S011", "002", 5, 5),
    ("S012", "001", 4, None),  # a subject without any labelled sequence: excluded
]


def quiet(**kwargs):
    return {"progress": False, **kwargs}


@pytest.fixture(scope="module")
def ck_src(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckplus") / "CK+"
    return write_ckplus(root, CK_SPEC, gray_subjects=("S003",), landmarks68=(("S004", "001"),))


@pytest.fixture(scope="module")
def ck_prepared(ck_src, tmp_path_factory):
    return prepare("ckplus", ck_src, tmp_path_factory.mktemp("out") / "ck", **quiet())


def read_manifest(directory):
    with open(directory / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


# --- CK+ -------------------------------------------------------------------------------------


def test_ckplus_manifest_has_the_exact_columns(ck_prepared):
    header = (ck_prepared / "manifest.csv").read_text().splitlines()[0]
    assert header == "path,subject,sequence,frame,label,label_name,fold"
    assert COLUMNS == tuple(header.split(","))


def test_ckplus_selects_first_frame_neutral_and_last_three_labelled(ck_prepared):
    rows = read_manifest(ck_prepared)
    got = {}
    for r in rows:
        got.setdefault((r["subject"], r["sequence"]), []).append((int(r["frame"]), int(r["label"])))
    # by hand: frame positions 0 (neutral) and n-3, n-2, n-1 (the Emotion code)
    assert got[("S001", "001")] == [(0, 0), (2, 1), (3, 1), (4, 1)]
    assert got[("S003", "001")] == [(0, 0), (3, 5), (4, 5), (5, 5)]
    assert got[("S006", "001")] == [(0, 0), (1, 4), (2, 4), (3, 4)]
    assert got[("S011", "002")] == [(0, 0), (2, 5), (3, 5), (4, 5)]
    assert ("S002", "002") not in got and not any(s == "S012" for s, _ in got)  # unlabelled
    assert len(got) == 12
    s3 = [r["path"] for r in rows if r["subject"] == "S003"]
    assert s3 == [f"images/S003/001/S003_001_0000000{k}.png" for k in (1, 4, 5, 6)]


def test_ckplus_counts_and_modulo_folds_match_hand_computation(ck_prepared):
    info = json.loads((ck_prepared / "dataset.json").read_text())
    assert info["classes"] == [
        "neutral", "anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise",
    ]  # fmt: skip
    assert info["neutral_index"] == 0
    assert info["counts"]["per_class"] == {
        "neutral": 12, "anger": 6, "contempt": 3, "disgust": 6,
        "fear": 3, "happiness": 9, "sadness": 3, "surprise": 6,
    }  # fmt: skip
    # S001..S011 sorted; rank i -> fold i mod 10: S001 and S011 share fold 0.
    assert info["counts"]["per_fold"] == {"0": 12, **{str(k): 4 for k in range(1, 10)}}
    assert info["subject_folds"]["S011"] == 0 and info["subject_folds"]["S010"] == 9
    excluded = {e["item"]: e["reason"] for e in info["excluded"]}
    assert "unlabelled" in excluded["S002/002"] and "no labelled sequence" in excluded["S012"]
    assert info["detector"] == "landmarks"  # Landmarks/ present -> default detector
    assert info["protocol"] == "ckplus" and info["fold_scheme"] == "modulo"


def test_no_subject_in_two_folds(ck_prepared):
    data = load_prepared(ck_prepared)
    for subject in set(data.subjects):
        assert len(set(data.folds[data.subjects == subject])) == 1


def test_aligned_images_are_128x110_rgb_also_from_grayscale(ck_prepared):
    data = load_prepared(ck_prepared)
    images = data.images(progress=False)
    assert images.shape == (48, 3, 128, 110) and images.dtype == torch.uint8
    gray = images[data.subjects == "S003"]
    assert torch.equal(gray[:, 0], gray[:, 1]) and torch.equal(gray[:, 1], gray[:, 2])
    colour = images[data.subjects == "S001"]
    assert not torch.equal(colour[:, 0], colour[:, 2])


def test_contiguous_fold_scheme(ck_src, tmp_path):
    out = prepare("ckplus", ck_src, tmp_path / "ck", fold_scheme="contiguous", **quiet())
    folds = json.loads((out / "dataset.json").read_text())["subject_folds"]
    # 11 subjects in 10 blocks: the first block takes two
    assert folds == {"S001": 0, "S002": 0, **{f"S{k:03d}": k - 2 for k in range(3, 12)}}


def test_fold_rules():
    subjects = [f"S{k}" for k in (10, 2, 1, 33, 4, 5, 6, 7, 8, 9, 11, 12)]
    assert sort_subjects(subjects)[:3] == ["S1", "S2", "S4"]  # natural order, not "S10" < "S2"
    modulo = assign_folds(subjects)
    assert modulo["S1"] == 0 and modulo["S12"] == 0 and modulo["S33"] == 1
    contiguous = assign_folds(subjects, scheme="contiguous")
    assert [contiguous[s] for s in ("S1", "S2", "S4", "S5", "S33")] == [0, 0, 1, 1, 9]
    with pytest.raises(ValueError, match="need at least 10"):
        assign_folds(["a", "b"])


def test_sequence_list_restricts_ckplus(ck_src, tmp_path):
    listing = tmp_path / "seqs.txt"
    listing.write_text("# all but S011/002\n" + "\n".join(
        f"{s}/{q}" for s, q, _, c in CK_SPEC if c and (s, q) != ("S011", "002")
    ))  # fmt: skip
    out = prepare("ckplus", ck_src, tmp_path / "ck", sequences=listing, **quiet())
    assert len(read_manifest(out)) == 44


# --- Oulu-CASIA ----------------------------------------------------------------------------------

OULU_SPEC = [(f"P{k:03d}", name, 5) for k, name in enumerate(
    ["Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise"] * 2, start=1
)][:10] + [("P010", "Surprise", 6)]  # fmt: skip


@pytest.fixture(scope="module")
def oulu_src(tmp_path_factory):
    return write_oulu(tmp_path_factory.mktemp("oulu") / "Oulu-CASIA", OULU_SPEC)


def test_oulu_last_three_plus_first_with_six_basic_classes(oulu_src, tmp_path):
    out = prepare("oulu", oulu_src, tmp_path / "oulu", detector="landmarks", **quiet())
    rows = read_manifest(out)
    info = json.loads((out / "dataset.json").read_text())
    assert info["classes"] == [
        "neutral", "anger", "disgust", "fear", "happiness", "sadness", "surprise",
    ]  # fmt: skip
    assert len(rows) == 44
    p010 = [
        (r["sequence"], int(r["frame"]), r["label_name"]) for r in rows if r["subject"] == "P010"
    ]
    assert p010 == [
        ("Happiness", 0, "neutral"), ("Happiness", 2, "happiness"), ("Happiness", 3, "happiness"),
        ("Happiness", 4, "happiness"),
        ("Surprise", 0, "neutral"), ("Surprise", 3, "surprise"), ("Surprise", 4, "surprise"),
        ("Surprise", 5, "surprise"),
    ]  # fmt: skip
    assert info["counts"]["per_class"] == {
        "neutral": 11, "anger": 6, "disgust": 6, "fear": 6,
        "happiness": 6, "sadness": 3, "surprise": 6,
    }  # fmt: skip
    assert {r["subject"]: int(r["fold"]) for r in rows} == {
        f"P{k:03d}": k - 1 for k in range(1, 11)
    }


@pytest.mark.parametrize("where", ["root", "VL", "Strong"])
def test_oulu_src_may_be_root_vl_or_strong(oulu_src, where):
    src = {"root": oulu_src, "VL": oulu_src / "VL", "Strong": oulu_src / "VL" / "Strong"}[where]
    assert get_protocol("oulu").find_root(src) == oulu_src / "VL" / "Strong"


def test_oulu_subject_without_sequences_is_an_error(oulu_src, tmp_path):
    src = tmp_path / "oulu"
    shutil.copytree(oulu_src, src)
    (src / "VL" / "Strong" / "P011").mkdir()
    with pytest.raises(DatasetError, match="P011.*no labelled sequence"):
        prepare("oulu", src, tmp_path / "out", detector="landmarks", **quiet())
    assert not (tmp_path / "out").exists()


# --- MMI -------------------------------------------------------------------------------------------

# (session, subject, frames, MMI emotion code or None)
MMI_SPEC = [(str(100 + k), k, 7, (k - 1) % 6 + 1) for k in range(1, 11)] + [
    ("111", 10, 6, 6),  # even length: centre (6 - 1) // 2 = 2 -> frames 1, 2, 3
    ("112", 3, 6, None),  # no emotion label: excluded
]


@pytest.fixture(scope="module")
def mmi_src(tmp_path_factory):
    root = tmp_path_factory.mktemp("mmi") / "MMI"
    video_points = write_mmi(root, MMI_SPEC, video_sessions=("105",))
    return root, video_points


def test_mmi_middle_three_plus_first_frames(mmi_src, tmp_path):
    root, video_points = mmi_src
    out = prepare(
        "mmi", root, tmp_path / "mmi", detector=LandmarksDetector(video_points), **quiet()
    )
    rows = read_manifest(out)
    by_seq = {}
    for r in rows:
        by_seq.setdefault(r["sequence"], []).append((int(r["frame"]), int(r["label"])))
    assert by_seq["101"] == [(0, 0), (2, 1), (3, 1), (4, 1)]  # n = 7: centre 3
    assert by_seq["111"] == [(0, 0), (1, 6), (2, 6), (3, 6)]  # n = 6: centre 2
    assert by_seq["105"] == [(0, 0), (2, 5), (3, 5), (4, 5)]  # decoded from the .avi
    assert "112" not in by_seq and len(rows) == 44
    # numeric subject IDs sort numerically: subject 10 is rank 9 -> fold 9 (not fold 1)
    folds = {r["subject"]: int(r["fold"]) for r in rows}
    assert folds["10"] == 9 and folds["2"] == 1
    video_rows = [r for r in rows if r["sequence"] == "105"]
    assert video_rows[0]["path"] == "images/5/105/frame00000.png"


def test_mmi_sequence_list_selects_front_view_sessions(mmi_src, tmp_path):
    root, video_points = mmi_src
    listing = tmp_path / "front.txt"
    listing.write_text("\n".join(str(100 + k) for k in range(1, 11)) + "\n")
    out = prepare(
        "mmi", root, tmp_path / "mmi", detector=LandmarksDetector(video_points),
        sequences=listing, **quiet(),
    )  # fmt: skip
    info = json.loads((out / "dataset.json").read_text())
    assert info["counts"]["total"] == 40
    assert {"item": "111", "reason": "not in the sequence list"} in info["excluded"]
    listing.write_text("101\n999\n")
    with pytest.raises(DatasetError, match="999"):
        prepare("mmi", root, tmp_path / "mmi2", sequences=listing, **quiet())


def test_mmi_session_xml_forms(tmp_path):
    attrs = tmp_path / "a.xml"
    attrs.write_text('<session sessionId="7" Subject="S05" Emotion="4"/>')
    assert read_session_xml(attrs) == ("S05", 4)
    meta = tmp_path / "b.xml"
    meta.write_text('<Session><subject id="12"/><Metatag Name="Emotion" Value="2"/></Session>')
    assert read_session_xml(meta) == ("12", 2)
    none = tmp_path / "c.xml"
    none.write_text('<session Subject="3"/>')
    assert read_session_xml(none) == ("3", None)
    bad = tmp_path / "d.xml"
    bad.write_text('<session Subject="3" Emotion="7"/>')
    with pytest.raises(DatasetError, match="d.xml.*out of range"):
        read_session_xml(bad)
    broken = tmp_path / "e.xml"
    broken.write_text("<session")
    with pytest.raises(DatasetError, match="e.xml.*malformed"):
        read_session_xml(broken)


# --- bad input (more in test_bad_inputs.py) -------------------------------------------------------


@pytest.fixture
def ck_copy(ck_src, tmp_path):
    dst = tmp_path / "CK+"
    shutil.copytree(ck_src, dst)
    return dst


def test_unknown_layout_says_what_was_expected(oulu_src, ck_src, tmp_path):
    with pytest.raises(
        DatasetError, match=r"Oulu-CASIA.*does not look like CK\+.*cohn-kanade-images"
    ):
        prepare("ckplus", oulu_src, tmp_path / "out", **quiet())
    with pytest.raises(DatasetError, match="CK\\+.*does not look like Oulu-CASIA.*VL/Strong"):
        prepare("oulu", ck_src, tmp_path / "out", **quiet())
    with pytest.raises(DatasetError, match="does not look like MMI.*session.xml"):
        prepare("mmi", ck_src, tmp_path / "out", **quiet())


def test_face_not_found_is_an_error_unless_skipped(ck_copy, tmp_path, capsys):
    marks = ck_copy / "Landmarks" / "S010" / "001" / "S010_001_00000004_landmarks.txt"
    marks.unlink()
    with pytest.raises(FaceNotFoundError, match="S010_001_00000004.png"):
        prepare("ckplus", ck_copy, tmp_path / "out", **quiet())
    out = prepare(
        "ckplus", ck_copy, tmp_path / "out", skip_missing_faces=True, verbose=True, **quiet()
    )
    info = json.loads((out / "dataset.json").read_text())
    assert [s["path"].endswith("S010_001_00000004.png") for s in info["skipped"]] == [True]
    assert info["counts"]["total"] == 47
    assert "S010_001_00000004.png" in capsys.readouterr().out


def test_output_is_not_overwritten_unless_asked(ck_prepared, ck_src):
    with pytest.raises(FileExistsError, match="already there"):
        prepare("ckplus", ck_src, ck_prepared, **quiet())
    before = (ck_prepared / "manifest.csv").read_bytes()
    prepare("ckplus", ck_src, ck_prepared, overwrite=True, **quiet())
    assert (ck_prepared / "manifest.csv").read_bytes() == before
    assert not [p for p in ck_prepared.parent.iterdir() if p.name.startswith(".")]


# --- prepared format: splits -------------------------------------------------


def test_split_is_subject_independent(ck_prepared):
    data = load_prepared(ck_prepared)
    assert data.classes[0] == "neutral" and data.neutral_index == 0
    train, test = data.split(0, canvas=(64, 55))
    assert len(train) + len(test) == len(data) == 48
    assert set(test.subjects) == {"S001", "S011"}
    assert not set(train.subjects) & set(test.subjects)
    assert train.images.shape[1:] == (3, 64, 55)
    assert np.array_equal(np.sort(test.labels.numpy()), np.sort(data.labels[data.folds == 0]))
    assert len(data.imageset((64, 55))) == 48


# --- command line --------------------------------------------------------------------------------


def test_cli_prepare_prints_counts_and_fails_cleanly(oulu_src, tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["prepare", "oulu", "--src", str(oulu_src), "--out", str(out), "--quiet"]
    assert cli_main([*args, "--detector", "landmarks"]) == 0
    printed = capsys.readouterr().out
    assert "surprise" in printed and "f9" in printed and "done in" in printed
    assert cli_main([*args, "--detector", "landmarks"]) == 2
    assert capsys.readouterr().err == (
        f"adfl-teach prepare: error: {out.absolute()}: already there (made by `adfl-teach "
        "prepare`); pass overwrite=True (--overwrite) to replace it\n"
    )
