"""Subject-independent 10-fold cross-validation (sec. 3.2).

The paper (CK+, following DeRL [10]): "all subjects are divided into ten groups by their ID in
an ascending order"; MMI and Oulu-CASIA use "a 10-fold cross validation" too. *How* the sorted
IDs become ten groups is not said. The implementation notes
("Protocols", docs/implementation-notes.md) take the convention of the public CK+
fold files as the default:

``modulo`` (default)
    sort the subject IDs ascending; the subject of rank ``i`` (0-based) goes to fold ``i mod 10``.
``contiguous``
    ten contiguous blocks of the sorted list (sizes differ by at most one, the first blocks
    take the extra subjects).

Either way a subject's images all land in one fold, so no test face was seen in training, and
every fold must hold test images (:func:`check_folds`, applied when preparing and when a
manifest is loaded).
IDs are sorted "naturally": digit runs compare as numbers, so ``S2 < S10`` and ``7 < 12``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

NUM_FOLDS = 10
FOLD_SCHEMES = ("modulo", "contiguous")


def subject_sort_key(subject: str) -> tuple:
    """Natural sort key: ``"S010"`` -> ``("s", 10, "")``; digit runs compare numerically."""
    parts = re.split(r"(\d+)", str(subject).lower())
    return tuple(int(p) if p.isdigit() else p for p in parts)


def sort_subjects(subjects: Iterable[str]) -> list[str]:
    """Unique subject IDs in ascending (natural) order."""
    return sorted({str(s) for s in subjects}, key=subject_sort_key)


def assign_folds(
    subjects: Iterable[str], num_folds: int = NUM_FOLDS, scheme: str = "modulo"
) -> dict[str, int]:
    """Map each subject ID to its fold in ``0..num_folds-1`` (see the module docstring).

    Raises ``ValueError`` for an unknown scheme or fewer subjects than folds (a fold without
    test subjects would make the cross-validation meaningless).
    """
    if scheme not in FOLD_SCHEMES:
        raise ValueError(f"unknown fold scheme {scheme!r}; choose from {', '.join(FOLD_SCHEMES)}")
    ordered = sort_subjects(subjects)
    if len(ordered) < num_folds:
        raise ValueError(
            f"{len(ordered)} subjects cannot fill {num_folds} subject-independent folds "
            f"(need at least {num_folds})"
        )
    if scheme == "modulo":
        return {s: i % num_folds for i, s in enumerate(ordered)}
    blocks = np.array_split(np.arange(len(ordered)), num_folds)
    return {ordered[i]: fold for fold, block in enumerate(blocks) for i in block}


def check_fold(fold: int, num_folds: int) -> None:
    """Raise ``ValueError`` unless ``fold`` is one of ``0..num_folds-1``: the project's one
    bounds check of a fold number (:func:`check_folds` and
    :meth:`~adfl_teach.data.prepared.PreparedDataset.check_fold` apply it)."""
    if not 0 <= fold < num_folds:
        raise ValueError(f"fold {fold} outside 0..{num_folds - 1}")


def check_folds(folds, num_folds: int) -> None:
    """Raise ``ValueError`` unless every fold ``0..num_folds-1`` holds at least one image.

    ``folds``: the fold of each image. A fold without test images would give no accuracy
    (a NaN) for its cross-validation round; a fold number outside the range is an error too.
    """
    folds = np.asarray(folds, dtype=np.int64)
    if num_folds < 2:
        raise ValueError(f"{num_folds} fold(s): cross-validation needs at least 2")
    for fold in sorted(set(folds.tolist())):
        check_fold(fold, num_folds)
    counts = np.bincount(folds, minlength=num_folds)
    empty = np.flatnonzero(counts == 0).tolist()
    if empty:
        raise ValueError(
            f"fold {empty[0]} has no test images (folds without images: "
            f"{', '.join(map(str, empty))}; every fold 0..{num_folds - 1} needs some)"
        )


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
