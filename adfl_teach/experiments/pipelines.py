"""The experiment runners: the synthetic database, the main job and the ablations.

``synthetic_dataset`` makes (or reuses) the synthetic database and its prepared form;
``main_job`` adds the cross-validation of ADFL and the baseline and returns the table;
``ablate`` cross-validates ADFL under several registry variants
(:mod:`adfl_teach.ablations`) and compares them; ``reproduce`` runs all of it over several
seeds and writes the reproduction report (:mod:`adfl_teach.experiments.reproduction`). Every step checks
for a finished result first, so reruns continue instead of repeating.
"""

from __future__ import annotations

import time
from pathlib import Path

from adfl_teach.ablations import BEYOND_PAPER, get_variant
from adfl_teach.config import Config
from adfl_teach.data.prepare import prepare
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments.cv import cross_validate, plan_jobs
from adfl_teach.experiments.jobs import run_jobs
from adfl_teach.experiments.probes import probe_run
from adfl_teach.experiments.reproduction import REPORT, Request, build_report
from adfl_teach.experiments.stats import ONE_SEED_NOTE, ci_text
from adfl_teach.experiments.summary import format_summary, summarize
from adfl_teach.runtime import atomic_write_json, read_json
from adfl_teach.synth import generate_database

# what the ablation table keeps of each variant's summary (adfl_teach.experiments.summary.model_summary)
ABLATION_COLUMNS = (
    "seeds",
    "mean_accuracy",
    "ci95",
    "per_seed",
    "overall_accuracy",
    "folds",
    "mean_fold_accuracy",
    "std_fold_accuracy",
)


def synthetic_dataset(
    root: str | Path, subjects: int = 120, seed: int = 0, progress: bool = True
) -> Path:
    """Generate ``ROOT/synthetic`` (CK+ layout) and prepare it into ``ROOT/prepared`` (CK+
    protocol, ground-truth landmarks). Returns the prepared directory. Both steps are
    skipped when their output is complete (both are written atomically, so a directory that
    exists is complete). A database of another size or seed is an error, not silently reused.
    """
    root = Path(root)
    raw, prepared = root / "synthetic", root / "prepared"
    if raw.exists():
        info = read_json(raw / "synth.json")
        made = (info.get("config", {}).get("subjects"), info.get("seed"))
        if made != (subjects, seed):
            raise ValueError(
                f"{raw} holds a synthetic database with (subjects, seed) = {made}, not "
                f"{(subjects, seed)}: choose another output directory or delete it"
            )
    else:
        generate_database(raw, subjects=subjects, seed=seed, progress=progress)
    if not (prepared / "dataset.json").exists():
        prepare("ckplus", raw, prepared, detector="landmarks", progress=progress)
    return prepared


def main_job(
    out: str | Path,
    config: Config,
    subjects: int | None = None,
    folds: list[int] | None = None,
    synth_seed: int = 0,
    progress: bool = True,
    seeds: list[int] | None = None,
    jobs: int = 1,
    figures=None,
) -> str:
    """Synthetic database -> CK+ protocol -> 10-fold CV of ADFL and baseline (each seed,
    ``jobs`` at once) -> the table (``figures``: see :func:`~adfl_teach.experiments.summary.summarize`)."""
    out = Path(out)
    prepared = synthetic_dataset(
        out, subjects or config.data.synth_subjects, synth_seed, progress=progress
    )
    cross_validate(
        prepared, out / "cv", config, ("adfl", "baseline"), folds, "paper", progress, seeds, jobs
    )
    return format_summary(summarize(out / "cv", figures=figures))


def ablate(
    data_dir: str | Path,
    run: str | Path,
    config: Config,
    variants: list[str],
    folds: list[int] | None = None,
    progress: bool = True,
    seeds: list[int] | None = None,
    jobs: int = 1,
) -> dict:
    """Cross-validate ADFL under each variant into ``RUN/<variant>/``; return the comparison.

    All (variant, seed, fold) jobs run as one batch, ``jobs`` at a time. The comparison
    (also written to ``RUN/ablation.json``) holds, per variant: whether it is beyond the
    paper, the mean accuracy over seeds with its 95 % CI and per-seed values, the pooled
    accuracy, the mean and std over folds, and the change of the mean from ``paper``.
    """
    if not variants:
        raise ValueError("no ablation variant given; see `adfl-teach ablate --list`")
    run = Path(run)
    resolved = [get_variant(v) for v in variants]  # fail before training anything
    data = load_prepared(data_dir)
    planned = []
    for variant in resolved:
        cfg = variant.apply(config)
        planned += plan_jobs(data, run / variant.name, cfg, ("adfl",), folds, variant.name, seeds)
    run_jobs(data, planned, jobs, progress)
    rows = {}
    for variant in resolved:
        s = summarize(run / variant.name, figures=False)["models"]["adfl"]
        rows[variant.name] = {
            "description": variant.description,
            "beyond_paper": variant.beyond_paper,
            **{key: s[key] for key in ABLATION_COLUMNS},
        }
    if "paper" in rows:
        for row in rows.values():
            row["change_from_paper"] = row["mean_accuracy"] - rows["paper"]["mean_accuracy"]
    atomic_write_json(run / "ablation.json", rows)
    return rows


def format_ablation(rows: dict) -> str:
    """The comparison table; variants beyond the paper are marked so."""
    lines = [
        f"{'variant':<26} {'seeds':>5} {'mean %':>7} {'95 % CI':>16} {'vs paper':>9}  what changes"
    ]
    for name, r in rows.items():
        delta = r.get("change_from_paper")
        delta = "" if delta is None else f"{100 * delta:+.2f}"
        ci = ci_text(r["ci95"])
        beyond = f"[{BEYOND_PAPER}] " if r["beyond_paper"] else ""
        lines.append(
            f"{name:<26} {len(r['seeds']):>5} {100 * r['mean_accuracy']:>7.2f} {ci:>16} "
            f"{delta:>9}  {beyond}{r['description']}"
        )
    if any(len(r["seeds"]) == 1 for r in rows.values()):
        lines.append(ONE_SEED_NOTE)
    return "\n".join(lines)


def reproduce(
    request: Request,
    config: Config,
    subjects: int | None = None,
    synth_seed: int = 0,
    probes: bool = False,
    collect_only: bool = False,
    report: str | Path | None = None,
    progress: bool = True,
    collected_by: str = "",
) -> dict:
    """The whole reproduction into ``request.out`` (layout: :mod:`adfl_teach.experiments.reproduction`):
    synthetic database (or ``request.data``, a prepared dataset) -> cross-validation of ADFL
    and the baseline -> ADFL under each variant -> (``probes``) linear probes of ADFL's
    features -> the report, written to ``report`` (default ``OUT/reproduction.json``) and
    returned. Finished jobs are read back.
    ``collect_only`` trains nothing: the report of what exists, listing what is missing.
    """
    out, stages = Path(request.out), {}
    if not collect_only:
        t0 = time.perf_counter()
        prepared = request.data or synthetic_dataset(
            out, subjects or config.data.synth_subjects, synth_seed, progress
        )
        stages["data"] = time.perf_counter() - t0
        cv_args = (config, ("adfl", "baseline"), list(request.folds), "paper", progress)
        cross_validate(prepared, out / "cv", *cv_args, list(request.seeds), request.jobs)
        stages["cv"] = time.perf_counter() - t0 - stages["data"]
        if request.variants:  # one batch of every (variant, seed, fold) job
            t1 = time.perf_counter()
            ablate(prepared, out / "ablate", config, list(request.variants),
                   list(request.folds), progress, list(request.seeds), request.jobs)  # fmt: skip
            stages["ablate"] = time.perf_counter() - t1
    probed = probe_report(request, probes and not collect_only, progress)
    result = build_report(request, collected_by, stages, probed)
    atomic_write_json(Path(report) if report else out / REPORT, result)
    return result


def probe_report(request: Request, run_probes: bool, progress: bool) -> dict | None:
    """Linear probes of ADFL's features over every finished (seed, fold) of ``OUT/cv``
    (:mod:`adfl_teach.experiments.probes`; run when asked, else read back when a run wrote them)."""
    run = request.out / "cv"
    if run_probes:
        return probe_run(request.prepared, run, "adfl", list(request.seeds), progress)
    written = run / "probes_adfl.json"
    return read_json(written, expect=dict) if written.exists() else None
