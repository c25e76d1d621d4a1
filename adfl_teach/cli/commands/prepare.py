"""``adfl-teach prepare ckplus|mmi|oulu --src DIR --out DIR``: a database -> the prepared format.

Detects five landmarks, aligns every selected frame onto the 128x110 canvas (sec. 3.1) and
writes ``manifest.csv`` + ``dataset.json`` with 10 subject-independent folds (sec. 3.2); see
:func:`adfl_teach.data.prepare.prepare`. The databases are licensed: point ``--src`` at your
own copy; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import time

from adfl_teach.data.prepare import prepare
from adfl_teach.data.protocols import PROTOCOLS
from adfl_teach.preprocess.detectors import FaceNotFoundError


def add_arguments(p) -> None:
    """The options, shared with the ``data_scripts/prepare_*.py`` wrappers."""
    p.add_argument("--src", required=True, help="your copy of the database (native layout)")
    p.add_argument("--out", required=True, help="output folder for the prepared dataset")
    p.add_argument(
        "--detector",
        choices=("landmarks", "mtcnn", "opencv"),
        default=None,
        help="where the five landmarks come from. Default: mtcnn (the paper's) for mmi and "
        "oulu; for ckplus the Landmarks/ files when SRC has them, else mtcnn",
    )
    p.add_argument(
        "--skip-missing-faces",
        action="store_true",
        help="leave out frames where no face is found (listed in dataset.json) instead of "
        "stopping with an error",
    )
    p.add_argument(
        "--folds",
        choices=("modulo", "contiguous"),
        default="modulo",
        help="subjects sorted by ID go to fold rank mod 10 (default) or to 10 contiguous blocks",
    )
    p.add_argument(
        "--sequences",
        metavar="FILE",
        default=None,
        help="use only the sequences listed in FILE, one id per line (MMI: the paper used "
        "209 front-view of 236 sequences; ckplus ids as S005/001, oulu as P001/Anger)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a prepared dataset that `adfl-teach prepare` made at --out (a folder "
        "it did not make is never deleted)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def protocol_help() -> str:
    """One line per registered protocol (:data:`adfl_teach.data.protocols.PROTOCOLS`)."""
    width = max(len(name) for name in PROTOCOLS)
    return "\n".join(f"  {name:{width}s}  {cls.help}" for name, cls in PROTOCOLS.items())


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "prepare",
        help="detect, align and split a facial expression database (sec. 3.1, 3.2)",
        description="Detect five landmarks, align every selected frame onto the 128x110 canvas "
        "(sec. 3.1) and write manifest.csv + dataset.json with 10 subject-independent folds "
        "(sec. 3.2). The databases are licensed: point --src at your own copy."
        + "\n\nprotocols:\n"
        + protocol_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("protocol", choices=tuple(PROTOCOLS), help="which database protocol")
    add_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Prepare; errors go to the command line's error boundary (:mod:`adfl_teach.cli`)."""
    start = time.perf_counter()
    try:
        prepare(
            args.protocol,
            args.src,
            args.out,
            detector=args.detector,
            skip_missing_faces=args.skip_missing_faces,
            fold_scheme=args.folds,
            sequences=args.sequences,
            overwrite=args.overwrite,
            progress=not args.quiet,
            verbose=True,
        )
    except FaceNotFoundError as err:
        hint = f"{err.reason} (--skip-missing-faces leaves such frames out)"
        raise FaceNotFoundError(err.path, hint) from err
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0
