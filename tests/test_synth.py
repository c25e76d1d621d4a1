"""Tests of the synthetic CK+-like database (adfl_teach.synth)."""

from __future__ import annotations

import csv
import doctest
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from fakes import SMALL_SYNTH

from adfl_teach.cli import main
from adfl_teach.config import ConfigError
from adfl_teach.synth import (
    AUS,
    EXPRESSIONS,
    PROTOTYPES,
    ExpressionStyle,
    Identity,
    Nuisance,
    SynthConfig,
    aus,
    contact_sheet,
    expression_aus,
    generate_database,
    render_face,
    sample_identity,
    sample_nuisance,
)
from adfl_teach.synth import identity as identity_module
from adfl_teach.synth.database import plan_database

SMALL = SMALL_SYNTH


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    a = generate_database(root / "a", seed=0, config=SMALL, progress=False)
    b = generate_database(root / "b", seed=0, config=replace(SMALL, workers=1), progress=False)
    c = generate_database(root / "c", seed=1, config=SMALL, progress=False)
    return a, b, c


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _keypoints(identity, aus, style=None):
    return render_face(identity, aus, return_keypoints=True)[2]


IDENTITIES = [Identity()] + [sample_identity(np.random.default_rng(i)) for i in (3, 11)]


# ------------------------------------------------------------------ determinism
def test_same_seed_gives_byte_identical_files_regardless_of_workers(databases):
    a, b, _ = databases
    hashes = _hashes(a)
    assert len(hashes) > 20
    assert hashes == _hashes(b)


def test_different_seed_gives_different_files(databases):
    a, _, c = databases
    ha, hc = _hashes(a), _hashes(c)
    common = set(ha) & set(hc)
    assert "cohn-kanade-images/S001/001/S001_001_00000001.png" in common
    assert (
        ha["cohn-kanade-images/S001/001/S001_001_00000001.png"]
        != hc["cohn-kanade-images/S001/001/S001_001_00000001.png"]
    )
    assert ha["subjects.json"] != hc["subjects.json"]


# ------------------------------------------------------------------ AUs and prototypes
def test_prototypes_are_the_emfacs_combinations_of_notes():
    expected = {
        "anger": {4, 5, 7, 23},
        "contempt": {12, 14},
        "disgust": {9, 15, 16},
        "fear": {1, 2, 4, 5, 7, 20, 26},
        "happiness": {6, 12},
        "sadness": {1, 4, 15},
        "surprise": {1, 2, 5, 25, 26},
        "neutral": set(),
    }
    assert {name: set(aus) for name, aus in PROTOTYPES.items()} == expected
    assert EXPRESSIONS == "neutral anger contempt disgust fear happiness sadness surprise".split()


def test_expression_aus_scale_with_intensity_and_contempt_is_one_sided():
    assert expression_aus("neutral", 1.0) == {}
    half, full = expression_aus("happiness", 0.5), expression_aus("happiness", 1.0)
    assert half[12] == pytest.approx(full[12] / 2)
    contempt = expression_aus("contempt", 1.0, ExpressionStyle(contempt_side="R"))
    assert set(contempt) == {"R12", "R14"}


# Which keypoint moves which way for each AU: (keypoint, axis, sign); y grows downwards.
AU_EFFECTS = {
    1: [("brow_inner_l", 1, -1), ("brow_inner_r", 1, -1)],
    2: [("brow_outer_l", 1, -1), ("brow_outer_r", 1, -1)],
    4: [("brow_inner_l", 1, +1), ("brow_inner_l", 0, +1), ("brow_inner_r", 0, -1)],
    5: [("lid_top_l", 1, -1), ("lid_top_r", 1, -1)],
    6: [("lid_bottom_l", 1, -1), ("lid_bottom_r", 1, -1)],
    7: [("lid_bottom_l", 1, -1), ("lid_top_l", 1, +1)],
    9: [("nostril_l", 1, -1), ("upper_lip_inner", 1, -1)],
    12: [("mouth_l", 1, -1), ("mouth_r", 1, -1), ("mouth_l", 0, -1), ("mouth_r", 0, +1)],
    14: [("mouth_l", 0, +1), ("mouth_r", 0, -1)],
    15: [("mouth_l", 1, +1), ("mouth_r", 1, +1)],
    16: [("lower_lip_inner", 1, +1)],
    20: [("mouth_l", 0, -1), ("mouth_r", 0, +1)],
    23: [("mouth_l", 0, +1), ("lower_lip_bottom", 1, -1)],
    25: [("lower_lip_inner", 1, +1)],
    26: [("lower_lip_inner", 1, +1), ("chin", 1, +1)],
}


@pytest.mark.parametrize("au", AUS)
def test_each_au_moves_its_features_the_anatomical_way_and_changes_pixels(au):
    for identity in IDENTITIES[:2]:
        image0, _, neutral = render_face(identity, {}, return_keypoints=True)
        image1, _, active = render_face(identity, {au: 1.0}, return_keypoints=True)
        for name, axis, sign in AU_EFFECTS[au]:
            moved = active[name][axis] - neutral[name][axis]
            assert sign * moved > 0.5, (
                f"AU{au} should move {name} axis {axis} by sign {sign}: {moved}"
            )
        changed = np.abs(image1.astype(int) - image0.astype(int)).sum(axis=2) > 30
        assert changed.sum() > 20, f"AU{au} barely changes the picture ({changed.sum()} px)"


def test_happiness_raises_lip_corners_and_sadness_lowers_them():
    for identity in IDENTITIES:
        neutral = _keypoints(identity, {})
        happy = _keypoints(identity, expression_aus("happiness", 1.0))
        sad = _keypoints(identity, expression_aus("sadness", 1.0))
        for corner in ("mouth_l", "mouth_r"):
            assert happy[corner][1] < neutral[corner][1] - 2
            assert sad[corner][1] > neutral[corner][1] + 1.5
        # sadness: oblique brows, inner corners raised relative to the outer ones
        tilt = lambda k: k["brow_inner_l"][1] - k["brow_outer_l"][1]  # noqa: E731
        assert tilt(sad) < tilt(neutral) - 1.5


def test_surprise_raises_brows_widens_eyes_and_opens_the_mouth():
    for identity in IDENTITIES:
        neutral = _keypoints(identity, {})
        surprise = _keypoints(identity, expression_aus("surprise", 1.0))
        for name in ("brow_inner_l", "brow_outer_r", "lid_top_l"):
            assert surprise[name][1] < neutral[name][1] - 1.5
        gap = lambda k: k["lower_lip_inner"][1] - k["upper_lip_inner"][1]  # noqa: E731
        assert gap(surprise) > gap(neutral) + 8


def test_anger_lowers_and_draws_brows_together_and_thins_lips():
    for identity in IDENTITIES:
        neutral = _keypoints(identity, {})
        anger = _keypoints(identity, expression_aus("anger", 1.0))
        span = lambda k: k["brow_inner_r"][0] - k["brow_inner_l"][0]  # noqa: E731
        assert span(anger) < span(neutral) - 2
        assert anger["brow_mid_l"][1] > neutral["brow_mid_l"][1]
        lips = lambda k: k["lower_lip_bottom"][1] - k["upper_lip_top"][1]  # noqa: E731
        assert lips(anger) < lips(neutral) - 1


def test_contempt_is_one_sided():
    for identity in IDENTITIES:
        neutral = _keypoints(identity, {})
        assert abs(neutral["mouth_l"][1] - neutral["mouth_r"][1]) < 0.1
        for side, moved, still in (("L", "mouth_l", "mouth_r"), ("R", "mouth_r", "mouth_l")):
            k = _keypoints(
                identity, expression_aus("contempt", 1.0, ExpressionStyle(contempt_side=side))
            )
            assert k[moved][1] < neutral[moved][1] - 1.5
            assert k[still] == pytest.approx(neutral[still])


# ------------------------------------------------------------------ landmarks on pixels
def _gray(image):
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(float)


def _check_landmarks_on_features(image, landmarks, identity):
    gray = _gray(image)
    skin_gray = float(_gray(np.array([[identity.skin]], np.uint8))[0, 0])
    h, w = gray.shape
    for x, y in landmarks[:2]:  # eye centres lie on the dark pupil
        xi, yi = int(round(x)), int(round(y))
        patch = gray[max(yi - 2, 0) : yi + 3, max(xi - 2, 0) : xi + 3]
        assert patch.min() < min(70.0, skin_gray - 25), (x, y, patch.min(), skin_gray)
    skin = np.array(identity.skin, float)
    for x, y in landmarks[3:]:  # mouth corners lie on the lip line, not on skin
        xi, yi = int(round(x)), int(round(y))
        patch = image[max(yi - 2, 0) : yi + 3, max(xi - 2, 0) : xi + 3].reshape(-1, 3).astype(float)
        assert np.linalg.norm(patch - skin, axis=1).max() > 25
    assert np.all((landmarks >= 0) & (landmarks < [w, h]))


def test_landmarks_follow_the_nuisance_geometry_and_land_on_features():
    rng = np.random.default_rng(7)
    for k in range(6):
        identity = sample_identity(rng)
        nuisance = sample_nuisance(rng, 1.0)
        image, landmarks = render_face(identity, expression_aus(EXPRESSIONS[k + 1], 0.8), nuisance)
        eye_vector = landmarks[1] - landmarks[0]
        angle = np.degrees(np.arctan2(eye_vector[1], eye_vector[0]))
        assert angle == pytest.approx(nuisance.angle, abs=0.01)
        assert landmarks[0, 0] < landmarks[1, 0] and landmarks[3, 0] < landmarks[4, 0]
        _check_landmarks_on_features(image, landmarks, identity)


# ------------------------------------------------------------------ CK+ layout
def test_database_is_written_in_the_ckplus_layout_with_matching_ground_truth(databases):
    root = databases[0]
    images = sorted((root / "cohn-kanade-images").rglob("*.png"))
    name = re.compile(r"cohn-kanade-images/(S\d{3})/(\d{3})/\1_\2_(\d{8})\.png$")
    sequences: dict[tuple[str, str], list[int]] = {}
    for path in images:
        match = name.search(path.as_posix())
        assert match, path
        sequences.setdefault((match[1], match[2]), []).append(int(match[3]))
    for frames in sequences.values():
        assert sorted(frames) == list(range(1, len(frames) + 1))
        assert 4 <= len(frames) <= 5

    with open(root / "ground_truth.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["path"] for r in rows] == [p.relative_to(root).as_posix() for p in images]
    meta = json.loads((root / "synth.json").read_text())
    assert meta["counts"]["frames"] == len(rows) == len(images)
    assert meta["seed"] == 0 and meta["config"]["subjects"] == 3

    labelled_subjects = set()
    for (subject, seq), frames in sequences.items():
        last = max(frames)
        emotion = root / "Emotion" / subject / seq / f"{subject}_{seq}_{last:08d}_emotion.txt"
        seq_rows = [r for r in rows if r["subject"] == subject and int(r["sequence"]) == int(seq)]
        assert all(float(r[f"AU{au}"]) == 0 for au in AUS for r in seq_rows if r["frame"] == "1")
        if emotion.exists():
            text = emotion.read_text()
            assert re.fullmatch(r"   \d\.0000000e\+00\n", text)
            code = int(float(text))
            assert 1 <= code <= 7 and all(int(r["label"]) == code for r in seq_rows)
            assert seq_rows[-1]["label_name"] == EXPRESSIONS[code]
            labelled_subjects.add(subject)
        else:
            assert all(r["label"] == "-1" for r in seq_rows)
        for frame in frames:
            lm_path = (
                root / "Landmarks" / subject / seq / f"{subject}_{seq}_{frame:08d}_landmarks.txt"
            )
            lines = lm_path.read_text().splitlines()
            assert len(lines) == 5
            assert all(re.fullmatch(r"(   -?\d\.\d{7}e[+-]\d\d){2}", line) for line in lines)
            values = np.array([[float(v) for v in line.split()] for line in lines])
            row = next(r for r in seq_rows if int(r["frame"]) == frame)
            from_csv = np.array([[float(row[f"lx{i}"]), float(row[f"ly{i}"])] for i in range(5)])
            np.testing.assert_allclose(values, from_csv, atol=2e-3)
    assert labelled_subjects == {"S001", "S002", "S003"}
    n_emotion = len(list((root / "Emotion").rglob("*_emotion.txt")))
    assert n_emotion == meta["counts"]["labelled_sequences"]


def test_database_landmarks_land_on_the_drawn_features(databases):
    root = databases[0]
    subjects = json.loads((root / "subjects.json").read_text())
    with open(root / "ground_truth.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows[:: max(1, len(rows) // 12)]:
        image = cv2.imread(str(root / row["path"]))[:, :, ::-1]
        landmarks = np.array([[float(row[f"lx{i}"]), float(row[f"ly{i}"])] for i in range(5)])
        identity = Identity.from_json(subjects[row["subject"]]["identity"])
        _check_landmarks_on_features(image, landmarks, identity)


def test_default_database_has_every_class_often_enough():
    plan = plan_database(120, 0, SynthConfig())
    labels = [e for subject in plan for e, labelled in subject if labelled]
    assert 300 <= len(labels) <= 400
    for name in EXPRESSIONS[1:]:
        assert labels.count(name) >= 20, name
    assert all(any(labelled for _, labelled in subject) for subject in plan)


# ------------------------------------------------------------------ errors
TINY = replace(SMALL, subjects=1, sequences_per_subject=1)


def test_existing_output_is_not_overwritten_without_permission(tmp_path):
    out = tmp_path / "db"
    generate_database(out, config=TINY, progress=False)
    before = _hashes(out)
    with pytest.raises(FileExistsError, match=re.escape(str(out)) + ".*--overwrite"):
        generate_database(out, config=TINY, seed=1, progress=False)
    assert _hashes(out) == before
    generate_database(out, config=TINY, seed=1, progress=False, overwrite=True)
    assert _hashes(out) != before and (out / ".adfl-teach").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]  # no partial or old folder


@pytest.mark.parametrize(
    "field, value",
    [
        ("subjects", 0),
        ("intensity", -0.5),
        ("nuisance", float("nan")),
        ("frames_per_sequence", (10, 5)),
        ("image_size", (240, 100)),
        ("unlabelled_fraction", 0.9),
        ("class_weights", (1.0, 1.0)),
    ],
)
def test_invalid_knobs_raise_errors_naming_the_field(field, value):
    with pytest.raises(ConfigError, match=f"SynthConfig.{field}"):
        SynthConfig(**{field: value})


def test_invalid_expression_and_au_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="joy"):
        expression_aus("joy", 1.0)
    with pytest.raises(ValueError, match="AU 3"):
        render_face(Identity(), {3: 1.0})
    with pytest.raises(ValueError, match="'X12'"):
        render_face(Identity(), {"X12": 1.0})
    with pytest.raises(ValueError, match="seed"):
        generate_database("/nonexistent/never", seed=-1, config=SMALL, progress=False)
    with pytest.raises(TypeError, match="Identity"):
        render_face({"skin": (1, 2, 3)}, {})


def test_cli_generates_a_database_and_reports_counts(tmp_path, capsys):
    out = tmp_path / "cli"
    args = [
        "synth",
        "--out",
        str(out),
        "--subjects",
        "1",
        "--seed",
        "3",
        "--no-progress",
        "--intensity",
        "0.5",
    ]
    assert main(args) == 0
    assert "1 subjects" in capsys.readouterr().out
    meta = json.loads((out / "synth.json").read_text())
    assert meta["seed"] == 3 and meta["config"]["intensity"] == 0.5
    assert main(args) == 2  # refuses to overwrite
    err = capsys.readouterr().err
    assert err.startswith(f"adfl-teach synth: error: {out}: already there") and "--overwrite" in err
    assert main([*args, "--overwrite"]) == 0


def test_render_face_returns_rgb_image_and_five_landmarks_in_image_coordinates():
    config = replace(SynthConfig(), image_size=(120, 160))
    image, landmarks = render_face(Identity(), None, Nuisance(), config)
    assert image.shape == (120, 160, 3) and image.dtype == np.uint8
    assert landmarks.shape == (5, 2)
    # clean frontal face: symmetric about the vertical centre line
    assert landmarks[0, 0] + landmarks[1, 0] == pytest.approx(160, abs=1e-6)


def test_identity_dominates_pixel_differences():
    """Different people differ more than different expressions of one person (ADFL's premise)."""
    rng = np.random.default_rng(5)
    faces = []
    for _ in range(4):
        identity = sample_identity(rng)
        faces.append(
            [render_face(identity, expression_aus(e, 1.0))[0].astype(float) for e in EXPRESSIONS]
        )
    within = np.mean([np.abs(f[0] - f[k]).mean() for f in faces for k in range(1, 8)])
    between = np.mean(
        [
            np.abs(faces[i][k] - faces[j][k]).mean()
            for i in range(4)
            for j in range(i)
            for k in range(8)
        ]
    )
    assert between > 3 * within, (between, within)


def test_identity_variety_zero_gives_clones_and_one_gives_variety():
    clone_config = replace(SynthConfig(), identity_variety=0.0)
    clones = {sample_identity(np.random.default_rng(i), clone_config) for i in range(3)}
    assert clones == {Identity()}
    varied = [sample_identity(np.random.default_rng(i)) for i in range(20)]
    assert len({v.skin for v in varied}) == 20 and len({v.hair_style for v in varied}) >= 3


def test_contact_sheet_shows_subjects_by_expressions(tmp_path):
    fig = contact_sheet(tmp_path / "sheet.png", subjects=2, seed=0)
    assert len(fig.axes) == 2 * 8
    assert [ax.get_title() for ax in fig.axes[:8]] == EXPRESSIONS
    assert (tmp_path / "sheet.png").stat().st_size > 10_000


def test_docstring_examples_run():
    for module in (aus, identity_module):
        assert doctest.testmod(module).failed == 0
