"""Subject-independent 10-fold cross-validation (sec. 3.2).

The paper (CK+, following DeRL [10]): "all subjects are divided into ten groups by their ID in
an ascending order"; MMI and Oulu-CASIA use "a 10-fold cross validation" too. *How* the sorted
IDs become ten groups is not said. NOTES ("Protocols") takes the convention of the public CK+
fold files as the default:

``modulo`` (default)
    sort the subject IDs ascending; the subject of rank ``i`` (0-based) goes to fold ``i mod 10``.
``contiguous``
    ten contiguous blocks of the sorted list (sizes differ by at most one, the first blocks
    take the extra subjects).

Either way a subject's images all land in one fold, so no test face was seen in training.
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


def fold_of(subjects: Iterable[str], folds: dict[str, int]) -> np.ndarray:
    """The fold of each entry of ``subjects`` as an int64 array."""
    return np.array([folds[str(s)] for s in subjects], dtype=np.int64)
