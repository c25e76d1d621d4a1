"""Why: disentanglement measured against the synthetic ground truth (beyond the paper).

The synthetic faces know what made them: each subject's identity parameters
(``subjects.json``: face shape, feature sizes and places, colours) and each frame's action
unit intensities (``ground_truth.csv``). ADFL claims that f_n holds the person and f_r the
expression. Here linear regressions answer it, for every finished (seed, fold) model:

* features: f_e, f_n and f_r of the centre crop of every image
  (:func:`adfl_teach.experiments.probes.extract_features`); for scale, the same regression
  from the crop's own pixels (average-pooled to 28 x 24), which no model made;
* targets: the identity parameters of the image's subject, and the frame's AU intensities,
  each column standardised with the statistics of the fitting rows;
* fit: ``StandardScaler`` + ``Ridge`` (scikit-learn) on the images of the training folds;
  the ridge penalty of each target column is chosen from 1e-1 to 1e6 by 5-fold
  cross-validation *grouped by subject* (``GroupKFold``) on those rows only;
* score: R^2 (``sklearn.metrics.r2_score``, variance-weighted over the standardised
  columns: the share of the test fold's target variance the regression explains) on the
  images of the test fold, people the model and the regression never saw; mean over the 10
  folds per seed, then mean and 95 % CI over seeds. 1 says the feature holds the target
  linearly; a feature that holds nothing scores a little below 0 (the test fold's 10
  people do not share the training people's mean).

Why the penalty is chosen on held-out *people*: the images of one person are near copies
of each other, so leave-one-image-out (``RidgeCV``'s default) rewards a regression that
memorises the training people, picks the weakest penalty, and scores below 0 on new people
for every feature, the pixels included. (This project's first ground-truth report did
exactly that; it was withdrawn, and the tests check that a feature of pure noise now scores
near 0, not far below.)

If ADFL disentangles, identity R^2 is high from f_n and low from f_r, AU R^2 the other way
round; the control is ``no-adversary`` (B_n never trained by the game), at the same setting.
Each job's R^2 is kept in its folder (``truth.json``, archived with the job's result), so a
machine that restores the archive does not need the job's weights again.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import torch

from adfl_teach.data.prepared import PreparedDataset
from adfl_teach.experiments.probes import FEATURES, centre_crop, extract_features
from adfl_teach.experiments.rundir import CHECKPOINT, TRUTH, fold_dir, read_result
from adfl_teach.experiments.stats import mean_ci95
from adfl_teach.runtime import atomic_write_json, progress_bar, read_json
from adfl_teach.training import load_model

TARGETS = ("identity", "aus")
#: The ridge penalties tried for each target column (the choice is made per column).
ALPHAS = tuple(float(a) for a in np.logspace(-1, 6, 15))
#: Folds of the subject-grouped cross-validation that chooses the penalty.
INNER_FOLDS = 5
#: The pixel reference is the centre crop average-pooled to this height x width.
PIXEL_GRID = (28, 24)
REFERENCE = "pixels"
#: What the report keeps of each run's own test accuracy
#: (:func:`adfl_teach.experiments.study.model_report`).
ACCURACY_KEYS = ("seeds", "jobs_done", "seconds", "per_seed", "mean", "ci95")
#: Names this probe in each job's ``truth.json``; a record of another method is not reused.
METHOD = "ridge, penalty per column by subject-grouped 5-fold CV; variance-weighted R^2"


def _flat_numbers(value) -> list[float]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    if isinstance(value, list):
        return [x for item in value for x in _flat_numbers(item)]
    return []


def ground_truth(data: PreparedDataset, synthetic: str | Path) -> dict[str, np.ndarray]:
    """``{"identity": (N, P), "aus": (N, A)}`` for the N images of ``data`` (prepared from
    the synthetic database ``synthetic``), matched by file name; one clear error for an
    image the database does not describe."""
    synthetic = Path(synthetic)
    subjects = json.loads((synthetic / "subjects.json").read_text())
    with open(synthetic / "ground_truth.csv", newline="") as handle:
        rows = {Path(r["path"]).name: r for r in csv.DictReader(handle)}
    au_columns = [c for c in next(iter(rows.values())) if c.startswith("AU")]
    identity, aus = [], []
    for path, subject in zip(data.paths, data.subjects):
        row = rows.get(Path(str(path)).name)
        if row is None or str(subject) not in subjects:
            raise ValueError(
                f"{synthetic}: no ground truth for {path} (subject {subject}); is {data.root} "
                "prepared from this synthetic database?"
            )
        identity.append(_flat_numbers(list(subjects[str(subject)]["identity"].values())))
        aus.append([float(row[c]) for c in au_columns])
    return {"identity": np.asarray(identity), "aus": np.asarray(aus)}


def _ridge(alpha: float):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), Ridge(alpha=alpha))


def choose_alphas(x: np.ndarray, y: np.ndarray, groups) -> np.ndarray:
    """Per column of ``y``, the penalty of :data:`ALPHAS` with the least squared error over a
    cross-validation whose folds hold out whole subjects (``groups``)."""
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import GroupKFold, cross_val_predict

    splits = GroupKFold(n_splits=min(INNER_FOLDS, len(set(groups))))
    errors = [
        mean_squared_error(
            y,
            cross_val_predict(_ridge(a), x, y, groups=groups, cv=splits),
            multioutput="raw_values",
        )
        for a in ALPHAS
    ]
    return np.asarray(ALPHAS)[np.argmin(np.asarray(errors), axis=0)]


def ridge_predict(x_fit, y_fit, groups, x_score) -> np.ndarray:
    """Fit one ridge regression per chosen penalty (:func:`choose_alphas`, on the fitting
    rows only) and predict every column of ``y_fit`` for ``x_score``."""
    alphas = choose_alphas(x_fit, y_fit, groups)
    predicted = np.zeros((len(x_score), y_fit.shape[1]))
    for alpha in np.unique(alphas):
        columns = alphas == alpha
        fitted = _ridge(alpha).fit(x_fit, y_fit[:, columns])
        predicted[:, columns] = fitted.predict(x_score).reshape(len(x_score), -1)
    return predicted


def r2_fold(
    features: dict, targets: dict, train: np.ndarray, groups
) -> dict[str, dict[str, float]]:
    """``{feature: {target: R^2 on the rows not in train}}``; every fit, the penalty's
    choice included, sees ``train`` rows only; ``groups`` (the rows' subjects) keep each
    person on one side of the penalty's cross-validation."""
    from sklearn.metrics import r2_score
    from sklearn.preprocessing import StandardScaler

    train = np.asarray(train, dtype=bool)
    groups = np.asarray(groups)[train]
    table: dict[str, dict[str, float]] = {}
    for name, x in features.items():
        x = np.asarray(x, dtype=float)
        table[name] = {}
        for target in TARGETS:
            y = targets[target]
            varying = y[train].std(axis=0) > 0  # a constant column has no R^2
            scale = StandardScaler().fit(y[train][:, varying])
            y_fit, y_test = (scale.transform(y[rows][:, varying]) for rows in (train, ~train))
            predicted = ridge_predict(x[train], y_fit, groups, x[~train])
            table[name][target] = float(
                r2_score(y_test, predicted, multioutput="variance_weighted")
            )
    return table


def pixel_features(images: torch.Tensor, crop) -> np.ndarray:
    """The reference feature: each image's centre crop, average-pooled to :data:`PIXEL_GRID`
    and flattened."""
    centre = centre_crop(images, crop).float()
    return torch.nn.functional.adaptive_avg_pool2d(centre, PIXEL_GRID).flatten(1).numpy()


def probe_job(data: PreparedDataset, targets: dict, run, model: str, fold: int, seed: int):
    """The R^2 table of one finished job, from its ``truth.json`` when that holds this
    method's, else measured from its checkpoint and written there; None while the job has
    not finished. A finished job with neither (its record restored from an archive, its
    weights not) is one clear error."""
    folder = fold_dir(run, model, fold, seed)
    record = folder / TRUTH
    if record.exists():
        kept = read_json(record, expect=dict)
        if kept.get("method") == METHOD:
            return kept["r2"]
    if read_result(run, model, fold, seed) is None:
        return None
    checkpoint = folder / CHECKPOINT
    if not checkpoint.exists():
        raise FileNotFoundError(
            f"{checkpoint}: missing, and {record.name} holds no R^2 of this method: the job's "
            "weights are gone (an archive keeps results, not weights); move its folder away to "
            "train it again"
        )
    net, state = load_model(checkpoint)
    geometry = state["config"]["data"]
    images = data.images(tuple(geometry["canvas"]), progress=False)
    features = extract_features(net, images, tuple(geometry["crop"]))
    table = r2_fold(features, targets, np.asarray(data.folds) != fold, data.subjects)
    atomic_write_json(record, {"model": model, "fold": int(fold), "seed": int(seed),
                               "method": METHOD, "r2": table})  # fmt: skip
    return table


def r2_run(data: PreparedDataset, targets: dict, run, model: str, seeds, folds,
           progress: bool = True) -> dict[int, dict[int, dict]]:  # fmt: skip
    """``{seed: {fold: r2_fold table}}`` of the finished jobs of ``model`` in ``run``."""
    found: dict[int, dict[int, dict]] = {}
    jobs = [(s, k) for s in seeds for k in folds]
    for seed, fold in progress_bar(jobs, desc=f"R^2 {Path(run).name}", enabled=progress):
        table = probe_job(data, targets, run, model, fold, seed)
        if table is not None:
            found.setdefault(seed, {})[fold] = table
    return found


def _score(values) -> dict:
    mean, ci = mean_ci95(values)
    return {"mean": round(mean, 4), "ci95": None if ci is None else [round(c, 4) for c in ci]}


def summarise_r2(per_seed: dict[int, dict[int, dict]], folds) -> dict:
    """Per feature and target: the per-seed means over folds (complete seeds only), their
    mean and 95 % CI over seeds."""
    complete = sorted(s for s, r in per_seed.items() if set(r) == set(folds))
    table: dict[str, dict] = {}
    for name in FEATURES:
        for target in TARGETS:
            values = [
                float(np.mean([per_seed[s][k][name][target] for k in folds]))
                for s in complete
                if name in per_seed[s][folds[0]]
            ]
            if values:
                table.setdefault(name, {})[target] = {
                    "per_seed": [round(v, 4) for v in values],
                    **_score(values),
                }
    return {"seeds": complete, "r2": table}


def reference_r2(data: PreparedDataset, targets: dict, canvas, crop, folds) -> dict:
    """The pixel reference per target: R^2 per test fold, their mean and 95 % CI over the
    folds (no seed: no model is trained)."""
    x = pixel_features(data.images(tuple(canvas), progress=False), crop)
    per_fold = [
        r2_fold({REFERENCE: x}, targets, np.asarray(data.folds) != k, data.subjects)[REFERENCE]
        for k in folds
    ]
    return {
        target: {
            "per_fold": [round(p[target], 4) for p in per_fold],
            **_score([p[target] for p in per_fold]),
        }  # fmt: skip
        for target in TARGETS
    }


def truth_report(data: PreparedDataset, synthetic, out, runs: dict, folds,
                 progress: bool = True) -> dict:  # fmt: skip
    """The ground-truth phase's report: per run (``OUT/<name>``) the summary of
    :func:`summarise_r2` and the models' own test accuracy (these are models trained again
    for their weights, so the reader sees how they compare with the headline's), and the
    pixel reference at the runs' geometry."""
    from adfl_teach.experiments.study import REPORT_FORMAT, collect, model_report

    targets = ground_truth(data, synthetic)
    report = {"format": REPORT_FORMAT, "phase": "truth", "scored_on": "test",
              "folds": list(folds), "method": __doc__.split("\n\n")[2]}  # fmt: skip
    for name, r in runs.items():
        per_seed = r2_run(data, targets, Path(out) / name, r.model, r.seeds, folds, progress)
        report[name] = summarise_r2(per_seed, list(folds))
        accuracy = model_report(collect(Path(out) / name, r.seeds, folds, (r.model,))[r.model],
                                list(folds))  # fmt: skip
        report[name]["test_accuracy"] = {k: v for k, v in accuracy.items() if k in ACCURACY_KEYS}
    geometry = next(iter(runs.values())).config.data
    report["reference"] = {REFERENCE: reference_r2(data, targets, geometry.canvas, geometry.crop,
                                                   folds)}  # fmt: skip
    return report
