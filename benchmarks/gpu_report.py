"""The markdown table of ``benchmarks/gpu_check.sh`` from what its steps left behind.

    python benchmarks/gpu_report.py OUT_DIR WORK_DIR --paper-epochs 5 > OUT_DIR/gpu_check.md

OUT_DIR holds ``environment.txt``, ``times.tsv``, ``gpu_check.log`` and the benchmarks'
markdown; WORK_DIR the runs ``paper`` (one fold, a few epochs) and ``colab`` (10 folds).
The paper fold is extrapolated per model as (the fold's time outside its epochs) + (the
preset's epochs x the median epoch after the first), and the protocol as 10 such folds of
each model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from adfl_teach.config import get_preset

FOLDS = 10


def results(run: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(run.rglob("result.json"))]


def fold_estimate(result: dict) -> dict:
    """Seconds of one fold at the preset's full number of epochs, from a shorter run."""
    epochs = [h["seconds"] for h in result["history"]]
    steady = statistics.median(epochs[1:] if len(epochs) > 1 else epochs)
    outside = result["seconds"] - sum(epochs)
    full = get_preset(result.get("preset") or "paper").optim.epochs
    return {"model": result["model"], "epochs": len(epochs), "epoch_s": steady,
            "outside_s": outside, "full_epochs": full, "fold_s": outside + full * steady}  # fmt: skip


def step_section(out: Path, name: str) -> str:
    """The last line that the step ``name`` wrote to gpu_check.log (pytest's summary)."""
    log = (out / "gpu_check.log").read_text().split("### step ")
    lines = [s for s in log if s.startswith(f"{name}:")]
    tail = [x for x in lines[-1].splitlines() if x.strip()] if lines else []
    return tail[-1] if len(tail) > 1 else "(no output)"


def paper_table(run: Path) -> list[str]:
    rows = [fold_estimate(r) for r in results(run)]
    if not rows:
        return ["No paper fold finished (see gpu_check.log)."]
    lines = [
        "| model | epochs run | s/epoch | s outside epochs | fold at full epochs (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['model']} | {r['epochs']} | {r['epoch_s']:.2f} | {r['outside_s']:.1f} "
                     f"| {r['fold_s']:.0f} ({r['full_epochs']} epochs) |")  # fmt: skip
    total = FOLDS * sum(r["fold_s"] for r in rows)
    models = " + ".join(r["model"] for r in rows)
    lines += ["", f"Whole protocol ({FOLDS} folds x {models}), extrapolated: "
              f"**{total / 60:.1f} min** (goal of issue 12: <= 10 min on a data-centre GPU)."]  # fmt: skip
    return lines


def colab_table(run: Path, wall: float | None) -> list[str]:
    found = results(run)
    by_model: dict[str, list[dict]] = {}
    for r in found:
        by_model.setdefault(r["model"], []).append(r)
    lines = [f"Wall time: **{wall / 60:.1f} min**" if wall is not None else "Wall time: -", ""]
    lines += ["| model | folds | mean accuracy % | mean s per fold |", "|---|---:|---:|---:|"]
    for model, rows in sorted(by_model.items()):
        acc = 100 * statistics.mean(r["accuracy"] for r in rows)
        secs = statistics.mean(r["seconds"] for r in rows)
        lines.append(f"| {model} | {len(rows)} | {acc:.1f} | {secs:.1f} |")
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("work", type=Path)
    p.add_argument("--paper-epochs", type=int, required=True)
    args = p.parse_args(argv)
    out, work = args.out, args.work
    times = {}
    for line in (out / "times.tsv").read_text().splitlines():
        name, seconds, status = line.split("\t")
        times[name] = (float(seconds), int(status))
    lines = ["# GPU check", "", (out / "environment.txt").read_text().strip(), "",
             "| step | wall s | exit |", "|---|---:|---:|"]  # fmt: skip
    lines += [f"| {name} | {s:.1f} | {status} |" for name, (s, status) in times.items()]
    lines += ["", "## CUDA tests", "", step_section(out, "cuda_tests"), ""]
    for title, name in (("Training step, each option", "step_options"),
                        ("Our trainer against the plain DataLoader", "plain_pipeline")):  # fmt: skip
        md = out / f"{name}.md"
        lines += [f"## {title}", "", md.read_text().strip() if md.exists() else "(not run)", ""]
    lines += [f"## One fold of `paper` ({args.paper_epochs} epochs), extrapolated", ""]
    lines += paper_table(work / "paper")
    lines += ["", "## The `colab` preset's run", ""]
    lines += colab_table(work / "colab", times.get("colab_run", (None,))[0])
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
