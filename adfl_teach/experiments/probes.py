"""Disentanglement probes: what do f_e, f_n and f_r actually hold?

The paper asserts that f_n holds the neutral face (no expression) and f_r the expression.
With ground truth at hand we can measure it. For each finished (seed, fold) model of a run:
freeze it, extract the three features of every image of the dataset, and fit linear probes
(scikit-learn's ``LogisticRegression`` on standardised features) that predict

* the **expression**: fit on the fold's *training* images, scored on its *test* fold (people
  that neither the model nor the probe saw); neutral images are left out, as in the paper's
  accuracy;
* the **identity**: the test fold's people appear in no training image, so this probe stays
  within the fold's *training* subjects, split by sequence: for each of them, some sequences
  fit the probe and the others score it.

No probe ever sees a test-fold feature while fitting (the tests spy on every ``fit``).
Chance beside every number is a ``DummyClassifier(strategy="most_frequent")`` fit on the same
training split and scored on the same test split.

Features come from the **centre crop** of each image (one deterministic view; evaluation
averages the ten crops' *predictions*, but a probe asks what one feature vector holds).

High expression accuracy in f_n would mean the dispeller was not fooled; high identity
accuracy in f_r would mean the residue still carries who the person is.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import torch

from adfl_teach.crops import take_crops
from adfl_teach.data.prepared import load_prepared
from adfl_teach.evaluation import EVAL_BATCH, crop_batches
from adfl_teach.experiments.rundir import (
    CHECKPOINT,
    RUN_JSON,
    RunMismatchError,
    collect_results,
    fold_dir,
    read_run,
)
from adfl_teach.experiments.stats import mean_ci95
from adfl_teach.runtime import atomic_write_json, progress_bar
from adfl_teach.training import load_model

FEATURES = ("f_e", "f_n", "f_r")
CENTRE_CROP = 4  # index of the centre crop in adfl_teach.crops
#: The keys of a probe row, accuracy and chance level for expression and identity.
SCORES = ("expression", "expression_chance", "identity", "identity_chance")


def centre_crop(images: torch.Tensor, crop) -> torch.Tensor:
    """The centre crop (one of the ten) of every image of ``images``."""
    index = torch.full((images.shape[0],), CENTRE_CROP, dtype=torch.long, device=images.device)
    return take_crops(images, index, tuple(crop))


def extract_features(model, images: torch.Tensor, crop, batch_size: int = EVAL_BATCH) -> dict:
    """Centre-crop features of every image: ``{"f_e": (N, D), ...}`` (those the model has),
    in evaluation mode (the model's mode is restored after)."""
    out: dict[str, list[torch.Tensor]] = {}
    for _, result in crop_batches(model, images, partial(centre_crop, crop=crop), batch_size):
        for name in FEATURES:
            value = getattr(result, name, None)
            if value is not None:
                out.setdefault(name, []).append(value.float().cpu())
    return {k: torch.cat(v) for k, v in out.items()}


def make_probe():
    """The linear probe: standardise each feature dimension (statistics of the probe's
    training rows only), then multinomial logistic regression (L2, ``C=1``)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def make_chance():
    """Chance: always answer the most frequent class of the probe's training rows."""
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="most_frequent")


def probe_accuracy(x_train, y_train, x_test, y_test) -> tuple[float, float]:
    """Fit the probe and the chance level on the training rows only; ``(probe accuracy,
    chance accuracy)`` on the test rows (``nan`` for an empty test split)."""
    if len(y_test) == 0:
        return float("nan"), float("nan")
    probe = make_probe().fit(x_train, y_train)
    chance = make_chance().fit(x_train, y_train)
    return float(probe.score(x_test, y_test)), float(chance.score(x_test, y_test))


def sequence_split(subjects, sequences, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(fit, score)`` boolean masks for the identity probe, split within each subject.

    Each subject with two or more sequences gives half of its sequences (rounded down, drawn
    with ``seed``) to the probe's fit rows and the rest to its score rows; a subject with one
    sequence cannot be on both sides and is left out.
    """
    subjects, sequences = np.asarray(subjects).astype(str), np.asarray(sequences).astype(str)
    rng = np.random.default_rng(seed)
    fit = np.zeros(len(subjects), dtype=bool)
    score = np.zeros(len(subjects), dtype=bool)
    for subject in np.unique(subjects):
        rows = subjects == subject
        own = np.unique(sequences[rows])
        if len(own) < 2:
            continue
        chosen = rows & np.isin(sequences, rng.permutation(own)[: len(own) // 2])
        fit |= chosen
        score |= rows & ~chosen
    return fit, score


def probe_fold(features, labels, subjects, sequences, train, neutral_index=0, seed=0) -> dict:
    """Probe accuracies and chance levels, per feature, for one fold's model.

    features: ``{name: (N, D)}`` for every image of the dataset; labels: ``(N,)`` class
    indices; subjects, sequences: ``(N,)`` IDs; train: ``(N,)`` bool, True for the fold's
    training images (False = its test fold). Returns ``{name: {score: value}}`` with the keys
    of :data:`SCORES` (identity ones only when some training subject has two sequences).
    """
    labels, train = np.asarray(labels), np.asarray(train, dtype=bool)
    subjects = np.asarray(subjects).astype(str)
    expressive = labels != neutral_index
    fit_e, score_e = train & expressive, ~train & expressive
    fit_i, score_i = np.zeros_like(train), np.zeros_like(train)
    fit_i[train], score_i[train] = sequence_split(
        subjects[train], np.asarray(sequences)[train], seed
    )
    out = {}
    for name, x in features.items():
        x = np.asarray(x, dtype=np.float64)
        row = {}
        row["expression"], row["expression_chance"] = probe_accuracy(
            x[fit_e], labels[fit_e], x[score_e], labels[score_e]
        )
        if fit_i.any():
            row["identity"], row["identity_chance"] = probe_accuracy(
                x[fit_i], subjects[fit_i], x[score_i], subjects[score_i]
            )
        out[name] = row
    return out


def probe_checkpoint(data, checkpoint: str | Path, fold: int) -> dict:
    """:func:`probe_fold` for the model saved in ``checkpoint``, trained without ``fold``."""
    net, state = load_model(checkpoint)
    geometry = state["config"]["data"]
    images = data.images(tuple(geometry["canvas"]), progress=False)
    features = extract_features(net, images, tuple(geometry["crop"]))
    return probe_fold(
        features, data.labels, data.subjects, data.sequences, data.folds != fold, data.neutral_index
    )


def finished_folds(run: str | Path, model: str, seeds=None) -> dict[int, dict[int, Path]]:
    """``{seed: {fold: fold directory}}`` of the finished jobs of ``model`` in ``RUN``
    (``RUN/seed_<s>/<model>/fold_<k>/``, results validated by
    :func:`adfl_teach.experiments.rundir.collect_results`); only ``seeds`` if given."""
    found = collect_results(run)
    return {
        s: {k: fold_dir(run, model, k, s) for k in sorted(found[s][model])}
        for s in sorted(found)
        if model in found[s] and (seeds is None or s in seeds)
    }


def mean_table(tables) -> dict:
    """Mean of ``{feature: {score: value}}`` tables, key by key over the tables that have it
    (a fold too small for the identity probe has no identity entry)."""
    tables = list(tables)
    out = {}
    for name in tables[0]:
        keys = [k for k in SCORES if any(k in t[name] for t in tables)]
        out[name] = {
            k: float(np.nanmean([t[name][k] for t in tables if k in t[name]])) for k in keys
        }
    return out


def summarise_probes(model: str, per_seed: dict[int, dict[int, dict]]) -> dict:
    """Per seed the mean over its folds; overall the mean over seeds, with a 95 % CI over
    seeds when there are two or more (:func:`adfl_teach.experiments.stats.mean_ci95`)."""
    seeds = sorted(per_seed)
    seed_means = {s: mean_table(per_seed[s].values()) for s in seeds}
    result = {
        "model": model,
        "seeds": seeds,
        "folds": sorted({k for s in seeds for k in per_seed[s]}),
        "mean": mean_table(seed_means.values()),
        "per_seed": {s: {"mean": seed_means[s], "per_fold": per_seed[s]} for s in seeds},
    }
    if len(seeds) >= 2:
        result["ci95"] = {
            name: {k: mean_ci95([seed_means[s][name][k] for s in seeds])[1] for k in row}
            for name, row in result["mean"].items()
        }
    return result


def probe_run(data_dir, run, model: str = "adfl", seeds=None, progress=True) -> dict:
    """Probe every finished fold of every seed of ``RUN`` for ``model``; the summary of
    :func:`summarise_probes`, also written to ``RUN/probes_<model>.json``."""
    data = load_prepared(data_dir)
    made_with = read_run(run)["identity"]["dataset"]["content_hash"]
    if made_with != data.content_hash():
        raise RunMismatchError(
            f"{Path(run) / RUN_JSON}: this run was made with another dataset than {data_dir}"
        )
    found = finished_folds(run, model, seeds)
    if not found:
        raise FileNotFoundError(f"{run}: no finished folds of {model} to probe")
    jobs = [(s, k, directory) for s, folds in found.items() for k, directory in folds.items()]
    per_seed: dict[int, dict[int, dict]] = {}
    for seed, fold, directory in progress_bar(jobs, desc="probing folds", enabled=progress):
        per_seed.setdefault(seed, {})[fold] = probe_checkpoint(data, directory / CHECKPOINT, fold)
    result = summarise_probes(model, per_seed)
    atomic_write_json(Path(run) / f"probes_{model}.json", result)
    return result


def _cell(result: dict, name: str, key: str) -> str:
    """``mean`` or, for a probe score with a CI over seeds, ``mean [low, high]`` (percent)."""
    value = 100 * result["mean"][name].get(key, float("nan"))
    low, high = result.get("ci95", {}).get(name, {}).get(key, (None, None))
    if low is None or key.endswith("_chance"):
        return f"{value:.1f}"
    return f"{value:.1f} [{100 * low:.1f}, {100 * high:.1f}]"


def format_probes(result: dict) -> str:
    """The probe table: mean over seeds (95 % CI over seeds in brackets), then per seed."""
    seeds = result.get("seeds", [])
    lines = [
        f"Linear probes ({result['model']}; seeds {seeds}, folds {result['folds']}): "
        "expression fit on the training folds, scored on the test fold; identity within "
        "the training subjects, split by sequence. Accuracy %, chance = most frequent class.",
        f"{'feature':<8} {'expression':>22} {'chance':>7} {'identity':>22} {'chance':>7}",
    ]
    for name in result["mean"]:
        cells = [_cell(result, name, key) for key in SCORES]
        lines.append(
            f"{name:<8} {cells[0]:>22} {cells[1]:>7} {cells[2]:>22} {cells[3]:>7}".rstrip()
        )
    if len(seeds) >= 2:
        per_seed = {str(s): row["mean"] for s, row in result["per_seed"].items()}  # JSON: str
        for name in result["mean"]:
            for key in ("expression", "identity"):
                values = [per_seed[str(s)][name].get(key) for s in seeds]
                shown = ", ".join("-" if v is None else f"{100 * v:.1f}" for v in values)
                lines.append(f"per seed {name} {key}: {shown}")
    return "\n".join(lines)
