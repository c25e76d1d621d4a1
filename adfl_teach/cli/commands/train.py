"""``adfl-teach train``: train and evaluate one fold of a prepared dataset."""

from __future__ import annotations

from pathlib import Path

from adfl_teach.cli.commands.common import add_preset_argument, config_from_args
from adfl_teach.experiments.cv import cross_validate
from adfl_teach.experiments.rundir import fold_dir


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train and evaluate one fold of a prepared dataset",
        description="Train ADFL or the baseline on every fold but --fold, test on --fold "
        "(ten-crop averaged accuracy on non-neutral images): one job of `adfl-teach cv`, in "
        "the same run layout. Resumes from the fold's checkpoint if one exists; a finished "
        "fold is reported, not retrained.",
    )
    p.add_argument("--data", required=True, type=Path, help="prepared dataset directory")
    p.add_argument("--model", choices=["adfl", "baseline"], default="adfl")
    p.add_argument("--fold", type=int, default=0, help="test fold (default 0)")
    p.add_argument("--out", type=Path, default=Path("runs/train"), help="run directory")
    add_preset_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    config = config_from_args(args)
    done = cross_validate(
        args.data, args.out, config, (args.model,), [args.fold], progress=not args.quiet
    )
    result = done.results[args.model][args.fold]
    print(
        f"{args.model} fold {args.fold} ({config.preset}, seed {config.seed}): accuracy "
        f"{100 * result['accuracy']:.2f}% on {result['num_test_images']} test images; "
        f"results in {fold_dir(args.out, args.model, args.fold, config.seed)}"
    )
    return 0
