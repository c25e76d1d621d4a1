"""Probes: fit on the training folds only, recover structure that is there, find none where
there is none, report the dummy's chance and a CI over seeds from scipy."""

import json

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.dummy import DummyClassifier

from adfl_teach.experiments import probes
from adfl_teach.experiments.probes import (
    finished_folds,
    format_probes,
    probe_fold,
    sequence_split,
    summarise_probes,
)

N_SUBJECTS, PER_SUBJECT, CLASSES, TEST_SUBJECTS = 12, 24, 5, 3
CLASS_NAMES = ("neutral", "anger", "happiness", "sadness", "surprise")


def structured_features(seed=0):
    """f_e-like: expression in dims 0-3; f_n-like: identity only; noise: nothing.

    12 subjects x 6 sequences x 4 frames; the last 3 subjects form the test fold.
    """
    g = torch.Generator().manual_seed(seed)
    subjects = np.repeat([f"S{i:02d}" for i in range(N_SUBJECTS)], PER_SUBJECT)
    sequences = np.tile(np.repeat(np.arange(PER_SUBJECT // 4), 4), N_SUBJECTS).astype(str)
    labels = np.tile(np.arange(PER_SUBJECT) % CLASSES, N_SUBJECTS)
    expr_centres = torch.randn(CLASSES, 4, generator=g) * 4
    subj_centres = torch.randn(N_SUBJECTS, 6, generator=g) * 4
    subj_idx = np.repeat(np.arange(N_SUBJECTS), PER_SUBJECT)
    n = len(labels)

    def noise(d):
        return torch.randn(n, d, generator=g)

    f_expr = torch.cat([expr_centres[labels] + noise(4), noise(4)], 1)
    f_ident = torch.cat([subj_centres[subj_idx] + noise(6), noise(2)], 1)
    features = {"expression_only": f_expr, "identity_only": f_ident, "noise": noise(8)}
    train = subj_idx < N_SUBJECTS - TEST_SUBJECTS
    return features, labels, subjects, sequences, train


class FitSpy:
    """Wraps a real estimator and records the rows of every ``fit``."""

    def __init__(self, make, calls, kind):
        self.inner, self.calls, self.kind = make(), calls, kind

    def fit(self, x, y):
        self.calls.append((self.kind, np.asarray(x).copy()))
        self.inner.fit(x, y)
        return self

    def score(self, x, y):
        return self.inner.score(x, y)


@pytest.fixture
def fit_calls(monkeypatch):
    calls = []
    make_probe, make_chance = probes.make_probe, probes.make_chance
    monkeypatch.setattr(probes, "make_probe", lambda: FitSpy(make_probe, calls, "probe"))
    monkeypatch.setattr(probes, "make_chance", lambda: FitSpy(make_chance, calls, "chance"))
    return calls


def rows_of(x) -> set:
    return {tuple(r) for r in np.asarray(x, dtype=np.float64).round(6)}


def test_no_probe_sees_a_test_fold_feature_while_fitting(fit_calls):
    features, labels, subjects, sequences, train = structured_features()
    probe_fold(features, labels, subjects, sequences, train, neutral_index=0)
    # 3 features x (expression, identity) x (probe, chance)
    assert sorted(k for k, _ in fit_calls) == ["chance"] * 6 + ["probe"] * 6
    all_test = set().union(*(rows_of(x[~train]) for x in features.values()))
    all_train = set().union(*(rows_of(x[train]) for x in features.values()))
    for _, x in fit_calls:
        fitted = rows_of(x)
        assert not fitted & all_test, "a probe was fit on test-fold rows"
        assert fitted <= all_train


def test_probes_recover_known_structure():
    features, labels, subjects, sequences, train = structured_features()
    result = probe_fold(features, labels, subjects, sequences, train, neutral_index=0)
    e, i, z = result["expression_only"], result["identity_only"], result["noise"]
    assert e["expression"] > 0.9 and e["expression"] > e["expression_chance"] + 0.5
    assert i["identity"] > 0.9 and i["identity"] > i["identity_chance"] + 0.5
    assert i["expression"] < i["expression_chance"] + 0.2  # identity carries no expression
    assert e["identity"] < 0.35  # expression carries little identity (chance 1/9)
    assert z["expression"] < z["expression_chance"] + 0.2 and z["identity"] < 0.35


def test_chance_is_the_dummy_fit_on_the_training_split():
    features, labels, subjects, sequences, train = structured_features()
    labels = labels.copy()
    labels[train & (labels == 1)] = 4  # class 4 dominates the training folds only
    row = probe_fold(features, labels, subjects, sequences, train, neutral_index=0)["noise"]
    fit, score = train & (labels != 0), ~train & (labels != 0)
    x = features["noise"].numpy()
    dummy = DummyClassifier(strategy="most_frequent").fit(x[fit], labels[fit])
    assert row["expression_chance"] == dummy.score(x[score], labels[score]) == pytest.approx(4 / 19)
    # the test fold's own majority rate (classes 1-3, 5 of 19 each) is not the chance level
    assert np.bincount(labels[score]).max() / score.sum() == pytest.approx(5 / 19)


def test_sequence_split_keeps_sequences_whole_and_subjects_on_both_sides():
    subjects = np.array(["a"] * 6 + ["b"] * 4 + ["c"] * 2)
    sequences = np.array(["1", "1", "2", "2", "3", "3", "1", "1", "2", "2", "1", "1"])
    fit, score = sequence_split(subjects, sequences, seed=3)
    assert not (fit & score).any()
    assert not fit[subjects == "c"].any() and not score[subjects == "c"].any()  # one sequence
    for s in ("a", "b"):
        assert fit[subjects == s].any() and score[subjects == s].any()
        for q in set(sequences[subjects == s]):
            rows = (subjects == s) & (sequences == q)
            assert len(set(fit[rows])) == 1, "a sequence was split"


def test_summary_over_seeds_uses_scipy_t_interval():
    per_fold = {
        seed: {k: {"f_n": {"expression": 0.1 * seed + 0.01 * k, "expression_chance": 0.2}}
               for k in (0, 1)}
        for seed in (0, 1, 2)
    }  # fmt: skip
    result = summarise_probes("adfl", per_fold)
    seed_means = [np.mean([0.1 * s, 0.1 * s + 0.01]) for s in (0, 1, 2)]
    assert [result["per_seed"][s]["mean"]["f_n"]["expression"] for s in (0, 1, 2)] == (
        pytest.approx(seed_means)
    )
    expected = stats.t.interval(0.95, 2, loc=np.mean(seed_means), scale=stats.sem(seed_means))
    assert result["ci95"]["f_n"]["expression"] == pytest.approx(expected)
    assert result["mean"]["f_n"]["expression"] == pytest.approx(np.mean(seed_means))
    assert result["ci95"]["f_n"]["expression_chance"] == pytest.approx((0.2, 0.2))
    text = format_probes(json.loads(json.dumps(result)))  # also readable back from JSON
    assert "per seed f_n expression: 0.5, 10.5, 20.5" in text
    assert "ci95" not in summarise_probes("adfl", {0: per_fold[0]})  # one seed: no interval


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A prepared dataset (10 subjects) and a run of ADFL, fold 0, seeds 0 and 1, 1 epoch."""
    from prepared_fakes import write_prepared

    from adfl_teach.config import get_preset
    from adfl_teach.data.imageset import ImageSet
    from adfl_teach.experiments.cv import cross_validate
    from adfl_teach.teaching.toydata import striped_imageset

    root = tmp_path_factory.mktemp("probe_run")
    data = striped_imageset(200, seed=0)
    subjects = np.array([f"S{i % 10:03d}" for i in range(200)])
    prepared = write_prepared(
        root / "prepared", ImageSet(data.images, data.labels, subjects), CLASS_NAMES
    )
    cfg = get_preset("smoke").replace(optim={"epochs": 1})
    cross_validate(prepared, root / "run", cfg, ("adfl",), [0], progress=False, seeds=[0, 1])
    return prepared, root / "run", cfg


def test_probe_run_fits_on_the_training_folds_of_a_trained_run(trained_run, fit_calls):
    from adfl_teach.data.prepared import load_prepared
    from adfl_teach.experiments.rundir import CHECKPOINT, fold_dir
    from adfl_teach.training import load_model

    prepared, run, cfg = trained_run
    result = probes.probe_run(prepared, run, "adfl", progress=False)
    assert result["seeds"] == [0, 1] and result["folds"] == [0]
    assert set(result["mean"]) == set(result["ci95"]) == {"f_e", "f_n", "f_r"}
    assert json.loads((run / "probes_adfl.json").read_text())["seeds"] == [0, 1]
    ds = load_prepared(prepared)
    test_rows = set()
    for seed in (0, 1):
        net, _ = load_model(fold_dir(run, "adfl", 0, seed) / CHECKPOINT)
        features = probes.extract_features(net, ds.images(cfg.data.canvas), cfg.data.crop)
        test_rows |= set().union(*(rows_of(x[ds.folds == 0]) for x in features.values()))
    # 2 seeds x 3 features x (expression, identity) x (probe, chance)
    assert len(fit_calls) == 24 and all(not rows_of(x) & test_rows for _, x in fit_calls)


def test_finished_folds_lists_the_seeds_of_the_run(trained_run):
    _, run, _ = trained_run
    assert {s: sorted(f) for s, f in finished_folds(run, "adfl").items()} == {0: [0], 1: [0]}
    assert list(finished_folds(run, "adfl", seeds=[1])) == [1]
    assert finished_folds(run, "baseline") == {}


def test_probe_run_refuses_a_dataset_the_run_was_not_made_with(trained_run, tmp_path):
    from prepared_fakes import write_prepared

    from adfl_teach.data.imageset import ImageSet
    from adfl_teach.experiments.rundir import RunMismatchError
    from adfl_teach.teaching.toydata import striped_imageset

    _, run, _ = trained_run
    data = striped_imageset(200, seed=5)  # other pixels, same layout
    subjects = np.array([f"S{i % 10:03d}" for i in range(200)])
    other = write_prepared(
        tmp_path / "other", ImageSet(data.images, data.labels, subjects), CLASS_NAMES
    )
    with pytest.raises(RunMismatchError, match="another dataset"):
        probes.probe_run(other, run, "adfl", progress=False)


def test_probe_command_refuses_bad_seeds(tmp_path, capsys):
    from adfl_teach.cli import main

    assert main(["probe", str(tmp_path), "--data", str(tmp_path), "--seeds", "x"]) == 2
    assert "--seeds 'x'" in capsys.readouterr().err
