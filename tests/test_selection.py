"""Selection without the test fold: the validation split of the training subjects, the
selection jobs that use it, and proof that they never receive a test-fold image."""

import numpy as np
import pytest
from prepared_fakes import write_prepared

from adfl_teach.config import get_preset
from adfl_teach.data.imageset import ImageSet
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments import jobs as jobs_module
from adfl_teach.experiments.cv import RunMismatchError, cross_validate, plan_jobs
from adfl_teach.experiments.jobs import run_jobs
from adfl_teach.experiments.rundir import read_run
from adfl_teach.experiments.selection import (
    VALIDATION_FRACTION,
    selection_split,
    validation_subjects,
)
from adfl_teach.teaching.toydata import striped_imageset

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """20 subjects x 10 striped images, two subjects per fold."""
    data = striped_imageset(200, seed=1, num_classes=len(CLASSES))
    data = ImageSet(data.images, data.labels, np.array([f"S{i % 20:03d}" for i in range(200)]))
    return write_prepared(tmp_path_factory.mktemp("sel") / "prepared", data, CLASSES)


def smoke(epochs=2):
    return get_preset("smoke").replace(optim={"epochs": epochs})


def test_validation_subjects_are_a_stated_share_fixed_by_the_fold():
    subjects = [f"S{i:03d}" for i in range(18)]
    held = validation_subjects(subjects, fold=3)
    assert len(held) == 4  # ceil(0.2 * 18)
    assert set(held) <= set(subjects)
    assert validation_subjects(list(reversed(subjects)), fold=3) == held  # order-free
    assert validation_subjects(subjects, fold=4) != held  # another fold, another draw
    assert len(validation_subjects(subjects[:2], fold=0)) == 1  # never all of them
    assert len(validation_subjects(subjects, fold=0, fraction=0.99)) == 17


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1])
def test_a_fraction_outside_zero_one_is_refused(fraction):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        validation_subjects(["a", "b", "c"], 0, fraction)


def test_one_training_subject_cannot_be_split():
    with pytest.raises(ValueError, match="need at least 2"):
        validation_subjects(["S001"], fold=2)


def test_selection_split_holds_no_test_fold_subject_and_is_subject_disjoint(tiny):
    data = load_prepared(tiny)
    for fold in range(data.num_folds):
        inner, val = selection_split(data, fold, (64, 55))
        test_subjects = set(data.subjects[data.folds == fold])
        assert not (set(inner.subjects) | set(val.subjects)) & test_subjects
        assert not set(inner.subjects) & set(val.subjects)
        everyone_else = set(data.subjects[data.folds != fold])
        assert set(inner.subjects) | set(val.subjects) == everyone_else
        assert len(set(val.subjects)) == int(np.ceil(VALIDATION_FRACTION * len(everyone_else)))


def test_a_selection_job_never_receives_a_test_fold_image(tiny, tmp_path, monkeypatch):
    """Every ImageSet a selection job hands to training or scoring is recorded: none holds
    a subject of the job's test fold (fold 0's subjects here)."""
    data = load_prepared(tiny)
    test_subjects = set(data.subjects[data.folds == 0])
    seen = []
    real_train, real_evaluate = jobs_module.train, jobs_module.evaluate

    def spy_train(kind, train_set, config, *args, test_set=None, val_set=None, **kwargs):
        seen.extend(s for s in (train_set, test_set, val_set) if s is not None)
        return real_train(kind, train_set, config, *args, test_set=test_set, val_set=val_set,
                          **kwargs)  # fmt: skip

    def spy_evaluate(model, imageset, config, *args, **kwargs):
        seen.append(imageset)
        return real_evaluate(model, imageset, config, *args, **kwargs)

    monkeypatch.setattr(jobs_module, "train", spy_train)
    monkeypatch.setattr(jobs_module, "evaluate", spy_evaluate)
    planned = plan_jobs(data, tmp_path / "run", smoke(), ("adfl", "baseline"), [0],
                        validation=VALIDATION_FRACTION)  # fmt: skip
    results = run_jobs(data, planned, progress=False)
    assert len(seen) == 6  # two trainings (train and validation sets each), two scorings
    for imageset in seen:
        assert not set(imageset.subjects) & test_subjects
    for result in results:
        assert result["scored_on"] == "validation"
        assert not set(result["test_subjects"]) & test_subjects  # the scored subjects
        assert set(result["test_subjects"]) == set(
            validation_subjects(data.subjects[data.folds != 0].tolist(), 0)
        )
        assert len(result["history"]) == 2
        assert all(0 <= epoch["val_accuracy"] <= 1 for epoch in result["history"])
        assert not any("test_accuracy" in epoch for epoch in result["history"])


def test_selection_and_test_runs_never_share_a_run_folder(tiny, tmp_path):
    data = load_prepared(tiny)
    run = tmp_path / "run"
    plan_jobs(data, run, smoke(), ("baseline",), [0], validation=VALIDATION_FRACTION)
    assert read_run(run)["identity"]["selection"] == {
        "scored_on": "validation",
        "validation_fraction": VALIDATION_FRACTION,
    }
    with pytest.raises(RunMismatchError, match="selection"):
        cross_validate(tiny, run, smoke(), ("baseline",), [0], progress=False)


def test_selection_split_refuses_a_fold_outside_the_dataset(tiny):
    # without the check every row is "outside fold 12" and the whole dataset is training
    with pytest.raises(ValueError, match=r"prepared: fold 12 outside 0..9"):
        selection_split(load_prepared(tiny), 12, (64, 55))
