"""The study's phases end to end on tiny data: the grid scores validation subjects only,
the headline refuses half a grid, then runs the chosen settings on the test folds; the
ground truth lines up with the prepared images; R^2 tells a feature that holds a target
from one that does not."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from fakes import SMALL_SYNTH
from prepared_fakes import write_prepared

from adfl_teach.config import get_preset
from adfl_teach.data.imageset import ImageSet
from adfl_teach.data.prepare import prepare
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments import archive, headline, rundir, study, truth
from adfl_teach.experiments.rundir import fold_dir, read_result
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

    fitted = []
    real_fit = Pipeline.fit

    def spy_fit(self, x, y=None, **kwargs):
        fitted.append(np.asarray(x))
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
    subjects = np.arange(n) % 40
    table = truth.r2_fold(features, {"identity": identity, "aus": aus}, train, subjects)
    assert table["f_n"]["identity"] > 0.95 and table["f_r"]["aus"] > 0.95
    assert table["f_n"]["aus"] < 0.1 and table["f_r"]["identity"] < 0.1
    test_rows = {row.tobytes() for x in features.values() for row in x[~train]}
    assert fitted and all(row.tobytes() not in test_rows for x in fitted for row in x)


def people(n_subjects=40, images=10, dim=60, seed=0):
    """Features that tell people apart (one random code per person, near copies across the
    person's images) and targets unrelated to the codes: a probe can only memorise people."""
    rng = np.random.default_rng(seed)
    subjects = np.repeat(np.arange(n_subjects), images)
    codes = rng.normal(size=(n_subjects, dim))[subjects]
    x = codes + 0.05 * rng.normal(size=codes.shape)
    targets = {t: rng.normal(size=(n_subjects, 4))[subjects] for t in truth.TARGETS}
    return x, targets, subjects


def test_a_feature_that_only_tells_people_apart_scores_near_zero_not_far_below():
    # Leave-one-image-out (or any split that puts one person on both sides) rewards the
    # memorised people: the weakest penalty wins and new people score far below 0.
    x, targets, subjects = people(n_subjects=100, seed=1)
    train = subjects < 80  # 20 new people: a probe that knows nothing scores about -0.1
    table = truth.r2_fold({"f_r": x}, targets, train, subjects)["f_r"]
    assert all(-0.4 < table[t] < 0.05 for t in truth.TARGETS), table  # ungrouped: about -2


def test_the_penalty_is_chosen_per_column_on_held_out_people(monkeypatch):
    from sklearn.model_selection import GroupKFold

    seen = []
    real_split = GroupKFold.split

    def spy_split(self, x, y=None, groups=None):
        for fit, score in real_split(self, x, y, groups):
            seen.append(set(groups[fit]) & set(groups[score]))
            yield fit, score

    monkeypatch.setattr(GroupKFold, "split", spy_split)
    rng = np.random.default_rng(1)
    x, _, subjects = people(images=5)
    y = np.column_stack([x[:, 0] + 0.01 * rng.normal(size=len(x)), rng.normal(size=len(x))])
    alphas = truth.choose_alphas(x, y, subjects)
    assert seen and not any(seen)  # no person on both sides of a split
    assert alphas[0] < alphas[1]  # the readable column keeps a weak penalty, noise a strong one


@pytest.fixture(scope="module")
def probed(synthetic, tmp_path_factory):
    """One ground-truth run with one finished job (and its weights) on the synthetic data."""
    _, data = synthetic
    out = tmp_path_factory.mktemp("ground-truth")
    runs = {
        "adfl": headline.TestRun(get_preset("smoke").replace(optim={"epochs": 1}), "adfl", (0,))
    }
    headline.run_phase(data, out, runs, [0], progress=False)
    return out, runs


def test_truth_report_keeps_each_jobs_r2_beside_its_result_and_reads_it_back(
    synthetic, probed, tmp_path, monkeypatch
):
    raw, data = synthetic
    out, runs = probed
    report = truth.truth_report(data, raw, out, runs, [0], progress=False)
    r2 = report["adfl"]["r2"]
    assert report["adfl"]["seeds"] == [0] and set(r2) == set(truth.FEATURES)
    assert all(set(v) == set(truth.TARGETS) for v in r2.values())
    assert report["adfl"]["test_accuracy"]["jobs_done"] == 1
    assert len(report["reference"]["pixels"]["aus"]["per_fold"]) == 1
    record = fold_dir(out / "adfl", "adfl", 0, 0) / rundir.TRUTH
    assert json.loads(record.read_text())["method"] == truth.METHOD
    assert f"adfl/seed_0/adfl/fold_0/{rundir.TRUTH}" in archive.records(out)

    shutil.copytree(out, tmp_path / "restored")  # another machine: the records, no weights
    (fold_dir(tmp_path / "restored" / "adfl", "adfl", 0, 0) / rundir.CHECKPOINT).unlink()
    monkeypatch.setattr(truth, "load_model", lambda *a: pytest.fail("weights loaded again"))
    again = truth.truth_report(data, raw, tmp_path / "restored", runs, [0], progress=False)
    assert again["adfl"]["r2"] == r2


def test_a_finished_job_without_weights_or_r2_is_one_clear_error(synthetic, probed, tmp_path):
    raw, data = synthetic
    out, runs = probed
    shutil.copytree(out, tmp_path / "copy")
    job = fold_dir(tmp_path / "copy" / "adfl", "adfl", 0, 0)
    (job / rundir.CHECKPOINT).unlink()
    # a record of another method (the withdrawn leave-one-image-out probe) does not count
    (job / rundir.TRUTH).write_text(json.dumps({"method": "leave-one-image-out", "r2": {}}))
    with pytest.raises(FileNotFoundError, match="weights are gone"):
        truth.truth_report(data, raw, tmp_path / "copy", runs, [0], progress=False)
