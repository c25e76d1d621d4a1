"""Landmarks that ship with a database: where their file is, how it reads, 68 -> 5 points.

In the CK+ layout the file for ``cohn-kanade-images/S005/001/S005_001_00000001.png`` is
``Landmarks/S005/001/S005_001_00000001_landmarks.txt``; elsewhere ``<image stem>_landmarks.txt``
beside the image. A file holds lines ``x y``: 68 points (real CK+, reduced to five by
:func:`five_from_68`) or 5 points (the synthetic database).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adfl_teach.preprocess.errors import LandmarksFileError


def five_from_68(points68: np.ndarray) -> np.ndarray:
    """The five alignment points from the 68-point (Multi-PIE/iBUG) markup of CK+.

    0-based indices: eye centres = mean of 36-41 (image-left eye) and 42-47 (image-right eye),
    nose tip = 30, mouth corners = 48 (left) and 54 (right).
    """
    p = np.asarray(points68, dtype=np.float64)
    if p.shape != (68, 2):
        raise ValueError(f"five_from_68 expects (68, 2) points, got {p.shape}")
    return np.stack([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]])


def landmarks_file_for(image_path: str | Path) -> Path:
    """Where the landmarks of an image live (CK+ layout, else beside the image)."""
    path = Path(image_path)
    parts = path.parts
    if "cohn-kanade-images" in parts:
        i = len(parts) - 1 - parts[::-1].index("cohn-kanade-images")
        root = Path(*parts[:i]) if i > 0 else Path(".")
        return root.joinpath("Landmarks", *parts[i + 1 : -1], f"{path.stem}_landmarks.txt")
    return path.with_name(f"{path.stem}_landmarks.txt")


def read_landmarks_file(path: str | Path) -> np.ndarray:
    """Read a CK+-style landmarks file (lines ``x y``) and return the five points ``(5, 2)``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise LandmarksFileError(f"{path}: cannot read landmarks file ({err})") from err
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            values = [float(v) for v in fields]
        except ValueError:
            raise LandmarksFileError(
                f"{path}: line {number} is not two numbers 'x y': {line.strip()!r}"
            ) from None
        if len(values) != 2:
            raise LandmarksFileError(f"{path}: line {number} has {len(values)} numbers, expected 2")
        rows.append(values)
    points = np.array(rows, dtype=np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(points)):
        raise LandmarksFileError(f"{path}: landmarks contain non-finite values")
    if len(points) == 68:
        return five_from_68(points)
    if len(points) == 5:
        return points
    raise LandmarksFileError(f"{path}: {len(points)} landmarks; expected 68 (CK+) or 5 points")
