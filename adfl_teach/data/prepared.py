"""The prepared format: aligned faces on disk, one manifest, and a cached tensor store.

``adfl-teach prepare`` (:func:`adfl_teach.data.prepare.prepare`) turns a database in its native
layout into this format; training only ever reads this format::

    DIR/
      manifest.csv        one row per aligned face (columns below)
      dataset.json        classes, neutral index, protocol, source, counts, skipped files, ...
      images/<subject>/<sequence>/<frame>.png   aligned 128x110 RGB faces (sec. 3.1)
      cache/images_<H>x<W>_<hash>.npy           uint8 (N, 3, H, W), built on first use
      .adfl-teach         marker: made by ``adfl-teach prepare`` (:mod:`adfl_teach.data.output`)

``manifest.csv`` columns, exactly: ``path,subject,sequence,frame,label,label_name,fold``

- ``path``: the PNG, relative to ``DIR``;
- ``subject``, ``sequence``: IDs from the database (strings);
- ``frame``: 0-based position of the frame in its sequence (sorted by frame number);
- ``label``: index into ``dataset.json["classes"]`` (neutral = 0, sec. 3.2);
- ``label_name``: ``classes[label]`` (redundant, for people reading the CSV);
- ``fold``: 0..9, subject independent (:mod:`adfl_teach.data.folds`); every fold holds images.

The manifest is UTF-8 (a byte-order mark is accepted). ``dataset.json``'s ``neutral_index``
must name the class ``neutral``. :meth:`PreparedDataset.content_hash` fingerprints the whole
dataset (manifest, ``dataset.json`` and every image's bytes); it names the image cache
(:mod:`adfl_teach.data.cache`) and identifies the dataset of a run. The fields of
``dataset.json`` that say where and when the dataset was prepared (:data:`PROVENANCE_KEYS`)
are left out of it: the same database prepared again, on another machine or in another
folder, is the same dataset, so a run (or a study's archive) made on one machine continues
on the next.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import torch

from adfl_teach.data import cache
from adfl_teach.data.errors import DatasetError
from adfl_teach.data.folds import check_fold, check_folds, format_counts
from adfl_teach.data.imageset import ImageSet
from adfl_teach.runtime import JSONFileError, read_json

MANIFEST = "manifest.csv"
DATASET_JSON = "dataset.json"
COLUMNS = ("path", "subject", "sequence", "frame", "label", "label_name", "fold")
FORMAT_VERSION = 1
NEUTRAL = "neutral"
#: ``dataset.json`` fields that record where and when a dataset was prepared, not what it
#: holds; :meth:`PreparedDataset.content_hash` leaves them out.
PROVENANCE_KEYS = ("source", "source_root", "seconds", "created")

__all__ = [
    "COLUMNS",
    "DATASET_JSON",
    "PROVENANCE_KEYS",
    "MANIFEST",
    "DatasetError",
    "PreparedDataset",
    "check_neutral_index",
    "load_prepared",
]


def check_neutral_index(info: dict, classes: list[str], path: Path) -> int:
    """``info["neutral_index"]`` (default 0), checked: an integer naming the class ``neutral``."""
    index = info.get("neutral_index", 0)
    if isinstance(index, bool) or not isinstance(index, int):
        raise DatasetError(f"{path}: 'neutral_index' must be an integer, got {index!r}")
    if not 0 <= index < len(classes):
        raise DatasetError(
            f"{path}: 'neutral_index' {index} is outside the class list 0..{len(classes) - 1}"
        )
    if str(classes[index]).lower() != NEUTRAL:
        raise DatasetError(
            f"{path}: 'neutral_index' {index} names class {classes[index]!r}, not {NEUTRAL!r}"
        )
    return index


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
        self.neutral_index = check_neutral_index(self.info, self.info["classes"], self._info_path)
        self._read_manifest()
        self._content_hash: str | None = None
        self._memory: dict[tuple[int, int], torch.Tensor] = {}

    # --- reading and validation ---------------------------------------------------------------

    @property
    def _info_path(self) -> Path:
        return self.root / DATASET_JSON

    def _read_info(self) -> dict:
        path = self._info_path
        if not path.is_file():
            raise DatasetError(f"{path}: missing; is {self.root} a prepared dataset?")
        try:
            info = read_json(path, expect=dict)
        except JSONFileError as err:
            raise DatasetError(str(err)) from None
        classes = info.get("classes")
        if (
            not isinstance(classes, list)
            or len(classes) < 2
            or not all(isinstance(c, str) and c for c in classes)
        ):
            raise DatasetError(f"{path}: 'classes' must be a list of at least two class names")
        if len(set(classes)) != len(classes):
            raise DatasetError(f"{path}: 'classes' names a class twice: {classes}")
        return info

    def _read_manifest(self) -> None:
        path = self.root / MANIFEST
        rows = self._manifest_rows(path)
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
        declared = self.info.get("num_folds")
        valid = isinstance(declared, int) and not isinstance(declared, bool)
        self._num_folds = declared if valid else int(self.folds.max()) + 1
        try:
            check_folds(self.folds, self._num_folds)
        except ValueError as err:
            raise DatasetError(f"{path}: {err}") from None

    def _manifest_rows(self, path: Path) -> list[tuple]:
        """The checked rows of ``manifest.csv`` (UTF-8, a byte-order mark accepted)."""
        if not path.is_file():
            raise DatasetError(f"{path}: missing; is {self.root} a prepared dataset?")
        rows, line = [], 1
        try:
            with path.open(newline="", encoding="utf-8-sig") as f:
                reader = csv.reader(f)
                header = next(reader, None)
                if header is None or tuple(h.strip() for h in header) != COLUMNS:
                    raise DatasetError(
                        f"{path}: header must be exactly {','.join(COLUMNS)}; got "
                        f"{','.join(header) if header else 'an empty file'}"
                    )
                for line, row in enumerate(reader, start=2):
                    if row:
                        rows.append(self._check_row(path, line, row))
        except UnicodeDecodeError as err:
            raise DatasetError(
                f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save the manifest "
                "as UTF-8"
            ) from None
        except csv.Error as err:
            raise DatasetError(f"{path}: line {line + 1}: not CSV ({err})") from None
        return rows

    def _check_row(self, path: Path, line: int, row: list[str]) -> tuple:
        if len(row) != len(COLUMNS):
            raise DatasetError(
                f"{path}: line {line} has {len(row)} fields, expected {len(COLUMNS)}"
            )
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
        return self._num_folds

    def content_hash(self) -> str:
        """SHA-256 (hex) of ``manifest.csv``, ``dataset.json`` and every listed image's bytes.

        The dataset's fingerprint: an edited manifest, an edited field of ``dataset.json`` or
        a single edited PNG gives another hash. ``dataset.json`` enters without its
        :data:`PROVENANCE_KEYS` (the source folder, the time and duration of preparing), so
        re-preparing the same database elsewhere or later keeps the hash. Computed once per
        object (reads every image file).
        """
        if self._content_hash is None:
            content = {k: v for k, v in self.info.items() if k not in PROVENANCE_KEYS}
            described = json.dumps(content, sort_keys=True).encode()
            self._content_hash = cache.content_hash(
                self.root, [MANIFEST], self.paths.tolist(), {DATASET_JSON: described}
            )
        return self._content_hash

    def cache_path(self, canvas: tuple[int, int] = (128, 110)) -> Path:
        """The image cache for ``canvas`` (named by :meth:`content_hash`)."""
        return cache.cache_file(self.root, canvas, self.content_hash())

    def images(self, canvas: tuple[int, int] = (128, 110), progress: bool = True) -> torch.Tensor:
        """All images as uint8 ``(N, 3, H, W)`` on ``canvas``, from the cache (built if absent)."""
        canvas = (int(canvas[0]), int(canvas[1]))
        if canvas not in self._memory:
            array = cache.load_or_build(
                self.root, self.paths.tolist(), canvas, self.content_hash(), progress
            )
            self._memory[canvas] = torch.from_numpy(array)
        return self._memory[canvas]

    def imageset(self, canvas: tuple[int, int] = (128, 110)) -> ImageSet:
        """Every image as an :class:`~adfl_teach.data.imageset.ImageSet` (labels in ``classes``
        order)."""
        return ImageSet(self.images(canvas), torch.from_numpy(self.labels), self.subjects)

    def check_fold(self, fold: int) -> None:
        """Raise ``ValueError`` naming the dataset unless ``fold`` is one of its folds
        (:func:`~adfl_teach.data.folds.check_fold`)."""
        try:
            check_fold(fold, self.num_folds)
        except ValueError as err:
            raise ValueError(f"{self.root}: {err}") from None

    def split(self, fold: int, canvas: tuple[int, int] = (128, 110)) -> tuple[ImageSet, ImageSet]:
        """``(train, test)``: test = the subjects of ``fold``, train = all other folds."""
        self.check_fold(fold)
        full = self.imageset(canvas)
        test = self.folds == fold
        return full.subset(~test), full.subset(test)

    def summary(self) -> str:
        """Counts per class and per fold, as printed by ``adfl-teach prepare``."""
        return format_counts(self.classes, self.labels, self.folds)


def load_prepared(directory: str | Path) -> PreparedDataset:
    """Open and validate a prepared dataset (raises :class:`DatasetError` naming the problem)."""
    return PreparedDataset(directory)
