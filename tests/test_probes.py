"""Probes recover structure that is there, and find none where there is none."""

import numpy as np
import torch

from adfl_teach.probes import fit_linear_probe, majority_rate, probe_features, split_by_group


def structured_features(seed=0, n_subjects=12, per_subject=24, classes=5):
    """f_e-like: expression in dims 0-3; f_n-like: identity only; noise: nothing."""
    g = torch.Generator().manual_seed(seed)
    subjects = np.repeat([f"S{i:02d}" for i in range(n_subjects)], per_subject)
    sequences = np.tile(np.repeat(np.arange(per_subject // 4), 4), n_subjects).astype(str)
    labels = torch.tensor(np.tile(np.arange(per_subject) % classes, n_subjects))
    expr_centres = torch.randn(classes, 4, generator=g) * 4
    subj_centres = torch.randn(n_subjects, 6, generator=g) * 4
    subj_idx = torch.tensor(np.repeat(np.arange(n_subjects), per_subject))
    n = len(labels)
    noise = lambda d: torch.randn(n, d, generator=g)  # noqa: E731
    f_expr = torch.cat([expr_centres[labels] + noise(4), noise(4)], 1)
    f_ident = torch.cat([subj_centres[subj_idx] + noise(6), noise(2)], 1)
    return (
        {"expression_only": f_expr, "identity_only": f_ident, "noise": noise(8)},
        labels,
        subjects,
        sequences,
    )


def test_probes_recover_known_structure():
    feats, labels, subjects, sequences = structured_features()
    result = probe_features(feats, labels, subjects, sequences, neutral_index=0)
    e, i, z = result["expression_only"], result["identity_only"], result["noise"]
    assert e["expression"] > 0.9 and e["expression"] > e["expression_chance"] + 0.5
    assert i["identity"] > 0.9 and i["identity"] > i["identity_chance"] + 0.5
    assert i["expression"] < i["expression_chance"] + 0.2  # identity carries no expression
    assert e["identity"] < 0.35  # expression carries little identity (chance 1/12)
    assert z["expression"] < z["expression_chance"] + 0.2 and z["identity"] < 0.35


def test_linear_probe_on_separable_data():
    x = torch.cat([torch.randn(50, 3) + 5, torch.randn(50, 3) - 5])
    y = torch.tensor([0] * 50 + [1] * 50)
    assert fit_linear_probe(x[::2], y[::2], x[1::2], y[1::2]) == 1.0


def test_group_split_keeps_groups_whole_and_chance_is_majority():
    groups = np.array(["a", "a", "b", "b", "c", "c", "d"])
    mask = split_by_group(groups)
    for g in set(groups):
        assert len(set(mask[groups == g])) == 1
    assert 0 < mask.sum() < len(groups)
    assert majority_rate(torch.tensor([1, 1, 1, 2])) == 0.75
