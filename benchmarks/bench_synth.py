"""Time the default-size synthetic database (a script, not a test).

    PYTHONPATH=. python benchmarks/bench_synth.py [--subjects N] [--workers W]

Prints the wall-clock seconds of ``generate_database`` with ``SynthConfig()`` defaults
(120 subjects, 2 workers) into a temporary directory, and the frames per second.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from adfl_teach.synth import SynthConfig, generate_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--subjects", type=int, default=None, help="default: SynthConfig().subjects"
    )
    parser.add_argument("--workers", type=int, default=None, help="default: SynthConfig().workers")
    args = parser.parse_args()
    config = SynthConfig()
    if args.workers is not None:
        config = replace(config, workers=args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = generate_database(
            Path(tmp) / "synth", subjects=args.subjects, config=config, progress=False
        )
        seconds = time.perf_counter() - start
        counts = json.loads((out / "synth.json").read_text())["counts"]
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"generate_database: {seconds:.1f} s for {counts['subjects']} subjects, "
        f"{counts['sequences']} sequences, {counts['frames']} frames "
        f"({counts['frames'] / seconds:.0f} frames/s, {size / 2**20:.0f} MiB, workers={config.workers})"
    )


if __name__ == "__main__":
    main()
