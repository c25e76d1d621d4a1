"""`adfl-teach synth`: generate the synthetic CK+-like database (:mod:`adfl_teach.synth`).

Example::

    adfl-teach synth --out data/synth-ckplus --subjects 120 --seed 0
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace


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
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
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
    from adfl_teach.config import ConfigError
    from adfl_teach.synth import SynthConfig
    from adfl_teach.synth.database import generate_database

    changes = {
        "intensity": args.intensity,
        "nuisance": args.nuisance,
        "identity_variety": args.identity_variety,
        "workers": args.workers,
        "subjects": args.subjects,
    }
    try:
        config = replace(SynthConfig(), **{k: v for k, v in changes.items() if v is not None})
        start = time.perf_counter()
        out = generate_database(
            args.out,
            seed=args.seed,
            config=config,
            progress=not args.no_progress,
            overwrite=args.overwrite,
        )
    except (ConfigError, FileExistsError, ValueError) as error:
        print(f"adfl-teach synth: error: {error}", file=sys.stderr)
        return 2
    import json

    counts = json.loads((out / "synth.json").read_text())["counts"]
    print(
        f"wrote {out}: {counts['subjects']} subjects, {counts['sequences']} sequences "
        f"({counts['labelled_sequences']} labelled; per class {counts['per_class']}), "
        f"{counts['frames']} frames in {time.perf_counter() - start:.1f} s"
    )
    return 0
