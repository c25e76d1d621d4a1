"""Why: disentanglement measured against the synthetic ground truth (beyond the paper).

The synthetic faces know what made them: each subject's identity parameters
(``subjects.json``: face shape, feature sizes and places, colours) and each frame's action
unit intensities (``ground_truth.csv``). ADFL claims that f_n holds the person and f_r the
expression. Here linear regressions answer it, for every finished (seed, fold) model:

* features: f_e, f_n and f_r of the centre crop of every image
  (:func:`adfl_teach.experiments.probes.extract_features`);
* targets: the identity parameters of the image's subject, and the frame's AU intensities;
* fit: ``StandardScaler`` + ``RidgeCV`` (scikit-learn; the ridge penalty chosen by
  leave-one-out on the fitting rows only) on the images of the training folds;
* score: R^2 (``sklearn.metrics.r2_score``, averaged over the target columns, each column
  counted alike) on the images of the test fold, people the model and the regression never
  saw. An R^2 near 0 says the feature holds nothing linear about the target; 1 says all.

If ADFL disentangles, identity R^2 is high from f_n and low from f_r, AU R^2 the other way
round; the control is ``no-adversary`` (B_n never trained by the game), at the same setting.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from adfl_teach.data.prepared import PreparedDataset
from adfl_teach.experiments.probes import FEATURES, extract_features
from adfl_teach.experiments.rundir import CHECKPOINT, fold_dir, read_result
from adfl_teach.experiments.stats import mean_ci95
from adfl_teach.training import load_model

TARGETS = ("identity", "aus")


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


def r2_fold(features: dict, targets: dict, train: np.ndarray) -> dict[str, dict[str, float]]:
    """``{feature: {target: R^2 on the rows not in train}}``; fits see ``train`` rows only."""
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train = np.asarray(train, dtype=bool)
    table: dict[str, dict[str, float]] = {}
    for name in FEATURES:
        if name not in features:
            continue
        x = np.asarray(features[name], dtype=float)
        table[name] = {}
        for target in TARGETS:
            y = targets[target]
            varying = y[train].std(axis=0) > 0  # a constant column has no R^2
            regression = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 3, 6)))
            regression.fit(x[train], y[train][:, varying])
            predicted = regression.predict(x[~train])
            table[name][target] = float(r2_score(y[~train][:, varying], predicted))
    return table


def r2_run(
    data: PreparedDataset, synthetic, run: str | Path, model: str, seeds, folds
) -> dict[int, dict[int, dict]]:
    """``{seed: {fold: r2_fold table}}`` of the finished jobs of ``model`` in ``run``."""
    targets = ground_truth(data, synthetic)
    found: dict[int, dict[int, dict]] = {}
    for seed in seeds:
        for fold in folds:
            if read_result(run, model, fold, seed) is None:
                continue
            net, state = load_model(fold_dir(run, model, fold, seed) / CHECKPOINT)
            geometry = state["config"]["data"]
            images = data.images(tuple(geometry["canvas"]), progress=False)
            features = extract_features(net, images, tuple(geometry["crop"]))
            train = np.asarray(data.folds) != fold
            found.setdefault(seed, {})[fold] = r2_fold(features, targets, train)
    return found


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
            if not values:
                continue
            mean, ci = mean_ci95(values)
            table.setdefault(name, {})[target] = {
                "per_seed": [round(v, 4) for v in values],
                "mean": round(mean, 4),
                "ci95": None if ci is None else [round(ci[0], 4), round(ci[1], 4)],
            }
    return {"seeds": complete, "r2": table}
