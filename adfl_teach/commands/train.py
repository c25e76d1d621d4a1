"""``adfl-teach train``: train and evaluate one fold of a prepared dataset."""

from __future__ import annotations

from pathlib import Path

from adfl_teach.commands.common import add_preset_argument, config_from_args


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train and evaluate one fold of a prepared dataset",
        description="Train ADFL or the baseline on every fold but --fold, test on --fold "
        "(ten-crop averaged accuracy on non-neutral images). Resumes from the fold's "
        "checkpoint if one exists; a finished fold is reported, not retrained.",
    )
    p.add_argument("--data", required=True, type=Path, help="prepared dataset directory")
    p.add_argument("--model", choices=["adfl", "baseline"], default="adfl")
    p.add_argument("--fold", type=int, default=0, help="test fold (default 0)")
    p.add_argument("--out", type=Path, default=Path("runs/train"), help="run directory")
    add_preset_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from adfl_teach.cv import check_run_directory, fold_dir, run_fold
    from adfl_teach.data.prepared import load_prepared

    config = config_from_args(args)
    data = load_prepared(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    check_run_directory(args.out, config, "paper", data)
    result = run_fold(data, args.model, args.fold, config, args.out, progress=not args.quiet)
    where = fold_dir(args.out, args.model, args.fold)
    print(
        f"{args.model} fold {args.fold} ({config.preset}): accuracy "
        f"{100 * result['accuracy']:.2f}% on {result['num_test_images']} test images; "
        f"results in {where}"
    )
    return 0
