"""The study's findings text, tables and figures are read from the reports: an incomplete
grid gives no verdict, a complete headline gives its numbers, every figure has its labels."""

import pytest

from adfl_teach.experiments import study
from adfl_teach.experiments.study_findings import (
    PAPER_GAIN_CKPLUS,
    grid_table,
    grid_text,
    plateau_text,
    regimes_table,
    runs_table,
    truth_table,
    verdict_text,
)
from adfl_teach.teaching import study_plots
from adfl_teach.teaching.plotting import figure_has_axis_labels, has_chance_line

FOLDS = [0, 1]


def result(accuracy, epochs=5):
    history = [
        {"train_accuracy": min(1.0, 0.2 * (e + 1)), "val_accuracy": 0.5, "lr": 1e-3}
        for e in range(epochs)
    ]
    return {"accuracy": accuracy, "num_test_images": 10, "history": history, "seconds": 1.0}


def model(accs_per_seed):
    return study.model_report(
        {s: {k: result(a) for k, a in enumerate(accs)} for s, accs in enumerate(accs_per_seed)},
        FOLDS,
    )


def run(report, total=None):
    """A headline run row: the model's report with its jobs wanted (default: all done)."""
    return {**report, "jobs_total": report["jobs_done"] if total is None else total,
            "lr": 2e-3, "schedule": "constant", "epochs": 45, "lambda_n": 10.0}  # fmt: skip


def headline_report(adfl, base, base_total=None):
    return {
        "folds": FOLDS,
        "runs": {"adfl": run(adfl), "baseline": run(base, base_total)},
        "comparisons": {"adfl - baseline": study.paired_difference(adfl, base)},
    }


def grid_report(complete=True):
    rows = {}
    for point, (a, b) in zip(study.GRID[:2], [(0.70, 0.80), (0.76, 0.74)]):
        adfl = model([[a, a], [a + 0.02, a], [a - 0.01, a]])
        base = model([[b, b], [b + 0.01, b], [b - 0.02, b]]) if complete else model([])
        rows[point.name] = {
            "lr": point.lr, "schedule": point.schedule, "budget": point.budget, "epochs": 15,
            "jobs_total": 12, "models": {"adfl": adfl, "baseline": base},
            "difference": study.paired_difference(adfl, base),
        }  # fmt: skip
    study.adjust_p_values({n: r["difference"] for n, r in rows.items()})
    return {"points": rows, "selection": study.select_points(rows, 3)}


def test_an_incomplete_grid_gives_progress_and_no_verdict():
    grid = grid_report(complete=False)
    text = verdict_text(grid, None)
    assert "still running: 12 of 24 grid jobs" in text
    assert "ADFL is" not in text
    assert verdict_text(None, None).startswith("The study has not run yet")


def test_the_verdict_quotes_the_headline():
    grid = grid_report()
    adfl, base = model([[0.8, 0.8], [0.82, 0.8], [0.81, 0.8]]), model([[0.7] * 2] * 3)
    headline = headline_report(adfl, base)
    text = verdict_text(grid, headline)
    assert "ADFL is better than its baseline here" in text
    assert f"ADFL scores {100 * adfl['mean']:.2f} %" in text
    assert "3 seeds x 2 folds" in text
    assert f"{PAPER_GAIN_CKPLUS:+.2f}" == "+3.98" and "+3.98" in text
    headline["comparisons"]["adfl - baseline"]["verdict"] = "no difference shown"
    assert "show no difference" in verdict_text(grid, headline)


def test_a_complete_grid_names_its_choice_and_the_headline_progress_but_no_verdict():
    grid = grid_report()
    chosen = grid["selection"]
    for headline, state in (
        (None, "has not started"),
        # the baseline has 6 of its 12 jobs: a partial comparison exists, still no verdict
        (headline_report(model([[0.8, 0.8]] * 3), model([[0.7, 0.7]] * 3), 12), "(12 of 18 jobs)"),
    ):
        text = verdict_text(grid, headline)
        assert text.startswith("The grid is complete (24 jobs")
        assert f"ADFL: {chosen['adfl']}; baseline: {chosen['baseline']}" in text
        assert state in text and "no verdict yet" in text
        assert "ADFL is better" not in text and "ADFL scores" not in text
        assert "under its table" in text
    table = runs_table(headline, "headline")
    assert "(so far; running: 6 of 12 jobs)" in table
    assert "(interim, not a verdict: ADFL helps" in table
    one = headline_report(model([[0.8, 0.8]] * 3), model([[0.7, 0.7]]), 12)  # one seed done
    table = runs_table(one, "headline")
    assert "| 70.00 (one seed: no interval) (so far; running: 2 of 12 jobs) |" in table
    assert "adfl - baseline: +10.00 points on one seed so far (an anecdote" in table


def test_grid_text_counts_signs_intervals_and_budgets():
    grid = grid_report()
    text = grid_text(grid)
    assert "ADFL is below its baseline at 1 of 2 grid points" in text
    low, high = sorted(100 * r["difference"]["mean"] for r in grid["points"].values())
    assert f"from {low:+.2f} to {high:+.2f} points" in text
    first, second = (study.GRID[0].name, study.GRID[1].name)
    assert f"excludes 0 only for 'ADFL hurts' at {first} and 'ADFL helps' at {second}." in text
    grid["points"][second]["difference"]["ci95"] = [-0.01, 0.05]
    grid["points"][second]["difference"]["verdict"] = "no difference shown"
    assert f"only for 'ADFL hurts' at {first}." in grid_text(grid)
    assert grid_text(grid_report(complete=False)) == ""


def test_the_grid_table_has_a_line_per_point_with_intervals():
    grid = grid_report()
    table = grid_table(grid).splitlines()
    assert len(table) == 2 + len(grid["points"])
    first = next(iter(grid["points"].values()))
    assert f"{100 * first['models']['adfl']['mean']:.2f} [" in table[2]
    assert table[2].endswith("| 12/12 |")
    assert "not run yet" in grid_table(grid_report(complete=False))
    one = grid_report()
    row = next(iter(one["points"].values()))
    row["models"]["adfl"]["ci95"] = None
    assert "(one seed: no interval)" in grid_table(one)


def test_plateau_text_reports_the_last_fifth_gain():
    grid = grid_report()
    text = plateau_text(grid)
    assert "adfl +20.0" in text  # 0.8 -> 1.0 over the last epoch of five
    assert f"Still gaining more than 1 point at the end: {study.GRID[0].name} (adfl, +20.0)" in text
    assert "That includes adfl's and baseline's chosen point" in text
    for row in grid["points"].values():  # flat at the end: a plateau, nothing flagged
        for m in row["models"].values():
            m["curves"]["train_accuracy"][-1] = m["curves"]["train_accuracy"][-2] + 0.01
    assert "Still gaining" not in plateau_text(grid)


def test_truth_table_lists_each_feature():
    truth = {
        "adfl": {"r2": {"f_n": {"identity": {"mean": 0.9, "ci95": [0.8, 1.0]},
                                "aus": {"mean": 0.1, "ci95": None}}}},
    }  # fmt: skip
    truth["reference"] = {"pixels": {"identity": {"mean": 0.25, "ci95": [0.2, 0.3]},
                                     "aus": {"mean": 0.47, "ci95": [0.4, 0.5]}}}  # fmt: skip
    table = truth_table(truth)
    assert "| adfl | f_n | 0.900 [0.800, 1.000] | 0.100 |" in table
    assert (
        "| reference (no model) | pixels | 0.250 [0.200, 0.300] | 0.470 [0.400, 0.500] |" in table
    )


@pytest.mark.usefixtures("book_style")
def test_the_study_figures_have_labels_and_a_chance_line():
    grid = grid_report()
    assert figure_has_axis_labels(study_plots.plot_surface(grid))
    curves = study_plots.plot_training_curves(grid, chance=1 / 7)
    assert figure_has_axis_labels(curves)
    assert all(has_chance_line(ax) for ax in curves.axes if ax.get_visible())
    regimes = {
        "regimes": {
            "subjects": {"30": {"difference": grid["points"][study.GRID[0].name]["difference"]}}
        }
    }
    assert figure_has_axis_labels(study_plots.plot_regimes(regimes))
    truth = {
        "adfl": {"r2": {"f_n": {"identity": {"mean": 0.9, "ci95": [0.8, 1.0]},
                                "aus": {"mean": 0.1, "ci95": [0.0, 0.2]}}}},
        "reference": {"pixels": {"identity": {"mean": 0.25}, "aus": {"mean": 0.47}}},
    }  # fmt: skip
    figure = study_plots.plot_truth(truth)
    assert figure_has_axis_labels(figure)
    dashed = [ln.get_ydata()[0] for ln in figure.axes[1].lines if ln.get_linestyle() == "--"]
    assert dashed == [0.47]  # the pixel reference of the AU panel


def test_read_reports_gives_none_for_a_phase_not_run(tmp_path):
    import json

    from adfl_teach.experiments.study_findings import PHASES, read_reports

    (tmp_path / "study_grid.json").write_text(json.dumps({"points": {}}))

    def locate(name):
        path = tmp_path / name
        if not path.exists():
            raise FileNotFoundError(path)
        return path

    reports = read_reports(locate)
    assert set(reports) == set(PHASES)
    assert reports["grid"] == {"points": {}} and reports["headline"] is None


def test_runs_table_says_not_run_and_lists_runs_with_their_comparisons():
    from adfl_teach.experiments.study_findings import runs_table

    assert "Not run yet" in runs_table(None, "headline")
    assert "runs once the grid is done" in runs_table(None, "headline")
    assert "runs once the grid and the headline are done" in runs_table(None, "lambda")
    adfl, base = model([[0.8, 0.8]] * 3), model([[0.7, 0.7], [0.72, 0.7], [0.69, 0.7]])
    row = {"lr": 5e-4, "schedule": "cosine", "epochs": 45, "lambda_n": 10.0}
    report = {
        "folds": FOLDS,
        "runs": {
            "adfl": {**row, **adfl, "jobs_total": 6},
            "baseline": {**row, **base, "mean": None, "jobs_done": 3, "jobs_total": 20},
        },
        "comparisons": {"adfl - baseline": study.paired_difference(adfl, base)},
    }
    text = runs_table(report, "headline")
    assert "| adfl | 0.0005 | cosine | 45 | 10 | 3 x 2 | 80.00 [80.00, 80.00] |" in text
    assert "running: 3 of 20 jobs" in text
    assert "adfl - baseline: +" in text


def test_the_brief_gives_the_studys_progress_then_its_verdict():
    from adfl_teach.experiments.study_findings import study_in_brief

    assert "still running (12 of 24 grid jobs)" in study_in_brief(grid_report(False), None)
    grid = grid_report()
    adfl, base = model([[0.6, 0.6]] * 3), model([[0.7, 0.7], [0.72, 0.7], [0.69, 0.7]])
    headline = headline_report(adfl, base)
    assert study_in_brief(grid, headline).endswith("over 3 seeds: ADFL hurts (chapter 14).")
    running = study_in_brief(grid, headline_report(adfl, base, 20))
    assert "is running (12 of 26 jobs), so chapter 14 gives no verdict yet." in running
    assert "has not started" in study_in_brief(grid, None)


def test_paper_gain_text_places_the_papers_gain_against_the_headline_interval():
    from adfl_teach.experiments.study_findings import paper_gain_text

    def headline(diff_per_seed):
        adfl = model([[0.7 + d, 0.7 + d] for d in diff_per_seed])
        base = model([[0.7, 0.7]] * len(diff_per_seed))
        row = {"lr": 2e-3, "schedule": "constant", "epochs": 45, "lambda_n": 10.0}
        return {
            "folds": FOLDS,
            "runs": {"adfl": {**row, **adfl, "jobs_total": adfl["jobs_done"]},
                     "baseline": {**row, **base, "jobs_total": base["jobs_done"]}},
            "comparisons": {"adfl - baseline": study.paired_difference(adfl, base)},
        }  # fmt: skip

    behind = paper_gain_text(headline([-0.04, -0.03, -0.05]))
    assert "ahead of its baseline in 0 and behind in 3" in behind
    high = 100 * headline([-0.04, -0.03, -0.05])["comparisons"]["adfl - baseline"]["ci95"][1]
    assert f"lies {PAPER_GAIN_CKPLUS - high:.2f} points above the interval's upper end" in behind
    wide = paper_gain_text(headline([-0.10, 0.12, 0.02]))
    assert f"The paper's {PAPER_GAIN_CKPLUS:+.2f} (CK+) lies inside that interval" in wide
    beyond = paper_gain_text(headline([0.09, 0.10, 0.11]))
    assert "below the interval's lower end" in beyond
    unfinished = headline([-0.04, -0.03, -0.05])
    unfinished["runs"]["baseline"]["jobs_total"] += 1
    assert "nothing to hold against" in paper_gain_text(unfinished)


def test_the_regimes_table_marks_a_level_whose_seeds_are_not_all_done():
    adfl = model([[0.7, 0.7], [0.72, 0.7], [0.69, 0.7]])
    partial = model([[0.8, 0.8], [0.81, 0.8]])  # two of three seeds
    regimes = {
        "seeds": [0, 1, 2],
        "defaults": {"intensity": 0.85},
        "regimes": {"intensity": {
            "0.85": {"models": {"adfl": adfl, "baseline": adfl},
                     "difference": study.paired_difference(adfl, adfl)},
            "1.25": {"models": {"adfl": adfl, "baseline": partial},
                     "difference": study.paired_difference(adfl, partial)},
            "0.45": {"models": {"adfl": model([]), "baseline": model([])}, "difference": None},
        }},
    }  # fmt: skip
    lines = regimes_table(regimes).splitlines()
    assert "seeds done (ADFL, baseline; of 3)" in lines[0]
    assert lines[2].startswith("| intensity | 0.85 (default) |") and "| 3, 3 |" in lines[2]
    assert lines[3].startswith("| intensity | 1.25 |") and "| 3, 2 |" in lines[3]
    assert "not run yet | not run yet | 0, 0 | - |" in lines[4]
