"""The reproduction report: everything the book's reproduction chapter and the README quote.

:func:`adfl_teach.experiments.pipelines.reproduce` runs the experiment into one folder::

    OUT/synthetic, OUT/prepared         the synthetic database and its CK+-protocol form
    OUT/cv                              ADFL as published and the baseline, every seed
    OUT/ablate/<variant>                ADFL under each variant (:mod:`adfl_teach.ablations`)
    OUT/reproduction.json               this module's report (:func:`build_report`)

:func:`build_report` only reads finished results; it writes nothing into the runs. Per model
and variant it gives the statistics over the seeds whose requested folds all finished (a
seed with missing folds is listed, never pooled), the paired tests against the baseline and
against ADFL as published, the time the jobs took, how many runs show the f_n collapse
(:func:`adfl_teach.diagnostics.collapse_signature`), and the per-epoch game diagnostics of
the first seed averaged over its folds. What was requested but has not finished is listed
with the command that runs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adfl_teach.ablations import get_variant
from adfl_teach.diagnostics import collapse_signature
from adfl_teach.experiments.rundir import RESULT, collect_results, fold_dir, read_run
from adfl_teach.experiments.stats import CI_METHOD, TESTS, mean_ci95
from adfl_teach.experiments.summary import (
    model_summary,
    paired_comparison,
    paper_rows,
    pooled_accuracy,
)
from adfl_teach.runtime import read_json

REPORT_FORMAT = "adfl-teach/reproduction-1"
REPORT = "reproduction.json"
MODELS = ("baseline", "adfl")
#: How the report's prose and tables name the two models' rows.
LABELS = {"baseline": "baseline", "adfl": "ADFL as published"}
DESCRIPTIONS = {
    "baseline": "shared layers + B_e + AMS classifier (sec. 3.1's baseline)",
    "adfl": f"{LABELS['adfl']} (sec. 2)",
}
#: History keys averaged per epoch (those every history of a row has).
DIAGNOSTIC_KEYS = (
    "train_accuracy",
    "splitter_train_accuracy",
    "dispeller_accuracy",
    "l_a",
    "label_prior_entropy",
    "fn_spread_ratio",
    "test_accuracy",
)
#: What a row keeps of :func:`adfl_teach.experiments.summary.model_summary`.
ROW_KEYS = (
    "seeds", "mean_accuracy", "ci95", "per_seed", "overall_accuracy", "folds",
    "fold_accuracies", "mean_fold_accuracy", "std_fold_accuracy", "per_class_accuracy",
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    """What a reproduction asks for; it names the commands that run it."""

    out: Path
    preset: str
    seeds: tuple[int, ...]
    folds: tuple[int, ...]
    variants: tuple[str, ...]
    jobs: int = 2
    data: Path | None = None  # a prepared dataset; None = the synthetic one in OUT/prepared

    def __post_init__(self) -> None:
        object.__setattr__(self, "out", Path(self.out))
        if self.data is not None:
            object.__setattr__(self, "data", Path(self.data))

    @property
    def prepared(self) -> Path:
        return self.data or self.out / "prepared"

    def command(self) -> str:
        """The one command that runs (or resumes) everything and writes the report."""
        variants = ",".join(self.variants) or '""'
        return cli_command("reproduce", out=self.out, data=self.data, preset=self.preset,
                           seeds=ranges(self.seeds), folds=ranges(self.folds),
                           variants=variants, jobs=self.jobs)  # fmt: skip

    def run_command(self, name: str, seeds) -> str:
        """The command that runs one row's missing seeds (``name``: a model or a variant)."""
        common = {"data": self.prepared, "seeds": ranges(seeds), "folds": ranges(self.folds),
                  "preset": self.preset, "jobs": self.jobs}  # fmt: skip
        if name in MODELS:
            return cli_command("cv", **common, model="both", out=self.out / "cv")
        return cli_command("ablate", **common, variants=name, out=self.out / "ablate")


def cli_command(subcommand: str, **options) -> str:
    """``adfl-teach SUBCOMMAND --option value ...`` in the order given (``None``: left out;
    ``an_option`` is written ``--an-option``): the one place the report spells a command."""
    words = [
        f"--{key.replace('_', '-')} {value}" for key, value in options.items() if value is not None
    ]
    return " ".join(["adfl-teach", subcommand, *words])


def ranges(values) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2,5"`` (the CLI's range syntax)."""
    values, parts, start = sorted(values), [], None
    for i, v in enumerate(values):
        start = v if start is None else start
        if i + 1 == len(values) or values[i + 1] != v + 1:
            parts.append(str(v) if v == start else f"{start}-{v}")
            start = None
    return ",".join(parts)


def read_rows(run: Path) -> dict[str, dict[int, dict[int, dict]]]:
    """``{model: {seed: {fold: result}}}`` of a run directory; empty when it has no run."""
    if not (run / "run.json").exists():
        return {}
    rows: dict[str, dict[int, dict[int, dict]]] = {}
    for seed, by_kind in collect_results(run).items():
        for kind, folds in by_kind.items():
            rows.setdefault(kind, {})[seed] = folds
    return rows


def complete(by_seed: dict[int, dict[int, dict]], request: Request) -> dict[int, dict[int, dict]]:
    """The requested seeds whose requested folds all finished, restricted to those folds."""
    return {
        s: {k: by_seed[s][k] for k in request.folds}
        for s in request.seeds
        if s in by_seed and all(k in by_seed[s] for k in request.folds)
    }


def mean_history(results: dict[int, dict]) -> dict:
    """Per epoch, the mean over folds of each :data:`DIAGNOSTIC_KEYS` every history has."""
    histories = [r["history"] for r in results.values()]
    epochs = min(len(h) for h in histories)
    keys = [k for k in DIAGNOSTIC_KEYS if all(k in r for h in histories for r in h[:epochs])]
    return {
        "folds": sorted(results),
        "epoch": list(range(1, epochs + 1)),
        **{k: [float(np.mean([h[e][k] for h in histories])) for e in range(epochs)] for k in keys},
    }


def timing(by_seed: dict[int, dict[int, dict]], run: Path, kind: str) -> dict:
    """Seconds of the jobs (sum and mean), and the wall time they spanned (end of the last
    minus start of the first job). A job's end is the ``finished_at`` its result records, so
    copying a run folder changes nothing; results written before that field existed fall
    back on their file's modification time."""
    jobs = [(s, k, r) for s, folds in by_seed.items() for k, r in folds.items()]
    ends = [
        float(r["finished_at"])
        if "finished_at" in r
        else (fold_dir(run, kind, k, s) / RESULT).stat().st_mtime
        for s, k, r in jobs
    ]
    starts = [end - r["seconds"] for end, (_, _, r) in zip(ends, jobs)]
    seconds = [r["seconds"] for _, _, r in jobs]
    return {
        "job_seconds": float(sum(seconds)),
        "mean_job_seconds": float(np.mean(seconds)),
        "started": float(min(starts)),  # Unix time
        "finished": float(max(ends)),
        "wall_span_seconds": float(max(ends) - min(starts)),
        "intervals": [[round(a, 1), round(b, 1)] for a, b in sorted(zip(starts, ends))],
    }


def model_row(name: str, by_seed: dict, request: Request, run: Path, kind: str) -> dict:
    """One row of the table: statistics over complete seeds, or what is missing."""
    done = complete(by_seed, request)
    missing = {s: [k for k in request.folds if k not in by_seed.get(s, {})] for s in request.seeds}
    missing = {str(s): folds for s, folds in missing.items() if folds}
    row = {"name": name, "run": str(run), "complete_seeds": sorted(done), "missing": missing}
    if missing:
        row["command"] = request.run_command(name, [int(s) for s in missing])
    if not done:
        return row
    summary = model_summary(done)
    row.update({key: summary[key] for key in ROW_KEYS})
    row["num_test_images"] = summary["num_test_images"] // len(done)
    row["time"] = timing(done, run, kind)
    histories = [r["history"] for folds in done.values() for r in folds.values()]
    if all("fn_spread_ratio" in h[-1] for h in histories):  # the game's diagnostics
        flagged = sum(collapse_signature(h) is not None for h in histories)
        row["collapse"] = {"flagged": flagged, "runs": len(histories)}
    row["diagnostics"] = mean_history(done[min(done)]) | {"seed": min(done)}
    return row


def gather(request: Request) -> dict[str, tuple[dict, Path, str, object]]:
    """``{row name: ({seed: {fold: result}}, run directory, model, variant or None)}``."""
    out = request.out
    cv = read_rows(out / "cv")
    found = {kind: (cv.get(kind, {}), out / "cv", kind, None) for kind in MODELS}
    for name in request.variants:
        run = out / "ablate" / name
        found[name] = (read_rows(run).get("adfl", {}), run, "adfl", get_variant(name))
    for by_seed, run, _, _ in found.values():
        if by_seed:
            check_preset(run, request.preset)
    return found


def check_preset(run: Path, preset: str) -> None:
    made = read_run(run)["identity"]["config"].get("preset")
    if made != preset:
        raise ValueError(f"{run / 'run.json'}: a run of preset {made!r}, not {preset!r}")


def build_report(request: Request, collected_by: str = "", stages=None, probes=None) -> dict:
    """The report (see the module docstring); reads the runs, writes nothing."""
    found = gather(request)
    rows, done = {}, {}
    for name, (by_seed, run, kind, variant) in found.items():
        rows[name] = model_row(name, by_seed, request, run, kind) | describe(name, variant)
        done[name] = complete(by_seed, request)
    for name, row in rows.items():
        for other, key in (("baseline", "vs_baseline"), ("adfl", "vs_paper")):
            if name not in (other, "baseline") and done[name] and done[other]:
                row[key] = compare(done[name], done[other])
    missing = [
        {"name": n, "missing": r["missing"], "command": r["command"]}
        for n, r in rows.items()
        if r["missing"]
    ]
    return {
        "format": REPORT_FORMAT,
        "command": request.command(),
        "collected_by": collected_by or request.command(),
        "preset": request.preset,
        "seeds": list(request.seeds),
        "folds": list(request.folds),
        "ci_method": CI_METHOD,
        "tests": TESTS,
        "paired_note": "vs_baseline / vs_paper: this row minus that row per (seed, fold); "
        "adfl_wins counts the folds where this row wins",
        "run": run_facts(request.out),
        "rows": rows,
        "missing": missing,
        "complete": not missing,
        "stages_seconds": stages or {},
        "wall_span_seconds": wall_span(rows),
        "busy_seconds": busy_seconds(rows),
        "probes": probes,
        "paper": paper_rows("ckplus"),
    }


def compare(mine: dict, other: dict) -> dict:
    """:func:`~adfl_teach.experiments.summary.paired_comparison` (per fold, with its tests), plus the
    difference of the pooled accuracies per common seed and its mean with a 95 % CI."""
    result = paired_comparison(mine, other)
    seeds = sorted(set(mine) & set(other))
    per_seed = {s: pooled_accuracy(mine[s]) - pooled_accuracy(other[s]) for s in seeds}
    mean, ci = mean_ci95(list(per_seed.values()))
    result["per_seed_difference"] = {str(s): d for s, d in per_seed.items()}
    result["difference"] = mean
    result["difference_ci95"] = list(ci) if ci else None
    return result


def describe(name: str, variant) -> dict:
    if variant is None:
        return {"description": DESCRIPTIONS[name], "beyond_paper": False}
    return {"description": variant.description, "beyond_paper": variant.beyond_paper}


def run_facts(out: Path) -> dict:
    """The synthetic database and the configuration of ``OUT/cv`` (when they exist)."""
    facts: dict = {"out": str(out), "cpu_count": os.cpu_count()}  # of the collecting machine
    synth = out / "synthetic" / "synth.json"
    if synth.exists():
        info = read_json(synth, expect=dict)
        facts["synthetic"] = {"subjects": info["config"]["subjects"], "seed": info["seed"]}
    if (out / "cv" / "run.json").exists():
        record = read_run(out / "cv")
        identity = record["identity"]
        facts.update(code_version=identity["code_version"], dataset=identity["dataset"])
        facts.update(dataset_path=record.get("dataset_path"), is_synthetic=record.get("synthetic"))
        facts["config"] = identity["config"]
    return facts


def wall_span(rows: dict) -> float | None:
    """From the start of the first job to the end of the last, over every row (seconds)."""
    times = [r["time"] for r in rows.values() if "time" in r]
    if not times:
        return None
    return max(t["finished"] for t in times) - min(t["started"] for t in times)


def busy_seconds(rows: dict) -> float | None:
    """The wall time during which at least one job ran (seconds): the length of the union of
    the jobs' intervals, so that a pause between sessions does not count, unlike
    :func:`wall_span`."""
    intervals = sorted(i for r in rows.values() for i in r.get("time", {}).get("intervals", []))
    if not intervals:
        return None
    total, (start, end) = 0.0, intervals[0]
    for a, b in intervals[1:]:
        if a > end:
            total, start = total + end - start, a
        end = max(end, b)
    return total + end - start
