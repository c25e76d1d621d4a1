"""`adfl-teach reproduce`: the layout, the report's statistics and what it lists as missing."""

import json
import shutil

import numpy as np
import pytest
from scipy import stats

from adfl_teach.cli import main
from adfl_teach.diagnostics import collapse_signature
from adfl_teach.experiments.findings import markdown_table, wall_time
from adfl_teach.experiments.reproduction import Request, busy_seconds, ranges

BASE = ["reproduce", "--preset", "smoke", "--subjects", "10", "--folds", "0-1", "--epochs", "1",
        "--jobs", "1", "--quiet"]  # fmt: skip


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    """A tiny reproduction: 2 seeds x 2 folds of both models and of one remedy."""
    out = tmp_path_factory.mktemp("reproduce") / "out"
    args = [*BASE, "--out", str(out), "--seeds", "0-1", "--variants", "beyond-standardize",
            "--probes"]  # fmt: skip
    assert main(args) == 0
    return out, args


def results(run, model):
    """{seed: {fold: result.json}} read straight from the files."""
    found = {}
    for path in sorted(run.glob(f"seed_*/{model}/fold_*/result.json")):
        r = json.loads(path.read_text())
        found.setdefault(r["seed"], {})[r["fold"]] = r
    return found


def pooled(by_fold):
    correct = sum(round(r["accuracy"] * r["num_test_images"]) for r in by_fold.values())
    return correct / sum(r["num_test_images"] for r in by_fold.values())


def test_reproduce_uses_the_run_layout_and_reports_every_row(reproduced):
    out, _ = reproduced
    for path in ("synthetic/synth.json", "prepared/dataset.json", "cv/run.json",
                 "ablate/beyond-standardize/run.json"):  # fmt: skip
        assert (out / path).exists(), path
    report = json.loads((out / "reproduction.json").read_text())
    assert report["complete"] and report["missing"] == []
    assert report["preset"] == "smoke" and report["seeds"] == [0, 1]
    assert "--preset smoke" in report["command"] and "--seeds 0-1" in report["command"]
    rows = report["rows"]
    assert list(rows) == ["baseline", "adfl", "beyond-standardize"]
    assert [r["beyond_paper"] for r in rows.values()] == [False, False, True]
    assert all(r["complete_seeds"] == [0, 1] and r["folds"] == [0, 1] for r in rows.values())
    assert "vs_baseline" in rows["adfl"] and "vs_paper" not in rows["adfl"]
    assert {"vs_baseline", "vs_paper"} <= set(rows["beyond-standardize"])
    assert all(r["time"]["job_seconds"] > 0 for r in rows.values())
    probes = json.loads((out / "cv" / "probes_adfl.json").read_text())
    assert report["probes"] == probes and probes["seeds"] == [0, 1]


def test_report_statistics_match_the_result_files_and_scipy(reproduced):
    out, _ = reproduced
    rows = json.loads((out / "reproduction.json").read_text())["rows"]
    for name, run, model in (("adfl", out / "cv", "adfl"), ("baseline", out / "cv", "baseline"),
                             ("beyond-standardize", out / "ablate/beyond-standardize", "adfl")):  # fmt: skip
        by_seed = results(run, model)
        per_seed = [pooled(by_seed[s]) for s in (0, 1)]
        row = rows[name]
        assert row["per_seed"] == {"0": per_seed[0], "1": per_seed[1]}
        assert row["mean_accuracy"] == pytest.approx(np.mean(per_seed))
        if per_seed[0] != per_seed[1]:
            low, high = stats.t.interval(0.95, 1, np.mean(per_seed), stats.sem(per_seed))
            assert row["ci95"] == pytest.approx([low, high])
    adfl, base = results(out / "cv", "adfl"), results(out / "cv", "baseline")
    diffs = [adfl[s][k]["accuracy"] - base[s][k]["accuracy"] for s in (0, 1) for k in (0, 1)]
    assert rows["adfl"]["vs_baseline"]["mean_pair_difference"] == pytest.approx(np.mean(diffs))


def test_diagnostics_are_seed_0_averaged_over_folds(reproduced):
    out, _ = reproduced
    rows = json.loads((out / "reproduction.json").read_text())["rows"]
    seed0 = results(out / "cv", "adfl")[0]
    diagnostics = rows["adfl"]["diagnostics"]
    assert diagnostics["seed"] == 0 and diagnostics["folds"] == [0, 1]
    for key in ("fn_spread_ratio", "l_a", "label_prior_entropy", "dispeller_accuracy",
                "splitter_train_accuracy", "train_accuracy"):  # fmt: skip
        expected = np.mean([seed0[k]["history"][0][key] for k in (0, 1)])
        assert diagnostics[key] == pytest.approx([expected]), key
    assert "fn_spread_ratio" not in rows["baseline"]["diagnostics"]
    assert "collapse" not in rows["baseline"]
    flagged = sum(collapse_signature(r["history"]) is not None
                  for by_fold in results(out / "cv", "adfl").values() for r in by_fold.values())  # fmt: skip
    assert rows["adfl"]["collapse"] == {"flagged": flagged, "runs": 4}


def test_a_rerun_trains_nothing(reproduced):
    out, args = reproduced
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("**/result.json")}
    assert main(args) == 0
    assert {p: p.stat().st_mtime_ns for p in out.glob("**/result.json")} == stamps


def test_collect_only_trains_nothing_and_lists_the_missing_jobs(reproduced, tmp_path, capsys):
    out, _ = reproduced
    report_path = tmp_path / "partial.json"
    before = sorted(p.relative_to(out) for p in out.glob("**/*"))
    args = [*BASE, "--out", str(out), "--seeds", "0-2", "--variants", "beyond-standardize,no-entropy",
            "--collect-only", "--report", str(report_path)]  # fmt: skip
    assert main(args) == 0
    assert sorted(p.relative_to(out) for p in out.glob("**/*")) == before  # nothing written
    report = json.loads(report_path.read_text())
    assert not report["complete"]
    rows = report["rows"]
    assert rows["adfl"]["complete_seeds"] == [0, 1] and rows["adfl"]["missing"] == {"2": [0, 1]}
    assert "adfl-teach cv" in rows["adfl"]["command"] and "--seeds 2" in rows["adfl"]["command"]
    assert "mean_accuracy" not in rows["no-entropy"]
    assert "--variants no-entropy" in rows["no-entropy"]["command"]
    assert {m["name"] for m in report["missing"]} == {"baseline", "adfl", "beyond-standardize",
                                                      "no-entropy"}  # fmt: skip
    printed = capsys.readouterr().out
    assert "| no-entropy | not run yet |" in printed


def test_a_seed_with_a_missing_fold_is_listed_not_pooled(reproduced, tmp_path):
    out, _ = reproduced
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "cv/seed_1/adfl/fold_1/result.json").unlink()
    report_path = tmp_path / "r.json"
    args = [*BASE, "--out", str(copy), "--seeds", "0-1", "--variants", "", "--collect-only",
            "--report", str(report_path)]  # fmt: skip
    assert main(args) == 0
    row = json.loads(report_path.read_text())["rows"]["adfl"]
    assert row["complete_seeds"] == [0] and row["missing"] == {"1": [1]}
    assert row["mean_accuracy"] == pooled(results(out / "cv", "adfl")[0]) and row["ci95"] is None


def test_a_run_of_another_preset_is_refused(reproduced, tmp_path, capsys):
    out, _ = reproduced
    args = ["reproduce", "--out", str(out), "--preset", "cpu-quick", "--folds", "0-1",
            "--seeds", "0-1", "--variants", "", "--collect-only", "--report",
            str(tmp_path / "r.json")]  # fmt: skip
    assert main(args) == 2
    assert "run.json" in capsys.readouterr().err and not (tmp_path / "r.json").exists()


def test_ranges_and_the_table_of_a_row_not_run():
    assert ranges([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8" and ranges([3]) == "3"
    request = Request(out="OUT", preset="smoke", seeds=(0, 1, 2), folds=(0, 1), variants=())
    assert request.command().endswith('--variants "" --jobs 2')
    mine = Request(out="OUT", preset="cpu-quick", seeds=(0,), folds=(0,), variants=(), data="CK")
    assert "--data CK" in mine.command() and "--data CK" in mine.run_command("no-entropy", [1])
    report = {"seeds": [0, 1, 2], "folds": [0, 1], "rows": {
        "beyond-x": {"name": "beyond-x", "beyond_paper": True, "complete_seeds": [],
                     "missing": {"0": [0, 1], "1": [0, 1], "2": [0, 1]}},
        "no-y": {"name": "no-y", "beyond_paper": False, "complete_seeds": [],
                 "missing": {"2": [0, 1]}}}}  # fmt: skip
    table = markdown_table(report)
    assert "| beyond-x (beyond the paper) | not run yet |" in table
    assert "| no-y | running: 4 of 6 jobs |" in table


def test_busy_time_leaves_out_the_pauses_between_jobs():
    rows = {
        "a": {"time": {"intervals": [[0.0, 10.0], [5.0, 20.0]]}},  # overlapping: 20 s
        "b": {"time": {"intervals": [[100.0, 130.0]]}},  # after an 80 s pause: 30 s
        "c": {},
    }
    assert busy_seconds(rows) == 50.0
    assert busy_seconds({"c": {}}) is None
    report = {"busy_seconds": 600.0, "wall_span_seconds": 7200.0}
    assert (
        wall_time(report)
        == "10 min of wall time with jobs running, 120 min from the first start to the last end"
    )
    assert wall_time({"busy_seconds": 600.0, "wall_span_seconds": 620.0}) == "10 min of wall time"


def test_every_command_the_report_spells_parses_with_the_cli_and_means_the_request():
    import shlex
    from pathlib import Path

    from adfl_teach.cli import build_parser
    from adfl_teach.experiments.reproduction import Request

    request = Request("/o", "smoke", (0, 1, 2), tuple(range(10)), ("no-entropy",), 2, "/p")
    parser = build_parser()
    spelled = [request.command(), request.run_command("adfl", [1, 2]),
               request.run_command("no-entropy", [2])]  # fmt: skip
    for text in spelled:
        words = shlex.split(text)
        assert words[0] == "adfl-teach"
        args = parser.parse_args(words[1:])
        assert args.preset == "smoke" and args.jobs == 2, text
    reproduce = parser.parse_args(shlex.split(request.command())[1:])
    assert (reproduce.out, reproduce.data, reproduce.seeds) == (Path("/o"), Path("/p"), "0-2")


def test_wall_time_reads_the_recorded_finish_not_the_file_time(tmp_path):
    import os

    from adfl_teach.experiments.reproduction import timing
    from adfl_teach.experiments.rundir import RESULT, fold_dir

    results = {0: {k: {"seconds": 10.0, "finished_at": 1000.0 + 100 * k} for k in (0, 1)}}
    for k in (0, 1):
        path = fold_dir(tmp_path, "adfl", k, 0) / RESULT
        path.parent.mkdir(parents=True)
        path.write_text("{}")
        os.utime(path, (5e8, 5e8 + k))  # a copied folder: file times far from the runs
    recorded = timing(results, tmp_path, "adfl")
    assert (recorded["started"], recorded["finished"]) == (990.0, 1100.0)
    assert recorded["wall_span_seconds"] == 110.0
    del results[0][1]["finished_at"]  # a result from before the field: its file time
    assert timing(results, tmp_path, "adfl")["finished"] == 5e8 + 1
