"""Validation accuracy after every epoch under candidate budgets: a quick look at a
preset's learning rate, schedule, epochs and crops on a few folds.

The curves score the validation subjects of each outer fold
(:mod:`adfl_teach.experiments.selection`; beyond the paper), never its test fold: a choice
made on test folds would make them part of the protocol. (The committed
``book/data/preset_curves.json`` predates this and holds *test* curves; it is kept as a
record and no longer used as evidence.) The study (``adfl-teach study grid``) is the
complete version of this experiment: every setting over 3 seeds x 10 folds.

    # train: each setting x model x fold on one seed; the JSON is rewritten after each job
    # and finished jobs are skipped on a rerun
    python3 scripts/preset_curves.py --data runs/main/prepared --settings A,C \\
        --folds 0,1 --seed 0 --out preset_curves.json

    # rebuild the JSON from an earlier exploration's files (keys "SETTING|model|fold"
    # holding "curve" and "seconds"), keeping only the curves
    python3 scripts/preset_curves.py --from-exploration explore_A.json explore_C.json \\
        --data runs/main/prepared --out book/data/preset_curves.json

Every setting is the ``--preset`` (default ``cpu-quick``) with the changes listed in
:data:`SETTINGS`. The output holds, per setting, model and fold, the validation accuracy
after each epoch and the wall time of the job (single-threaded; wall times of jobs that
shared the machine are only rough).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from adfl_teach.config import get_preset
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments.selection import VALIDATION_FRACTION, selection_split
from adfl_teach.runtime import atomic_write_json, read_json
from adfl_teach.training import train

MODELS = ("adfl", "baseline")


def _setting(lr: float, schedule: str, epochs: int, crops: str) -> tuple[str, dict]:
    """(label, changes of the preset) of one candidate budget."""
    what = "one random crop" if crops == "random" else "all ten crops"
    return (
        f"lr {lr:.0e} {schedule}, {epochs} epochs, {what}".replace("e-0", "e-"),
        {"optim": {"lr": lr, "epochs": epochs, "schedule": schedule},
         "data": {"train_crops": crops}},
    )  # fmt: skip


#: name -> (label, changes of the preset); names are those of the original exploration.
SETTINGS = {
    "A_lr2e-3_rand_15": _setting(2e-3, "constant", 15, "random"),
    "B_lr5e-4_rand_45": _setting(5e-4, "constant", 45, "random"),
    "C_lr2e-3_rand_15_cos": _setting(2e-3, "cosine", 15, "random"),
    "D_lr5e-4_all_5": _setting(5e-4, "constant", 5, "all"),
    "E_lr1e-3_rand_30": _setting(1e-3, "constant", 30, "random"),
}


def empty_report(data_dir: Path, preset: str, seed: int, command: str) -> dict:
    data = load_prepared(data_dir)
    return {
        "what": "validation accuracy (ten-crop average, non-neutral images of the validation "
        "subjects of each fold's training subjects) after every epoch",
        "scored_on": "validation",
        "validation_fraction": VALIDATION_FRACTION,
        "preset": preset,
        "seed": seed,
        "dataset": {
            "path": str(data_dir),
            "content_hash": data.content_hash(),
            "num_subjects": data.info.get("num_subjects"),
        },
        "command": command,
        "settings": {},
    }


def setting_entry(report: dict, name: str) -> dict:
    label, changes = SETTINGS[name]
    return report["settings"].setdefault(
        name, {"label": label, "changes": changes, "curves": {}, "seconds": {}}
    )


def record(report: dict, name: str, kind: str, fold: int, curve: list, seconds: float) -> None:
    entry = setting_entry(report, name)
    entry["curves"].setdefault(kind, {})[str(fold)] = [float(a) for a in curve]
    entry["seconds"].setdefault(kind, {})[str(fold)] = float(seconds)


def run_settings(report: dict, data_dir: Path, names, folds, out: Path) -> None:
    """Train what ``report`` lacks, one job at a time, rewriting ``out`` after each."""
    torch.set_num_threads(1)
    data = load_prepared(data_dir)
    for name in names:
        cfg = get_preset(report["preset"], **SETTINGS[name][1]).replace(seed=report["seed"])
        data.images(cfg.data.canvas, progress=False)
        for fold in folds:
            for kind in MODELS:
                done = report["settings"].get(name, {}).get("curves", {}).get(kind, {})
                if str(fold) in done:
                    continue
                train_set, val_set = selection_split(data, fold, cfg.data.canvas)
                t0 = time.perf_counter()
                trained = train(kind, train_set, cfg, len(data.classes), data.neutral_index,
                                val_set=val_set, progress=False)  # fmt: skip
                curve = [r["val_accuracy"] for r in trained.history]
                record(report, name, kind, fold, curve, time.perf_counter() - t0)
                atomic_write_json(out, report)
                print(f"{name} {kind} fold {fold}: " + " ".join(f"{a:.2f}" for a in curve))


def from_exploration(report: dict, files: list[Path]) -> None:
    """Keep the curves and wall times of an exploration's ``{"SETTING|model|fold": ...}``."""
    for path in files:
        for key, value in read_json(path, expect=dict).items():
            name, kind, fold = key.split("|")
            if name not in SETTINGS or kind not in MODELS:
                raise ValueError(f"{path}: unknown setting or model in key {key!r}")
            record(report, name, kind, int(fold), value["curve"], value["seconds"])


def training_command(report: dict) -> str:
    """The command that trains every job ``report`` holds (from scratch, into a new file)."""
    letters = ",".join(name.split("_")[0] for name in report["settings"])
    folds = sorted({int(f) for e in report["settings"].values() for c in e["curves"].values()
                    for f in c})  # fmt: skip
    return (
        f"python3 scripts/preset_curves.py --data {report['dataset']['path']} "
        f"--settings {letters} --folds {','.join(map(str, folds))} --seed {report['seed']} "
        f"--preset {report['preset']} --out preset_curves.json"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="prepared dataset")
    p.add_argument("--out", type=Path, required=True, help="the JSON to write (or extend)")
    p.add_argument("--settings", default="A,C", help="setting names or their letters")
    p.add_argument("--folds", default="0,1")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--preset", default="cpu-quick")
    p.add_argument("--from-exploration", nargs="+", type=Path, default=None, metavar="FILE")
    args = p.parse_args(argv)
    command = "python3 scripts/preset_curves.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.out.exists():
        report = read_json(args.out, expect=dict)
    else:
        report = empty_report(args.data, args.preset, args.seed, command)
    if args.from_exploration:
        from_exploration(report, args.from_exploration)
    else:
        wanted = [s.strip() for s in args.settings.split(",") if s.strip()]
        names = [n for w in wanted for n in SETTINGS if n == w or n.split("_")[0] == w]
        folds = [int(f) for f in args.folds.split(",")]
        run_settings(report, args.data, names, folds, args.out)
    report["reproduce"] = training_command(report)
    atomic_write_json(args.out, report)
    print(json.dumps({n: e["label"] for n, e in report["settings"].items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
