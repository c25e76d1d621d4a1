"""The prepared format: aligned faces on disk, one manifest, and a cached tensor store.

``adfl-teach prepare`` (:func:`adfl_teach.data.prepare.prepare`) turns a database in its native
layout into this format; training only ever reads this format::

    DIR/
      manifest.csv        one row per aligned face (columns below)
      dataset.json        classes, neutral index, protocol, source, counts, skipped files, ...
      images/<subject>/<sequence>/<frame>.png   aligned 128x110 RGB faces (sec. 3.1)
      cache/images_<H>x<W>_<hash>.npy           uint8 (N, 3, H, W), built on first use

``manifest.csv`` columns, exactly: ``path,subject,sequence,frame,label,label_name,fold``

- ``path``: the PNG, relative to ``DIR``;
- ``subject``, ``sequence``: IDs from the database (strings);
- ``frame``: 0-based position of the frame in its sequence (sorted by frame number);
- ``label``: index into ``dataset.json["classes"]`` (neutral = 0, sec. 3.2);
- ``label_name``: ``classes[label]`` (redundant, for people reading the CSV);
- ``fold``: 0..9, subject independent (:mod:`adfl_teach.data.folds`).

The cache holds every image decoded and resized (``cv2.INTER_AREA``) to one canvas, so the
~5k PNGs of CK+ are decoded once, not every run. Its name carries a hash of ``manifest.csv``:
editing or re-preparing the manifest makes the old cache unused (and it is removed). It is
written to a temporary file and renamed, so an interrupted build never leaves a broken cache.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import cv2
import numpy as np
import torch

from adfl_teach.data.imageset import ImageSet
from adfl_teach.runtime import progress_bar

MANIFEST = "manifest.csv"
DATASET_JSON = "dataset.json"
COLUMNS = ("path", "subject", "sequence", "frame", "label", "label_name", "fold")
FORMAT_VERSION = 1


class DatasetError(ValueError):
    """Bad input for preparation or a malformed prepared dataset; the message names the file."""


def manifest_hash(directory: str | Path) -> str:
    """First 12 hex digits of the SHA-256 of ``manifest.csv`` (names the cache)."""
    return hashlib.sha256((Path(directory) / MANIFEST).read_bytes()).hexdigest()[:12]


def _decode_image(path: Path, canvas: tuple[int, int]) -> np.ndarray:
    """One aligned PNG as ``(3, H, W)`` uint8 RGB on ``canvas`` (INTER_AREA when resizing)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise DatasetError(f"{path}: missing or unreadable image (listed in {MANIFEST})")
    h, w = canvas
    if image.shape[:2] != (h, w):
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image[:, :, ::-1].transpose(2, 0, 1))


class PreparedDataset:
    """A prepared dataset directory, validated on opening.

    Attributes (numpy arrays of length N, manifest order): ``paths``, ``subjects``,
    ``sequences``, ``frames``, ``labels`` (int64), ``folds`` (int64); and ``classes``
    (tuple of names), ``neutral_index``, ``info`` (the parsed ``dataset.json``).
    """

    def __init__(self, directory: str | Path):
        self.root = Path(directory)
        if not self.root.is_dir():
            raise DatasetError(f"{self.root}: prepared dataset directory does not exist")
        self.info = self._read_info()
        self.classes = tuple(self.info["classes"])
        self.neutral_index = int(self.info.get("neutral_index", 0))
        self._read_manifest()
        self._memory: dict[tuple[int, int], torch.Tensor] = {}

    # --- reading and validation ---------------------------------------------------------------

    def _read_info(self) -> dict:
        path = self.root / DATASET_JSON
        if not path.is_file():
            raise DatasetError(f"{path}: missing; is {self.root} a prepared dataset?")
        try:
            info = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise DatasetError(f"{path}: not valid JSON ({err})") from err
        classes = info.get("classes") if isinstance(info, dict) else None
        if not isinstance(classes, list) or len(classes) < 2:
            raise DatasetError(f"{path}: 'classes' must be a list of at least two class names")
        if not 0 <= int(info.get("neutral_index", 0)) < len(classes):
            raise DatasetError(f"{path}: 'neutral_index' is outside the class list")
        return info

    def _read_manifest(self) -> None:
        path = self.root / MANIFEST
        if not path.is_file():
            raise DatasetError(f"{path}: missing; is {self.root} a prepared dataset?")
        with path.open(newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != COLUMNS:
                raise DatasetError(
                    f"{path}: header must be exactly {','.join(COLUMNS)}; got "
                    f"{','.join(header) if header else 'an empty file'}"
                )
            rows = []
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(COLUMNS):
                    raise DatasetError(
                        f"{path}: line {line} has {len(row)} fields, expected {len(COLUMNS)}"
                    )
                rows.append(self._check_row(path, line, row))
        if not rows:
            raise DatasetError(f"{path}: no images listed")
        cols = list(zip(*rows))
        self.paths = np.array(cols[0], dtype=str)
        self.subjects = np.array(cols[1], dtype=str)
        self.sequences = np.array(cols[2], dtype=str)
        self.frames = np.array(cols[3], dtype=np.int64)
        self.labels = np.array(cols[4], dtype=np.int64)
        self.folds = np.array(cols[6], dtype=np.int64)
        per_subject = {}
        for subject, fold in zip(self.subjects, self.folds):
            if per_subject.setdefault(subject, fold) != fold:
                raise DatasetError(f"{path}: subject {subject} appears in more than one fold")

    def _check_row(self, path: Path, line: int, row: list[str]) -> tuple:
        rel, subject, sequence, frame, label, label_name, fold = (v.strip() for v in row)
        try:
            frame_i, label_i, fold_i = int(frame), int(label), int(fold)
        except ValueError:
            raise DatasetError(
                f"{path}: line {line}: frame, label and fold must be integers, got "
                f"{frame!r}, {label!r}, {fold!r}"
            ) from None
        if not 0 <= label_i < len(self.classes):
            raise DatasetError(
                f"{path}: line {line}: label {label_i} outside 0..{len(self.classes) - 1}"
            )
        if label_name != self.classes[label_i]:
            raise DatasetError(
                f"{path}: line {line}: label_name {label_name!r} does not match class "
                f"{label_i} = {self.classes[label_i]!r}"
            )
        if fold_i < 0:
            raise DatasetError(f"{path}: line {line}: negative fold {fold_i}")
        if not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise DatasetError(f"{path}: line {line}: path must be relative inside the dataset")
        return rel, subject, sequence, frame_i, label_i, label_name, fold_i

    # --- views ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def num_folds(self) -> int:
        return int(self.folds.max()) + 1

    def content_hash(self) -> str:
        """SHA-256 over ``manifest.csv``, ``dataset.json`` and every listed image file's bytes
        (stand-in until the data helper's version lands)."""
        digest = hashlib.sha256()
        for rel in (MANIFEST, DATASET_JSON, *self.paths):
            digest.update(rel.encode() + b"\0" + (self.root / rel).read_bytes())
        return digest.hexdigest()

    def cache_path(self, canvas: tuple[int, int] = (128, 110)) -> Path:
        h, w = canvas
        return self.root / "cache" / f"images_{h}x{w}_{manifest_hash(self.root)}.npy"

    def images(self, canvas: tuple[int, int] = (128, 110), progress: bool = True) -> torch.Tensor:
        """All images as uint8 ``(N, 3, H, W)`` on ``canvas``, from the cache (built if absent)."""
        canvas = (int(canvas[0]), int(canvas[1]))
        if canvas in self._memory:
            return self._memory[canvas]
        cache = self.cache_path(canvas)
        array = None
        if cache.is_file():
            try:
                array = np.load(cache)
            except (OSError, ValueError):
                array = None  # a damaged cache is rebuilt
            if array is not None and array.shape != (len(self), 3, *canvas):
                array = None
        if array is None:
            array = self._build_cache(canvas, cache, progress)
        tensor = torch.from_numpy(array)
        self._memory[canvas] = tensor
        return tensor

    def _build_cache(self, canvas, cache: Path, progress: bool) -> np.ndarray:

        h, w = canvas
        array = np.empty((len(self), 3, h, w), dtype=np.uint8)
        bar = progress_bar(
            self.paths,
            desc=f"decoding {self.root.name} at {h}x{w}",
            enabled=progress,
            unit="img",
        )
        for i, rel in enumerate(bar):
            array[i] = _decode_image(self.root / rel, canvas)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=cache.stem, suffix=".tmp", dir=cache.parent)
            with os.fdopen(fd, "wb") as f:
                np.save(f, array)
            os.replace(tmp, cache)
            for old in cache.parent.glob(f"images_{h}x{w}_*.npy"):
                if old != cache:
                    old.unlink(missing_ok=True)
        except OSError as err:  # read-only dataset: keep working from memory
            warnings.warn(f"could not write the image cache {cache}: {err}", stacklevel=3)
        return array

    def imageset(self, canvas: tuple[int, int] = (128, 110)) -> ImageSet:
        """Every image as an :class:`~adfl_teach.data.imageset.ImageSet` (labels in ``classes``
        order)."""
        return ImageSet(self.images(canvas), torch.from_numpy(self.labels), self.subjects)

    def split(self, fold: int, canvas: tuple[int, int] = (128, 110)) -> tuple[ImageSet, ImageSet]:
        """``(train, test)``: test = the subjects of ``fold``, train = all other folds."""
        if not 0 <= fold < self.num_folds:
            raise ValueError(f"fold {fold} outside 0..{self.num_folds - 1}")
        full = self.imageset(canvas)
        test = self.folds == fold
        return full.subset(~test), full.subset(test)

    def summary(self) -> str:
        """Counts per class and per fold, as printed by ``adfl-teach prepare``."""
        return format_counts(self.classes, self.labels, self.folds)


def load_prepared(directory: str | Path) -> PreparedDataset:
    """Open and validate a prepared dataset (raises :class:`DatasetError` naming the problem)."""
    return PreparedDataset(directory)


def count_table(classes, labels, folds) -> dict:
    """Counts per class, per fold, and per fold and class (JSON-ready, for ``dataset.json``)."""
    labels, folds = np.asarray(labels), np.asarray(folds)
    num_folds = int(folds.max()) + 1 if len(folds) else 0
    return {
        "total": int(len(labels)),
        "per_class": {c: int((labels == i).sum()) for i, c in enumerate(classes)},
        "per_fold": {str(k): int((folds == k).sum()) for k in range(num_folds)},
        "per_fold_class": {
            str(k): {c: int(((folds == k) & (labels == i)).sum()) for i, c in enumerate(classes)}
            for k in range(num_folds)
        },
    }


def format_counts(classes, labels, folds) -> str:
    """A small text table: one row per class, one column per fold, and totals."""
    labels, folds = np.asarray(labels), np.asarray(folds)
    num_folds = int(folds.max()) + 1 if len(folds) else 0
    width = max(len(c) for c in classes) + 2
    head = "class".ljust(width) + "".join(f"{f'f{k}':>6}" for k in range(num_folds)) + "   total"
    lines = [head]
    for i, c in enumerate(classes):
        row = [int(((folds == k) & (labels == i)).sum()) for k in range(num_folds)]
        lines.append(c.ljust(width) + "".join(f"{n:>6}" for n in row) + f"{sum(row):>8}")
    col = [int((folds == k).sum()) for k in range(num_folds)]
    lines.append("all".ljust(width) + "".join(f"{n:>6}" for n in col) + f"{len(labels):>8}")
    return "\n".join(lines)
