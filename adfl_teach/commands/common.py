"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse

from adfl_teach.config import PRESETS, Config, get_preset


def add_preset_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset",
        default=None,
        choices=["auto", *PRESETS],
        help="configuration preset (default: $ADFL_PRESET, else auto = colab on a GPU, "
        "cpu-quick otherwise)",
    )
    parser.add_argument(
        "--epochs", type=int, default=None, help="override the preset's number of epochs"
    )
    parser.add_argument("--seed", type=int, default=None, help="override the random seed")
    parser.add_argument("--device", default=None, help="auto (default), cpu, cuda, cuda:N or mps")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def config_from_args(args: argparse.Namespace) -> Config:
    cfg = get_preset(args.preset)
    if args.epochs is not None:
        cfg = cfg.replace(optim={"epochs": args.epochs})
    if args.seed is not None:
        cfg = cfg.replace(seed=args.seed)
    if args.device is not None:
        cfg = cfg.replace(device=args.device)
    return cfg


def parse_folds(text: str, num_folds: int = 10) -> list[int]:
    """``"0-9"``, ``"3"``, ``"0,2,5-7"`` -> sorted fold indices, each checked against range."""
    folds: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                folds.update(range(lo, hi + 1))
            else:
                folds.add(int(part))
        except ValueError:
            raise ValueError(f"--folds {text!r}: {part!r} is not a fold or range") from None
    bad = sorted(f for f in folds if not 0 <= f < num_folds)
    if bad or not folds:
        raise ValueError(
            f"--folds {text!r}: folds must lie in 0..{num_folds - 1} (got {bad or 'none'})"
        )
    return sorted(folds)
