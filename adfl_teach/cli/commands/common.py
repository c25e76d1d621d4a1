"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse

from adfl_teach.config import PRESETS, Config, get_preset
from adfl_teach.validation import AMP_MODES


def add_preset_argument(
    parser: argparse.ArgumentParser, seeds: bool = False, default_seeds: str | None = None
) -> None:
    """``--preset --epochs --device --quiet``, and ``--seed`` (one run) or, with ``seeds``,
    ``--seeds`` (a run per seed; default ``default_seeds``, else the preset's seed)."""
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
    if seeds:
        parser.add_argument(
            "--seeds",
            default=default_seeds,
            help="random seeds, e.g. 0-2 or 0,1: every fold runs once per seed, and the "
            "summary gives the mean over seeds with a 95%% CI (default: "
            + (default_seeds or "the preset's seed, 0")
            + ")",
        )
    else:
        parser.add_argument("--seed", type=int, default=None, help="override the random seed")
    parser.add_argument("--device", default=None, help="auto (default), cpu, cuda, cuda:N or mps")
    speed = parser.add_argument_group("speed options (not in the paper; only the rounding changes)")
    speed.add_argument(
        "--amp", default=None, choices=AMP_MODES, help="mixed precision (default: the preset's)"
    )
    speed.add_argument(
        "--channels-last",
        default=None,
        action=argparse.BooleanOptionalAction,
        help="channels_last memory order (default: the preset's; on in cpu-quick). Runs made "
        "with another setting are not mixed: continue one with its own setting",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def add_jobs_argument(parser: argparse.ArgumentParser, default: int = 1) -> None:
    parser.add_argument(
        "--jobs",
        type=int,
        default=default,
        help="(seed, model, fold) jobs run at once, each in its own process with 1/N of the "
        "CPU threads; results are the same for any N (default: %(default)s)",
    )


def config_from_args(args: argparse.Namespace) -> Config:
    cfg = get_preset(args.preset)
    if args.epochs is not None:
        cfg = cfg.replace(optim={"epochs": args.epochs})
    if getattr(args, "seed", None) is not None:
        cfg = cfg.replace(seed=args.seed)
    if args.device is not None:
        cfg = cfg.replace(device=args.device)
    if getattr(args, "amp", None) is not None:
        cfg = cfg.replace(amp=args.amp)
    if getattr(args, "channels_last", None) is not None:
        cfg = cfg.replace(channels_last=args.channels_last)
    return cfg


def parse_ranges(text: str, option: str) -> list[int]:
    """``"0-9"``, ``"3"``, ``"0,2,5-7"`` -> the sorted integers (``option`` names the flag in
    errors)."""
    values: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                lo, hi = (int(x) for x in part.split("-", 1))
                values.update(range(lo, hi + 1))
            else:
                values.add(int(part))
        except ValueError:
            raise ValueError(f"{option} {text!r}: {part!r} is not a number or range") from None
    return sorted(values)


def parse_folds(text: str, num_folds: int = 10) -> list[int]:
    """``--folds`` -> sorted fold indices, each checked against range."""
    folds = parse_ranges(text, "--folds")
    bad = [f for f in folds if not 0 <= f < num_folds]
    if bad or not folds:
        raise ValueError(
            f"--folds {text!r}: folds must lie in 0..{num_folds - 1} (got {bad or 'none'})"
        )
    return folds


def parse_seeds(text: str | None) -> list[int] | None:
    """``--seeds`` -> sorted non-negative seeds; None (not given) stays None."""
    if text is None:
        return None
    seeds = parse_ranges(text, "--seeds")
    if not seeds or seeds[0] < 0:
        raise ValueError(f"--seeds {text!r}: give non-negative seeds, e.g. 0-2 or 0,1")
    return seeds
