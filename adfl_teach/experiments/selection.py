"""Choosing settings without the test fold (beyond the paper): a validation split of the
*training* subjects of each outer fold.

The paper reports 10-fold cross-validation and says nothing about how its settings were
chosen. A reproduction that picks a learning rate, a schedule or a budget by looking at the
test folds reports an optimistic number. Here every choice (learning rate, schedule, number
of epochs, crops, any early stop) is made on a validation split instead:

* for outer fold ``k`` the training subjects are those of the other nine folds;
* :data:`VALIDATION_FRACTION` of them (rounded up, at least one, never all) are held out
  as the validation subjects, drawn by a generator seeded by ``k`` alone, so every setting
  and every seed of a study sees the same split;
* a selection job trains on the remaining training subjects and scores the validation
  subjects after every epoch; it never receives an image of fold ``k``
  (:func:`selection_split` builds both sets from the other folds' rows only);
* the test fold is scored once, by a normal job (:mod:`adfl_teach.experiments.jobs`) of
  the chosen setting, trained on all training subjects.

The split is subject-disjoint like the outer folds: no face of a validation subject is
seen in training.
"""

from __future__ import annotations

import math

import numpy as np

from adfl_teach.data.folds import sort_subjects
from adfl_teach.data.imageset import ImageSet
from adfl_teach.data.prepared import PreparedDataset

#: The share of an outer fold's training subjects held out for validation.
VALIDATION_FRACTION = 0.2


def check_fraction(fraction: float) -> float:
    """``fraction`` if it lies strictly between 0 and 1, else one clear ``ValueError``."""
    if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"validation fraction must lie strictly between 0 and 1, got {fraction!r}")
    return float(fraction)


def validation_subjects(
    train_subjects, fold: int, fraction: float = VALIDATION_FRACTION
) -> list[str]:
    """The validation subjects of outer fold ``fold``: ``ceil(fraction * n)`` of the ``n``
    training subjects (at least 1, at most ``n - 1``), drawn by a generator seeded by the
    fold, in natural sort order."""
    check_fraction(fraction)
    ordered = sort_subjects(train_subjects)
    if len(ordered) < 2:
        raise ValueError(
            f"fold {fold}: {len(ordered)} training subject(s) cannot be split into training "
            "and validation subjects (need at least 2)"
        )
    count = min(max(1, math.ceil(fraction * len(ordered))), len(ordered) - 1)
    rng = np.random.default_rng(10_007 + int(fold))
    chosen = rng.choice(len(ordered), size=count, replace=False)
    return sort_subjects(ordered[i] for i in chosen)


def selection_split(
    data: PreparedDataset,
    fold: int,
    canvas: tuple[int, int],
    fraction: float = VALIDATION_FRACTION,
) -> tuple[ImageSet, ImageSet]:
    """``(inner training set, validation set)`` of outer fold ``fold``: both are cut from
    the rows of the *other* folds only, so no test-fold image reaches a selection job."""
    data.check_fold(fold)
    outside = np.flatnonzero(np.asarray(data.folds) != fold)
    pool = data.imageset(canvas).subset(outside)  # the test fold's rows are never taken
    subjects = np.asarray(pool.subjects)
    held_out = set(validation_subjects(subjects.tolist(), fold, fraction))
    is_val = np.array([str(s) in held_out for s in subjects], dtype=bool)
    return pool.subset(np.flatnonzero(~is_val)), pool.subset(np.flatnonzero(is_val))
