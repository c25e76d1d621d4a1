"""Seeds and jobs: the per-seed layout, the summary over seeds, and --jobs equivalence."""

import json

import numpy as np
import pytest
import torch
from prepared_fakes import write_prepared
from scipy import stats as scipy_stats

from adfl_teach.cli import main
from adfl_teach.config import get_preset
from adfl_teach.data.imageset import ImageSet
from adfl_teach.experiments.cv import cross_validate
from adfl_teach.experiments.rundir import fold_dir
from adfl_teach.experiments.summary import format_summary, summarize

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")


@pytest.fixture
def tiny(tmp_path, striped):
    data = striped(80, seed=0, num_classes=len(CLASSES))
    subjects = np.array([f"S{i % 10:03d}" for i in range(80)])
    return write_prepared(
        tmp_path / "prepared", ImageSet(data.images, data.labels, subjects), CLASSES
    )


def test_cv_with_two_seeds_lays_out_and_summarizes_each_seed(tiny, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["cv", "--data", str(tiny), "--out", str(run), "--seeds", "0,1", "--folds", "0,1",
            "--preset", "smoke", "--epochs", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert "mean and CI: 95 % Student-t interval" in capsys.readouterr().out
    found = sorted(p.relative_to(run).as_posix() for p in run.glob("seed_*/*/fold_*/*"))
    assert found == [
        f"seed_{s}/{m}/fold_{k}/{f}"
        for s in (0, 1)
        for m in ("adfl", "baseline")
        for k in (0, 1)
        for f in (".lock", "checkpoint.pt", "result.json")
    ]
    results = {
        (s, m, k): json.loads((fold_dir(run, m, k, s) / "result.json").read_text())
        for s in (0, 1)
        for m in ("adfl", "baseline")
        for k in (0, 1)
    }
    assert all(r["seed"] == s and r["identity"]["seed"] == s for (s, _, _), r in results.items())
    assert results[0, "adfl", 0]["history"] != results[1, "adfl", 0]["history"]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["seeds"] == [0, 1]
    for m in ("adfl", "baseline"):
        per_seed = []
        for s in (0, 1):
            rs = [results[s, m, k] for k in (0, 1)]
            correct = sum(round(r["accuracy"] * r["num_test_images"]) for r in rs)
            per_seed.append(correct / sum(r["num_test_images"] for r in rs))
        s = summary["models"][m]
        assert s["per_seed"] == {"0": per_seed[0], "1": per_seed[1]}
        assert s["mean_accuracy"] == pytest.approx(np.mean(per_seed))
        if per_seed[0] != per_seed[1]:
            low, high = scipy_stats.t.interval(
                0.95, 1, loc=np.mean(per_seed), scale=scipy_stats.sem(per_seed)
            )
            assert s["ci95"] == pytest.approx([low, high])
    diffs = [
        np.mean([results[s, "adfl", k]["accuracy"] - results[s, "baseline", k]["accuracy"]
                 for s in (0, 1)])
        for k in (0, 1)
    ]  # fmt: skip
    assert summary["paired"]["differences"] == pytest.approx(diffs)
    assert summary["paired"]["wilcoxon_p"] == pytest.approx(scipy_stats.wilcoxon(diffs).pvalue)


def test_one_seed_is_called_an_anecdote(tiny, tmp_path):
    run = tmp_path / "run"
    cross_validate(tiny, run, get_preset("smoke").replace(optim={"epochs": 1}), ("adfl",), [0],
                   progress=False)  # fmt: skip
    summary = summarize(run, figures=False)
    assert summary["seeds"] == [0] and summary["models"]["adfl"]["ci95"] is None
    assert "one seed: an anecdote, no CI" in format_summary(summary)


def test_more_seeds_later_reuse_the_finished_ones(tiny, tmp_path):
    run, config = tmp_path / "run", get_preset("smoke").replace(optim={"epochs": 1})
    cross_validate(tiny, run, config, ("baseline",), [0], seeds=[0], progress=False)
    stamp = (fold_dir(run, "baseline", 0, 0) / "result.json").stat().st_mtime_ns
    done = cross_validate(tiny, run, config, ("baseline",), [0], seeds=[0, 2], progress=False)
    assert sorted(done.by_seed) == [0, 2]
    assert (fold_dir(run, "baseline", 0, 0) / "result.json").stat().st_mtime_ns == stamp


def test_jobs_in_worker_processes_give_the_results_of_one_job_at_a_time(tiny, tmp_path):
    config = get_preset("smoke").replace(optim={"epochs": 2})
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)  # what each of two workers gets from two threads
        one = cross_validate(tiny, tmp_path / "one", config, ("adfl",), [0, 1], progress=False)
        torch.set_num_threads(2)
        two = cross_validate(tiny, tmp_path / "two", config, ("adfl",), [0, 1], progress=False,
                             jobs=2)  # fmt: skip
    finally:
        torch.set_num_threads(before)
    for k in (0, 1):
        a, b = one.results["adfl"][k], two.results["adfl"][k]
        assert a["predictions"] == b["predictions"] and a["accuracy"] == b["accuracy"]
        assert [h["total"] for h in a["history"]] == [h["total"] for h in b["history"]]


def test_a_fold_or_seed_below_chance_is_warned_about(tiny, tmp_path):
    run = tmp_path / "run"
    cross_validate(tiny, run, get_preset("smoke").replace(optim={"epochs": 1}), ("adfl",), [0, 1],
                   progress=False)  # fmt: skip
    summary = summarize(run, figures=False)
    adfl = summary["models"]["adfl"]
    assert len(adfl["classes"]) - 1 == 4  # chance: 1 of 4 expression classes, 25 %
    adfl["fold_accuracies"], adfl["per_seed"] = [0.5, 0.25], {"0": 0.375}
    assert "below chance" not in format_summary(summary)  # at chance is no warning
    adfl["fold_accuracies"], adfl["per_seed"] = [0.5, 0.0], {"0": 0.24}
    warnings = [line for line in format_summary(summary).splitlines() if "chance" in line]
    assert warnings == [
        "warning: adfl is below chance (25.0 % = 1 of 4 expression classes) on fold 1 0.0 %, "
        "seed 0 24.0 %: a broken run (collapsed model, too short a preset, wrong labels?), not "
        "a result"
    ]
