"""Small fake databases in the native layouts of CK+, MMI and Oulu-CASIA, for the tests.

Faces come from the synthetic generator (:func:`adfl_teach.synth.render_face`); the five
landmarks are known exactly and written next to the images, so the ``landmarks`` detector
(fast, exact) can be used and the expected manifests can be computed by hand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import cv2
import numpy as np

from adfl_teach.preprocess.align import face_height
from adfl_teach.preprocess.detectors import Detection, order_landmarks
from adfl_teach.preprocess.landmark_files import landmarks_file_for, read_landmarks_file
from adfl_teach.synth import (
    EXPRESSIONS,
    SynthConfig,
    expression_aus,
    render_face,
    sample_identity,
    sample_nuisance,
)

IMAGE_SIZE = (120, 128)  # (height, width) of the fake frames; small for speed
#: A small synthetic database: 3 subjects x 2 sequences of 4-5 frames.
SMALL_SYNTH = SynthConfig(
    subjects=3,
    sequences_per_subject=2,
    frames_per_sequence=(4, 5),
    image_size=(168, 224),
    unlabelled_fraction=0.2,
    workers=2,
)


def make_face(seed: int, expression: int = 0, intensity: float = 1.0, size=IMAGE_SIZE):
    """``(image RGB uint8 (H, W, 3), landmarks (5, 2))`` for CK+ expression code ``expression``."""
    rng = np.random.default_rng(seed)
    config = SynthConfig(image_size=size)
    identity = sample_identity(np.random.default_rng(seed // 100), config)
    aus = expression_aus(EXPRESSIONS[expression], intensity if expression else 0.0)
    image, landmarks = render_face(identity, aus, sample_nuisance(rng, 0.5), config)
    return np.asarray(image), np.asarray(landmarks, dtype=np.float64)


def _write_points(path: Path, points: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"   {x:.7e}   {y:.7e}\n" for x, y in points))


def _write_image(path: Path, image: np.ndarray, gray: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if gray else image[:, :, ::-1]
    assert cv2.imwrite(str(path), np.ascontiguousarray(data))


def points_68_from_5(points5: np.ndarray) -> np.ndarray:
    """A 68-point markup whose eye/nose/mouth-corner points reduce to ``points5``."""
    p = np.zeros((68, 2))
    p[:] = points5.mean(0)
    p[36:42] = points5[0] + np.array([[-3, 0], [-1, -1], [1, -1], [3, 0], [1, 1], [-1, 1]])
    p[42:48] = points5[1] + np.array([[-3, 0], [-1, -1], [1, -1], [3, 0], [1, 1], [-1, 1]])
    p[30], p[48], p[54] = points5[2], points5[3], points5[4]
    return p


def write_ckplus(root: Path, spec, gray_subjects=(), landmarks68=()) -> Path:
    """A CK+ tree. ``spec``: ``[(subject, sequence, n_frames, code or None), ...]``.

    ``code`` None writes no Emotion file (an unlabelled sequence). The face goes from neutral
    (frame 1) to the expression (last frame). Subjects in ``gray_subjects`` get grayscale PNGs;
    sequences ``(subject, sequence)`` in ``landmarks68`` get 68-point landmark files.
    """
    root = Path(root)
    for subject, sequence, n, code in spec:
        seed = 100 * int(subject[1:]) + int(sequence)
        for k in range(1, n + 1):
            expression = code or 0
            image, pts = make_face(seed, expression if k > 1 else 0, (k - 1) / max(n - 1, 1))
            stem = f"{subject}_{sequence}_{k:08d}"
            _write_image(
                root / "cohn-kanade-images" / subject / sequence / f"{stem}.png",
                image,
                gray=subject in gray_subjects,
            )
            marks = points_68_from_5(pts) if (subject, sequence) in landmarks68 else pts
            _write_points(root / "Landmarks" / subject / sequence / f"{stem}_landmarks.txt", marks)
        label_dir = root / "Emotion" / subject / sequence
        label_dir.mkdir(parents=True, exist_ok=True)  # real CK+ has empty folders too
        if code is not None:
            (label_dir / f"{subject}_{sequence}_{n:08d}_emotion.txt").write_text(
                f"   {float(code):.7e}\n"
            )
    return root


OULU_NAMES = ("Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise")
# Oulu/MMI class index (1..6) -> CK+ code used to draw the face
_TO_CKPLUS = {1: 1, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7}


def write_oulu(root: Path, spec, nested=("VL", "Strong")) -> Path:
    """An Oulu-CASIA tree. ``spec``: ``[(subject, expression folder name, n_frames), ...]``."""
    strong = Path(root).joinpath(*nested)
    for subject, name, n in spec:
        label = OULU_NAMES.index(name) + 1
        seed = 100 * int(subject[1:]) + label
        for k in range(n):
            image, pts = make_face(seed, _TO_CKPLUS[label] if k else 0, k / max(n - 1, 1))
            path = strong / subject / name / f"{k:03d}.jpeg"
            _write_image(path, image)
            _write_points(path.with_name(f"{path.stem}_landmarks.txt"), pts)
    return Path(root)


def write_mmi(root: Path, spec, video_sessions=(), xml_style="attributes") -> dict:
    """An MMI "Sessions" tree. ``spec``: ``[(session, subject, n_frames, code or None), ...]``.

    Frames go to ``Sessions/<session>/frames/NNN.png`` with landmark files beside them, except
    for sessions in ``video_sessions``, written as an MJPG ``.avi``; returns the landmarks of
    the video frames keyed as the samples name them (``<video>#frame=<k>``). ``xml_style``: ``attributes`` (``<session Subject=..
    Emotion=..>``) or ``metatag`` (``<Metatag Name="Emotion" Value=".."/>``).
    """
    sessions = Path(root) / "Sessions"
    video_points = {}
    for session, subject, n, code in spec:
        folder = sessions / session
        folder.mkdir(parents=True, exist_ok=True)
        seed = 100 * int(session) + 7
        # onset - apex - offset: intensity peaks in the middle of the sequence
        frames = []
        for k in range(n):
            centre = (n - 1) / 2
            intensity = max(0.0, 1 - abs(k - centre) / max(centre, 1))
            expression = _TO_CKPLUS[code] if (code and k) else 0
            frames.append(make_face(seed, expression, intensity))
        if session in video_sessions:
            h, w = frames[0][0].shape[:2]
            path = folder / f"S{int(subject):03d}-{session}.avi"
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (w, h))
            for k, (image, pts) in enumerate(frames):
                writer.write(np.ascontiguousarray(image[:, :, ::-1]))
                video_points[f"{path}#frame={k}"] = pts
            writer.release()
        else:
            for k, (image, pts) in enumerate(frames):
                path = folder / "frames" / f"{k:03d}.png"
                _write_image(path, image)
                _write_points(path.with_name(f"{path.stem}_landmarks.txt"), pts)
        if xml_style == "attributes":
            element = ET.Element("session", {"sessionId": session, "Subject": str(subject)})
            if code is not None:
                element.set("Emotion", str(code))
        else:
            element = ET.Element("Session", {"sessionId": session})
            ET.SubElement(element, "subject", {"id": str(subject)})
            if code is not None:
                ET.SubElement(element, "Metatag", {"Name": "Emotion", "Value": str(code)})
        ET.ElementTree(element).write(folder / "session.xml")
    return video_points


def tight_crop(image: np.ndarray, points: np.ndarray, cut: float, size: int = 128):
    """A real-style tight face crop: a square of 0.75 face heights centred on the eyes whose
    bottom edge lies ``cut`` pixels above the higher mouth corner, resized to ``size`` x
    ``size`` (as CK+48- or FER-style sets are cut). Returns ``(crop, points in the crop)``;
    the mouth corners then lie outside the crop, below its bottom edge."""
    side = 0.75 * face_height(points)
    bottom = min(points[3, 1], points[4, 1]) - cut
    x0, y0 = (points[0, 0] + points[1, 0]) / 2 - side / 2, bottom - side
    scale = size / side
    matrix = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])
    crop = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_AREA)
    return crop, points @ matrix[:, :2].T + matrix[:, 2]


def crop_ckplus_tightly(root: Path, cut: float) -> Path:
    """Replace every frame of a :func:`write_ckplus` tree and its 5-point landmarks by a
    :func:`tight_crop` (the landmarks files keep the points outside the crop)."""
    for image_path in sorted(Path(root, "cohn-kanade-images").rglob("*.png")):
        marks = landmarks_file_for(image_path)
        image = cv2.imread(str(image_path))[:, :, ::-1]
        crop, points = tight_crop(image, np.loadtxt(marks), cut)
        _write_image(image_path, crop)
        _write_points(marks, points)
    return Path(root)


class MTCNNStandIn:
    """Answers like the ``mtcnn`` detector (a box and five points, which may lie outside a
    tight crop, as MTCNN's regressed points do) without facenet-pytorch: the points are the
    fake tree's known ones, read from its ``Landmarks/`` files."""

    name = "mtcnn"

    def detect(self, image_rgb: np.ndarray, path=None) -> Detection:
        points = order_landmarks(read_landmarks_file(landmarks_file_for(path)))
        box = np.concatenate([points.min(0) - 20, points.max(0) + 20])
        return Detection(box=box, landmarks5=points, score=0.99)
