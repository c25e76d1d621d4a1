"""Disentanglement probes: what do f_e, f_n and f_r actually hold?

The paper asserts that f_n holds the neutral face (no expression) and f_r the expression.
With ground truth at hand we can measure it: freeze a trained fold's model, extract the
three features of that fold's *test* images (subjects the model never saw), and fit linear
probes (multinomial logistic regression) that predict

* the expression, split by subject (the probe is tested on other people), and
* the subject identity, split by sequence (tested on the same people's other sequences).

High expression accuracy in f_n would mean the dispeller was not fooled; high identity
accuracy in f_r would mean the residue still carries who the person is. Chance levels are
reported beside every number (the majority class rate of the probe's test split).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from adfl_teach.crops import take_crops
from adfl_teach.runtime import progress_bar

FEATURES = ("f_e", "f_n", "f_r")
CENTRE_CROP = 4  # index of the centre crop in adfl_teach.crops


@torch.no_grad()
def extract_features(model, images: torch.Tensor, crop, batch_size: int = 128) -> dict:
    """Centre-crop features of every image: ``{"f_e": (N, D), ...}`` (those the model has)."""
    model.eval()
    device = next(model.parameters()).device
    out: dict[str, list[torch.Tensor]] = {}
    for start in range(0, images.shape[0], batch_size):
        batch = images[start : start + batch_size]
        idx = torch.full((batch.shape[0],), CENTRE_CROP, dtype=torch.long)
        result = model(take_crops(batch, idx, crop).to(device))
        for name in FEATURES:
            value = getattr(result, name, None)
            if value is not None:
                out.setdefault(name, []).append(value.float().cpu())
    return {k: torch.cat(v) for k, v in out.items()}


def fit_linear_probe(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    weight_decay: float = 1e-3,
    steps: int = 300,
) -> float:
    """Multinomial logistic regression on standardised features (L-BFGS); test accuracy."""
    classes = torch.unique(torch.cat([y_train, y_test]))
    remap = {int(c): i for i, c in enumerate(classes)}
    ytr = torch.tensor([remap[int(c)] for c in y_train])
    yte = torch.tensor([remap[int(c)] for c in y_test])
    mean, std = x_train.mean(0), x_train.std(0).clamp(min=1e-6)
    xtr, xte = (x_train - mean) / std, (x_test - mean) / std
    w = torch.zeros(xtr.shape[1], len(classes), requires_grad=True)
    b = torch.zeros(len(classes), requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(xtr @ w + b, ytr) + weight_decay * (w**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float(((xte @ w + b).argmax(1) == yte).float().mean())


def majority_rate(y: torch.Tensor) -> float:
    """Accuracy of always answering the most frequent class: the chance level we report."""
    _, counts = torch.unique(y, return_counts=True)
    return float(counts.max() / counts.sum()) if len(y) else float("nan")


def split_by_group(groups: np.ndarray, seed: int = 0) -> np.ndarray:
    """Boolean mask: True for the probe's training half, split by whole groups."""
    unique = np.unique(groups)
    rng = np.random.default_rng(seed)
    train_groups = set(rng.permutation(unique)[: max(1, len(unique) // 2)].tolist())
    return np.array([g in train_groups for g in groups])


def probe_features(
    features: dict[str, torch.Tensor],
    expressions: torch.Tensor,
    subjects: np.ndarray,
    sequences: np.ndarray,
    neutral_index: int = 0,
    seed: int = 0,
) -> dict:
    """Probe accuracies (and chance) for expression and identity from each feature.

    expressions: ``(N,)`` class labels; neutral images are left out of the expression probe.
    subjects, sequences: ``(N,)`` strings; sequences are made unique per subject here.
    """
    subjects = np.asarray(subjects).astype(str)
    seq_ids = np.char.add(np.char.add(subjects, "/"), np.asarray(sequences).astype(str))
    expressive = (expressions != neutral_index).numpy()
    by_subject = split_by_group(subjects[expressive], seed)
    by_sequence = split_by_group(seq_ids, seed)
    # identity must be learnable: keep subjects that appear on both sides of the split
    both = set(subjects[by_sequence]) & set(subjects[~by_sequence])
    keep_id = np.array([s in both for s in subjects])
    subject_codes = torch.tensor(np.unique(subjects, return_inverse=True)[1])
    out = {}
    for name, x in features.items():
        xe, ye = x[expressive], expressions[expressive]
        tr = torch.tensor(by_subject)
        row = {
            "expression": fit_linear_probe(xe[tr], ye[tr], xe[~tr], ye[~tr]),
            "expression_chance": majority_rate(ye[~tr]),
        }
        if keep_id.sum() >= 4:
            tr = torch.tensor(by_sequence & keep_id)
            te = torch.tensor(~by_sequence & keep_id)
            row["identity"] = fit_linear_probe(x[tr], subject_codes[tr], x[te], subject_codes[te])
            row["identity_chance"] = majority_rate(subject_codes[te])
        out[name] = row
    return out


def probe_run(data_dir: str | Path, run: str | Path, model: str = "adfl", progress=True) -> dict:
    """Probe every finished fold of ``RUN/<model>``; mean over folds, written to
    ``RUN/probes_<model>.json``."""
    from adfl_teach.cv import CHECKPOINT, fold_dir, read_result
    from adfl_teach.data.prepared import load_prepared
    from adfl_teach.runtime import atomic_write_json
    from adfl_teach.training import load_model

    data = load_prepared(data_dir)
    folds = [k for k in range(data.num_folds) if read_result(run, model, k) is not None]
    if not folds:
        raise FileNotFoundError(f"{run}/{model}: no finished folds to probe")
    per_fold = {}
    for k in progress_bar(folds, desc="probing folds", enabled=progress):
        net, state = load_model(fold_dir(run, model, k) / CHECKPOINT)
        config_crop = tuple(state["config"]["data"]["crop"])
        canvas = tuple(state["config"]["data"]["canvas"])
        test = data.folds == k
        images = data.images(canvas)[torch.from_numpy(test)]
        feats = extract_features(net, images, config_crop)
        per_fold[k] = probe_features(
            feats,
            torch.from_numpy(data.labels[test]),
            data.subjects[test],
            data.sequences[test],
            data.neutral_index,
        )
    table = {}
    for name in per_fold[folds[0]]:
        keys = sorted({key for k in folds for key in per_fold[k][name]})
        # a fold too small for the identity probe has no identity entry: average what exists
        table[name] = {
            key: float(np.mean([per_fold[k][name][key] for k in folds if key in per_fold[k][name]]))
            for key in keys
        }
    result = {"model": model, "folds": folds, "mean": table, "per_fold": per_fold}
    atomic_write_json(Path(run) / f"probes_{model}.json", result)
    return result


def format_probes(result: dict) -> str:
    lines = [
        f"Linear probes on frozen test-fold features ({result['model']}, folds {result['folds']})",
        f"{'feature':<8} {'expression %':>13} {'chance %':>9} {'identity %':>11} {'chance %':>9}",
    ]
    for name, row in result["mean"].items():
        ident = row.get("identity", float("nan"))
        ichance = row.get("identity_chance", float("nan"))
        lines.append(
            f"{name:<8} {100 * row['expression']:>13.1f} {100 * row['expression_chance']:>9.1f} "
            f"{100 * ident:>11.1f} {100 * ichance:>9.1f}"
        )
    return "\n".join(lines)
