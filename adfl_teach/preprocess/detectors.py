"""Five-landmark face detectors behind one interface (sec. 3.1: "we detect five facial landmark
points by MTCNN").

Every detector answers ``detect(image_rgb, path) -> Detection`` with the five points in the
order the alignment template uses (:data:`adfl_teach.preprocess.align.LANDMARK_NAMES`):
left eye, right eye, nose tip, left mouth corner, right mouth corner, as ``(x, y)`` in
0-based pixel coordinates ("left" = smaller x). Three are provided (:func:`get_detector`):

``mtcnn``
    The paper's detector: MTCNN (Zhang et al. 2016, ref. [19]) from ``facenet-pytorch``, whose
    wheel ships the network weights (nothing is downloaded). Install it with
    ``pip install --no-deps facenet-pytorch`` (its own pins on torch/numpy are outdated;
    docs/implementation-notes.md, "Preprocessing"). When several faces are found, the largest
    box is kept.
``opencv``
    A fallback without extra packages: OpenCV's Haar cascades (face, then eyes inside the face
    box). Haar cascades give no nose or mouth, so those points are *derived*: with both eyes
    found, the template is mapped onto the two eyes by a similarity and its nose and mouth
    points are carried along; without eyes, all five points come from fixed proportions of the
    face box. Good enough to align frontal faces, cruder than MTCNN. OpenCV 5.x wheels no
    longer ship the cascade files; then this detector says so.
``landmarks``
    No detection at all: reads the points the database provides. In the CK+ layout the file
    for ``cohn-kanade-images/S005/001/S005_001_00000001.png`` is
    ``Landmarks/S005/001/S005_001_00000001_landmarks.txt``; elsewhere
    ``<image stem>_landmarks.txt`` beside the image. 68-point files (real CK+) are reduced to
    five points (:func:`five_from_68`); 5-point files (the synthetic database) are used as is.
    Points can also be passed directly, keyed by the image path.

A face that cannot be found raises :class:`FaceNotFoundError` naming the file; the
preparation (``adfl_teach.data.prepare``) can skip such files on request and reports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
import torch

from adfl_teach.preprocess.align import SPHEREFACE_TEMPLATE, fit_similarity, transform_points
from adfl_teach.preprocess.errors import (
    DetectorUnavailableError,
    FaceNotFoundError,
    LandmarksFileError,
)
from adfl_teach.preprocess.landmark_files import (
    five_from_68,
    landmarks_file_for,
    read_landmarks_file,
)

DETECTORS = ("mtcnn", "opencv", "landmarks")


@dataclass
class Detection:
    """One face.

    Attributes:
        box: ``(4,)`` float ``(x1, y1, x2, y2)`` in pixels, or None when unknown
            (the ``landmarks`` detector).
        landmarks5: ``(5, 2)`` float (x, y), order of the alignment template.
        score: detector confidence in [0, 1] (1.0 for given landmarks).
        reordered: the given points listed a right point before its left one (eyes or
            mouth corners swapped, as in a mirrored markup) and were put in x order
            (:func:`order_landmarks`); the preparation reports such frames.
    """

    box: np.ndarray | None
    landmarks5: np.ndarray
    score: float = 1.0
    reordered: bool = False


@runtime_checkable
class FaceDetector(Protocol):
    """What the preparation needs from a detector."""

    name: str

    def detect(self, image_rgb: np.ndarray, path: str | Path | None = None) -> Detection:
        """The face in ``image_rgb`` ``(H, W, 3)`` uint8; raises :class:`FaceNotFoundError`."""
        ...


def order_landmarks(points: np.ndarray) -> np.ndarray:
    """Make sure left/right pairs are ordered by x (left eye before right eye, same for mouth).

    "Left" is the image left (:data:`~adfl_teach.preprocess.align.LANDMARK_NAMES`): a markup
    that lists the pairs the other way round (a mirrored markup, or eyes swapped in a
    landmarks file) would otherwise need a reflection, which the similarity of sec. 3.1
    cannot do: the least-squares fit would be a compromise between two mirror images."""
    pts = np.asarray(points, dtype=np.float64).copy()
    if pts[0, 0] > pts[1, 0]:
        pts[[0, 1]] = pts[[1, 0]]
    if pts[3, 0] > pts[4, 0]:
        pts[[3, 4]] = pts[[4, 3]]
    return pts


# ---------------------------------------------------------------------------------------------
# landmarks given by the database (files: adfl_teach.preprocess.landmark_files)


class LandmarksDetector:
    """Use the landmarks the database provides (``points`` maps image paths to ``(5|68, 2)``)."""

    name = "landmarks"

    def __init__(self, points: Mapping[str, np.ndarray] | None = None):
        self.points = {str(k): np.asarray(v, dtype=np.float64) for k, v in (points or {}).items()}

    def detect(self, image_rgb: np.ndarray, path: str | Path | None = None) -> Detection:
        if path is not None and str(path) in self.points:
            pts = self.points[str(path)]
            pts = five_from_68(pts) if len(pts) == 68 else pts.reshape(5, 2)
        else:
            if path is None:
                raise FaceNotFoundError(path, "no landmarks given and no file path to look up")
            file = landmarks_file_for(path)
            if not file.is_file():
                raise FaceNotFoundError(path, f"no landmarks file {file}")
            pts = read_landmarks_file(file)
        ordered = order_landmarks(pts)
        reordered = not np.array_equal(ordered, np.asarray(pts, dtype=np.float64))
        return Detection(box=None, landmarks5=ordered, score=1.0, reordered=reordered)


# ---------------------------------------------------------------------------------------------
# MTCNN (the paper's detector)


class MTCNNDetector:
    """MTCNN from facenet-pytorch on the CPU (or ``device``); keeps the largest face."""

    name = "mtcnn"

    def __init__(self, device: str = "cpu", min_face_size: int = 20):
        try:
            from facenet_pytorch import MTCNN
        except ImportError as err:
            raise DetectorUnavailableError(
                "the 'mtcnn' detector needs facenet-pytorch (its wheel ships the MTCNN weights): "
                "pip install --no-deps facenet-pytorch   (--no-deps: its pins torch<2.3 and "
                "numpy<2 are outdated; it runs with current versions). Alternatives: "
                "--detector opencv, or --detector landmarks when the database has landmarks."
            ) from err
        self.min_face_size = min_face_size
        self.model = MTCNN(keep_all=True, device=device, min_face_size=min_face_size)

    def detect(self, image_rgb: np.ndarray, path: str | Path | None = None) -> Detection:
        img = _as_rgb(image_rgb)
        h, w = img.shape[:2]
        if min(h, w) < self.min_face_size:
            # facenet-pytorch would crash here (no image pyramid level: "torch.cat(): expected
            # a non-empty list"); no face of the smallest size MTCNN looks for fits.
            raise FaceNotFoundError(
                path,
                f"no face found: the {w}x{h} image is smaller than MTCNN's smallest face "
                f"({self.min_face_size} px)",
            )
        with torch.no_grad():
            boxes, probs, points = self.model.detect(img, landmarks=True)
        if boxes is None or len(boxes) == 0:
            raise FaceNotFoundError(path, "MTCNN found no face")
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        k = int(np.argmax(areas))
        return Detection(
            box=np.asarray(boxes[k], dtype=np.float64),
            landmarks5=order_landmarks(points[k]),
            score=float(probs[k]),
        )


# ---------------------------------------------------------------------------------------------
# OpenCV Haar cascades (fallback)

# Five points as fractions of a Haar face box (x, y), for faces where no eyes are found.
# Measured on frontal faces: Haar boxes span roughly brows-to-chin and cheek-to-cheek.
_BOX_TEMPLATE = np.array([[0.31, 0.40], [0.69, 0.40], [0.50, 0.60], [0.35, 0.78], [0.65, 0.78]])


def _cascade(name: str) -> cv2.CascadeClassifier:
    base = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if not base or not (Path(base) / name).is_file():
        raise DetectorUnavailableError(
            f"the 'opencv' detector needs OpenCV's Haar cascade {name}, which this OpenCV "
            f"({cv2.__version__}) does not ship (OpenCV 5.x wheels dropped cv2.data). Install "
            "'opencv-python-headless<5', or use --detector mtcnn / --detector landmarks."
        )
    classifier = cv2.CascadeClassifier(str(Path(base) / name))
    if classifier.empty():
        raise DetectorUnavailableError(f"OpenCV could not load the Haar cascade {base}/{name}")
    return classifier


class OpenCVDetector:
    """Haar-cascade face + eyes; nose and mouth derived from the template (see module doc)."""

    name = "opencv"

    def __init__(self):
        self.face = _cascade("haarcascade_frontalface_default.xml")
        self.eyes = _cascade("haarcascade_eye.xml")

    def detect(self, image_rgb: np.ndarray, path: str | Path | None = None) -> Detection:
        gray = cv2.equalizeHist(cv2.cvtColor(_as_rgb(image_rgb), cv2.COLOR_RGB2GRAY))
        side = min(gray.shape)
        faces = self.face.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(max(20, side // 8),) * 2
        )
        if len(faces) == 0:
            raise FaceNotFoundError(path, "OpenCV Haar cascade found no face")
        x, y, w, h = (float(v) for v in max(faces, key=lambda f: f[2] * f[3]))
        box = np.array([x, y, x + w, y + h])
        eyes = self._eyes(gray, x, y, w, h)
        if eyes is not None:
            # Carry the template's nose and mouth along with a similarity fixed by the eyes.
            matrix = fit_similarity(SPHEREFACE_TEMPLATE[:2], eyes)
            points = transform_points(matrix, SPHEREFACE_TEMPLATE)
        else:
            points = np.array([x, y]) + _BOX_TEMPLATE * np.array([w, h])
        return Detection(box=box, landmarks5=order_landmarks(points), score=1.0)

    def _eyes(self, gray, x, y, w, h) -> np.ndarray | None:
        """Two eye centres in the upper half of the face box, one per side, or None."""
        x0, y0 = int(x), int(y)
        upper = gray[y0 : y0 + int(h * 0.55), x0 : x0 + int(w)]
        found = self.eyes.detectMultiScale(
            upper, scaleFactor=1.1, minNeighbors=5, minSize=(max(5, int(w) // 10),) * 2
        )
        centres = [(x0 + ex + ew / 2, y0 + ey + eh / 2) for ex, ey, ew, eh in found]
        left = [c for c in centres if c[0] < x + w / 2]
        right = [c for c in centres if c[0] >= x + w / 2]
        if not left or not right:
            return None
        # The eye of each side closest to the expected eye height.
        expect_y = y + 0.40 * h
        pick = [min(side, key=lambda c: abs(c[1] - expect_y)) for side in (left, right)]
        eyes = np.array(pick)
        distance = np.hypot(*(eyes[1] - eyes[0]))
        if not 0.2 * w < distance < 0.7 * w:  # implausible pair (e.g. an eyebrow or nostril)
            return None
        return eyes


def _as_rgb(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(
            f"detectors expect an (H, W, 3) uint8 RGB image, got {img.shape} {img.dtype}"
        )
    return np.ascontiguousarray(img)


def get_detector(name: str | FaceDetector, **kwargs) -> FaceDetector:
    """A detector by name (``mtcnn``, ``opencv``, ``landmarks``); an instance is returned as is."""
    if not isinstance(name, str):
        return name
    if name == "mtcnn":
        return MTCNNDetector(**kwargs)
    if name == "opencv":
        return OpenCVDetector(**kwargs)
    if name == "landmarks":
        return LandmarksDetector(**kwargs)
    raise ValueError(f"unknown detector {name!r}; choose from {', '.join(DETECTORS)}")


__all__ = [
    "DETECTORS",
    "Detection",
    "DetectorUnavailableError",
    "FaceDetector",
    "FaceNotFoundError",
    "LandmarksDetector",
    "LandmarksFileError",
    "MTCNNDetector",
    "OpenCVDetector",
    "five_from_68",
    "get_detector",
    "landmarks_file_for",
    "order_landmarks",
    "read_landmarks_file",
]
