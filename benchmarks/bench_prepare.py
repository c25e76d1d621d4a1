"""Time the preparation of a synthetic CK+-like database (sec. 3.1 + 3.2 pipeline).

Generates a database with :func:`adfl_teach.synth.generate_database` (default size: the
``SynthConfig`` defaults, i.e. the book's database), then prepares it with the ``ckplus``
protocol and the ``landmarks`` detector, and builds the image cache at 128x110 and 64x55.
Optionally also times MTCNN on a sample of frames (``--mtcnn N``)::

    python benchmarks/bench_prepare.py [--subjects 120] [--workdir DIR] [--mtcnn 50]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from adfl_teach.data.prepare import prepare
from adfl_teach.data.prepared import load_prepared


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=None, help="default: SynthConfig's")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default=None, help="kept if given; else a temp folder")
    parser.add_argument("--mtcnn", type=int, default=0, help="also time MTCNN on N frames")
    args = parser.parse_args(argv)

    from adfl_teach.synth import generate_database

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench_prep_"))
    results = {}
    try:
        t = time.perf_counter()
        src = generate_database(
            work / "synth", subjects=args.subjects, seed=args.seed, progress=False,
            overwrite=True,
        )  # fmt: skip
        results["generate_s"] = time.perf_counter() - t

        t = time.perf_counter()
        out = prepare("ckplus", src, work / "prepared", detector="landmarks", overwrite=True,
                      progress=False)  # fmt: skip
        results["prepare_s"] = time.perf_counter() - t
        data = load_prepared(out)
        results["images"] = len(data)
        results["subjects"] = len(set(data.subjects))
        for canvas in ((128, 110), (64, 55)):
            t = time.perf_counter()
            load_prepared(out).images(canvas, progress=False)
            build = time.perf_counter() - t
            t = time.perf_counter()
            load_prepared(out).images(canvas, progress=False)
            results[f"cache_{canvas[0]}x{canvas[1]}_build_s"] = build
            results[f"cache_{canvas[0]}x{canvas[1]}_load_s"] = time.perf_counter() - t

        if args.mtcnn:
            from adfl_teach.data.protocols.base import read_image
            from adfl_teach.preprocess.detectors import get_detector

            frames = sorted((src / "cohn-kanade-images").rglob("*.png"))[: args.mtcnn]
            detector = get_detector("mtcnn")
            found, t = 0, time.perf_counter()
            for path in frames:
                try:
                    detector.detect(read_image(path), path)
                    found += 1
                except Exception:  # noqa: BLE001 - counting misses only
                    pass
            results["mtcnn_s_per_frame"] = (time.perf_counter() - t) / len(frames)
            results["mtcnn_found"] = f"{found}/{len(frames)}"
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    per = results["prepare_s"] / results["images"] * 1000
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()},
                     indent=2))  # fmt: skip
    print(f"prepare: {results['images']} aligned faces in {results['prepare_s']:.1f} s "
          f"({per:.1f} ms per face, landmarks detector)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
