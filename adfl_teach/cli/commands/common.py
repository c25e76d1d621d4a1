"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from adfl_teach.config import PRESETS, Config, get_preset
from adfl_teach.data.folds import check_fold
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
        parser.add_argument("--seed", default=None, help=f"override the random seed ({SEED_RULE})")
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


#: Seeds are unsigned 32-bit integers, 0 <= seed < 2**32: what NumPy's ``default_rng`` and
#: every other generator the project seeds accept alike (torch takes up to 2**64, NumPy's
#: legacy ``RandomState`` only up to 2**32 - 1). One rule for every command and option.
SEED_LIMIT = 2**32
SEED_RULE = f"a seed is an integer in 0..{SEED_LIMIT - 1} (0 <= seed < 2**32)"
#: The most values one range option may expand to (``--seeds 0-4294967295`` would fill the
#: memory before anything runs).
MAX_RANGE_VALUES = 10_000
#: The options holding one seed, by their ``argparse`` attribute.
SEED_OPTIONS = {"seed": "--seed", "synth_seed": "--synth-seed"}


def parse_ranges(text: str, option: str, limit: int | None = None) -> list[int]:
    """``"0-9"``, ``"3"``, ``"0,2,5-7"`` -> the sorted integers (``option`` names the flag in
    errors). A range is checked before it is expanded: at most :data:`MAX_RANGE_VALUES`
    values, and below ``limit`` when one is given."""
    values: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                lo, hi = (int(x) for x in part.split("-", 1))
            else:
                lo = hi = int(part)
        except ValueError:
            raise ValueError(f"{option} {text!r}: {part!r} is not a number or range") from None
        if limit is not None and max(lo, hi) >= limit:
            raise ValueError(f"{option} {text!r}: {max(lo, hi)} is not below {limit}")
        if hi - lo + 1 > MAX_RANGE_VALUES:
            raise ValueError(
                f"{option} {text!r}: {part} holds {hi - lo + 1} values, more than "
                f"{MAX_RANGE_VALUES}"
            )
        values.update(range(lo, hi + 1))
    return sorted(values)


def parse_folds(text: str, num_folds: int = 10) -> list[int]:
    """``--folds`` -> sorted fold indices, each checked against range
    (:func:`adfl_teach.data.folds.check_fold`; a dataset checks its own number again)."""
    folds = parse_ranges(text, "--folds")
    if not folds:
        raise ValueError(f"--folds {text!r}: no fold given")
    for fold in folds:
        try:
            check_fold(fold, num_folds)
        except ValueError as err:
            raise ValueError(f"--folds {text!r}: {err}") from None
    return folds


def parse_seed(value, option: str = "--seed") -> int:
    """One seed (``--seed``, ``--synth-seed``) under the rule :data:`SEED_RULE`; a ValueError
    naming the option otherwise."""
    try:
        seed = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{option} {value!r}: not an integer; {SEED_RULE}") from None
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"{option} {value!r}: out of range; {SEED_RULE}")
    return seed


def parse_seeds(text: str | None, option: str = "--seeds") -> list[int] | None:
    """``--seeds`` (``0-2``, ``0,1``) -> sorted seeds, each under :data:`SEED_RULE`; None (not
    given) stays None."""
    if text is None:
        return None
    try:
        seeds = parse_ranges(text, option, limit=SEED_LIMIT)
    except ValueError as err:
        raise ValueError(f"{err}; {SEED_RULE}, e.g. 0-2 or 0,1") from None
    if not seeds:
        raise ValueError(f"{option} {text!r}: names no seed; give e.g. 0-2 or 0,1")
    if seeds[0] < 0:
        raise ValueError(f"{option} {text!r}: {seeds[0]} is negative; {SEED_RULE}")
    return seeds


def check_counts(args: argparse.Namespace) -> argparse.Namespace:
    """``--subjects`` (main, reproduce), when given, is at least 1: ``--subjects 0`` would
    otherwise fall back to the preset's number silently. A ValueError otherwise (``synth``
    checks its own in :class:`~adfl_teach.synth.SynthConfig`)."""
    subjects = getattr(args, "subjects", None)
    if subjects is not None and subjects < 1:
        raise ValueError(f"--subjects {subjects}: give at least 1 synthetic subject")
    return args


def check_seed_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """The one seed rule for every command: each seed option of ``args`` (``--seed``,
    ``--synth-seed``: made ints; ``--seeds``: checked) obeys :data:`SEED_RULE`, else a
    ValueError, i.e. one line at the error boundary (:func:`adfl_teach.cli.run_guarded`)."""
    for attr, option in SEED_OPTIONS.items():
        if getattr(args, attr, None) is not None:
            setattr(args, attr, parse_seed(getattr(args, attr), option))
    parse_seeds(getattr(args, "seeds", None))
    return args


def check_out_outside_data(args: argparse.Namespace) -> argparse.Namespace:
    """``--out`` must not be ``--data`` or lie inside it: a run written into a prepared
    dataset is a folder ``adfl-teach prepare`` did not make, so the dataset could no longer
    be re-prepared with ``--overwrite`` (and deleting the run would mean editing the
    dataset). A ValueError naming ``--out`` otherwise."""
    data, out = getattr(args, "data", None), getattr(args, "out", None)
    if data is None or out is None:
        return args
    data_dir, out_dir = Path(data).resolve(), Path(out).resolve()
    if out_dir == data_dir or data_dir in out_dir.parents:
        raise ValueError(
            f"{out}: --out lies inside --data {data}; a run written into the prepared "
            "dataset would make it unusable for `adfl-teach prepare --overwrite`: choose an "
            "--out outside it"
        )
    return args
