"""The study's phases end to end on tiny data: the grid scores validation subjects only,
the headline refuses half a grid, then runs the chosen settings on the test folds; the
ground truth lines up with the prepared images; R^2 tells a feature that holds a target
from one that does not."""

from dataclasses import replace

import numpy as np
import pytest
from fakes import SMALL_SYNTH
from prepared_fakes import write_prepared

from adfl_teach.config import get_preset
from adfl_teach.data.imageset import ImageSet
from adfl_teach.data.prepare import prepare
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments import headline, study, truth
from adfl_teach.experiments.rundir import read_result
from adfl_teach.synth import generate_database
from adfl_teach.teaching.toydata import striped_imageset

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")
POINTS = study.GRID[:2]
FOLDS = [0, 1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    data = striped_imageset(200, seed=2, num_classes=len(CLASSES))
    data = ImageSet(data.images, data.labels, np.array([f"S{i % 20:03d}" for i in range(200)]))
    return load_prepared(write_prepared(tmp_path_factory.mktemp("ph") / "prepared", data, CLASSES))


@pytest.fixture(scope="module")
def grid(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    base = get_preset("smoke").replace(optim={"epochs": 1})
    study.run_grid(tiny, out / "grid", base, POINTS, (0,), FOLDS, progress=False)
    return out, base, study.grid_report(out / "grid", POINTS, (0,), FOLDS, base)


def test_the_grid_scores_validation_subjects_and_chooses_per_model(tiny, grid):
    out, _, report = grid
    assert report["scored_on"] == "validation"
    for point in POINTS:
        row = report["points"][point.name]
        assert row["models"]["adfl"]["jobs_done"] == row["jobs_total"] // 2 == 2
        result = read_result(out / "grid" / point.name, "baseline", 1, 0)
        assert result["scored_on"] == "validation"
        assert not set(result["test_subjects"]) & set(tiny.subjects[tiny.folds == 1])
    assert set(report["selection"].values()) <= {p.name for p in POINTS}


def test_the_headline_refuses_half_a_grid(tiny, grid):
    _, base, report = grid
    half = {**report, "selection": {"adfl": None, "baseline": POINTS[0].name}}
    with pytest.raises(ValueError, match=r"not complete \(\d+ of \d+ jobs\).*adfl"):
        headline.headline_runs(tiny, half, base)


def test_the_headline_runs_the_chosen_settings_on_the_test_folds(tiny, grid):
    out, base, report = grid
    runs = headline.headline_runs(tiny, report, base, seeds=(0, 1), equal_seeds=(0,))
    adfl_point = study.grid_point(report["selection"]["adfl"])
    assert runs["adfl"].config == adfl_point.config(base)
    equal = runs[headline.EQUAL_STEPS]
    assert equal.model == "baseline" and equal.config.optim.lr == adfl_point.lr
    ratio = len(tiny.labels) / int((tiny.labels != tiny.neutral_index).sum())
    assert equal.config.optim.epochs == round(adfl_point.config(base).optim.epochs * ratio)
    headline.run_phase(tiny, out / "headline", runs, FOLDS, progress=False)
    result = headline.headline_report(out / "headline", runs, FOLDS)
    assert result["scored_on"] == "test"
    assert result["runs"]["adfl"]["seeds"] == [0, 1]
    assert set(result["runs"]["adfl"]["confusion"]) == {"0", "1"}
    assert set(result["runs"]["adfl"]["confusion"]["1"]) == {"0", "1"}
    history = result["runs"]["adfl"]["histories"]["1"]["0"]
    assert len(history["train_accuracy"]) == runs["adfl"].config.optim.epochs
    assert {"l_n", "dispeller_accuracy", "total"} <= set(history)
    comparison = result["comparisons"]["adfl - baseline"]
    assert comparison["seeds"] == [0, 1] and "wilcoxon_p_bh" in comparison
    tested = read_result(out / "headline" / "adfl", "adfl", 1, 1)
    assert tested["scored_on"] == "test"
    assert set(tested["test_subjects"]) == set(tiny.subjects[tiny.folds == 1])


def test_lambda_runs_change_only_lambda_n(grid):
    _, base, report = grid
    runs = headline.lambda_runs(report, base)
    assert [r.config.loss.lambda_n for r in runs.values()] == list(headline.LAMBDA_N)
    configs = {r.config.replace(loss={"lambda_n": 10.0}) for r in runs.values()}
    assert len(configs) == 1


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("truth")
    raw = generate_database(root / "synthetic", seed=3, config=replace(SMALL_SYNTH, subjects=10),
                            progress=False)  # fmt: skip
    prepare("ckplus", raw, root / "prepared", detector="landmarks", progress=False)
    return raw, load_prepared(root / "prepared")


def test_ground_truth_matches_each_prepared_image(synthetic):
    raw, data = synthetic
    targets = truth.ground_truth(data, raw)
    assert targets["identity"].shape[0] == targets["aus"].shape[0] == len(data)
    for subject in set(data.subjects):  # one identity vector per subject, distinct ones
        rows = targets["identity"][data.subjects == subject]
        assert np.all(rows == rows[0])
    assert len({tuple(r) for r in targets["identity"]}) == len(set(data.subjects))
    neutral = data.labels == data.neutral_index
    au_sum = targets["aus"].sum(axis=1)
    assert au_sum[neutral].mean() < 0.5 * au_sum[~neutral].mean()  # first frames vs apexes


def test_ground_truth_refuses_another_database(synthetic, tmp_path):
    raw, data = synthetic
    other = generate_database(tmp_path / "other", seed=4, config=replace(SMALL_SYNTH, subjects=2),
                              progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="no ground truth for"):
        truth.ground_truth(data, other)


def test_r2_finds_the_feature_that_holds_the_target_and_fits_on_training_rows_only(monkeypatch):
    from sklearn.pipeline import Pipeline

    fitted_rows = []
    real_fit = Pipeline.fit

    def spy_fit(self, x, y=None, **kwargs):
        fitted_rows.append(len(x))
        return real_fit(self, x, y, **kwargs)

    monkeypatch.setattr(Pipeline, "fit", spy_fit)
    rng = np.random.default_rng(0)
    n = 400
    identity, aus = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
    features = {
        "f_n": np.hstack([identity @ rng.normal(size=(3, 8)), rng.normal(size=(n, 2))]),
        "f_r": np.hstack([aus @ rng.normal(size=(2, 8)), 0.01 * rng.normal(size=(n, 2))]),
    }
    train = np.arange(n) < 300
    table = truth.r2_fold(features, {"identity": identity, "aus": aus}, train)
    assert table["f_n"]["identity"] > 0.95 and table["f_r"]["aus"] > 0.95
    assert table["f_n"]["aus"] < 0.1 and table["f_r"]["identity"] < 0.1
    assert fitted_rows == [300] * 4  # two features x two targets, training rows only
