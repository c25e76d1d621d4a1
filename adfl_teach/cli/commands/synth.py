"""`adfl-teach synth`: generate the synthetic CK+-like database (:mod:`adfl_teach.synth`).

Example::

    adfl-teach synth --out data/synth-ckplus --subjects 120 --seed 0
"""

from __future__ import annotations

import time
from dataclasses import replace

from adfl_teach.cli.commands.common import SEED_RULE
from adfl_teach.runtime import read_json
from adfl_teach.synth import SynthConfig
from adfl_teach.synth.database import generate_database


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "synth",
        help="generate the synthetic expression database in the CK+ layout",
        description="Generate a procedural facial-expression database in the native CK+ "
        "layout (cohn-kanade-images/, Emotion/, Landmarks/) with full ground truth "
        "(ground_truth.csv, subjects.json, synth.json). Same seed and knobs give "
        "byte-identical files.",
    )
    p.add_argument("--out", required=True, help="output directory (written atomically)")
    p.add_argument("--subjects", type=int, default=None, help="number of subjects (default 120)")
    p.add_argument("--seed", default=0, help=f"random seed (default 0; {SEED_RULE})")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a database that `adfl-teach synth` made at --out (a folder it did not "
        "make is never deleted)",
    )
    p.add_argument(
        "--intensity", type=float, default=None, help="apex scale of expressions (default 0.85)"
    )
    p.add_argument(
        "--nuisance",
        type=float,
        default=None,
        help="pose/light/noise/clutter strength, 0..2 (default 1)",
    )
    p.add_argument(
        "--identity-variety",
        type=float,
        default=None,
        help="how much subjects differ, 0..2 (default 1)",
    )
    p.add_argument(
        "--workers", type=int, default=None, help="processes (default 2; no effect on results)"
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    """Generate; errors go to the command line's error boundary (:mod:`adfl_teach.cli`)."""
    changes = {
        "intensity": args.intensity,
        "nuisance": args.nuisance,
        "identity_variety": args.identity_variety,
        "workers": args.workers,
        "subjects": args.subjects,
    }
    config = replace(SynthConfig(), **{k: v for k, v in changes.items() if v is not None})
    start = time.perf_counter()
    out = generate_database(
        args.out,
        seed=args.seed,
        config=config,
        progress=not args.no_progress,
        overwrite=args.overwrite,
    )
    counts = read_json(out / "synth.json", expect=dict)["counts"]
    print(
        f"wrote {out}: {counts['subjects']} subjects, {counts['sequences']} sequences "
        f"({counts['labelled_sequences']} labelled; per class {counts['per_class']}), "
        f"{counts['frames']} frames in {time.perf_counter() - start:.1f} s"
    )
    return 0
