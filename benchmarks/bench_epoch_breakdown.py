"""Where an epoch's time goes: inside the training steps, cutting the crops, the rest.

The trainer's epoch loop (:func:`adfl_teach.training._train_epoch`) with a timer around each
part, on fold 0's training images, then one bare step (one fixed batch, as
``bench_plain_pipeline.py`` times it) on the same model. If the steps inside the epoch are
as fast as the bare step and the rest is small, an epoch has no pipeline overhead, whatever
a single noisy ratio says.

    PYTHONPATH=. python benchmarks/bench_epoch_breakdown.py --data OUT/prepared [--preset cpu-quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_step_options import _sync  # noqa: E402

from adfl_teach.config import get_preset  # noqa: E402
from adfl_teach.crops import take_crops  # noqa: E402
from adfl_teach.data.prepared import load_prepared  # noqa: E402
from adfl_teach.runtime import select_device  # noqa: E402
from adfl_teach.training import _Session, epoch_order, training_step  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="a prepared dataset")
    p.add_argument("--preset", default="cpu-quick")
    p.add_argument("--kind", default="adfl", choices=["adfl", "baseline"])
    p.add_argument("--epochs", type=int, default=4)
    args = p.parse_args(argv)
    cfg = get_preset(args.preset)
    data = load_prepared(args.data)
    train_set, _ = data.split(0, cfg.data.canvas)
    device = select_device(cfg.device)
    session = _Session.start(args.kind, len(data.classes), data.neutral_index, cfg, device)
    images, labels = train_set.images.to(device), train_set.labels.to(device)
    bs = cfg.optim.batch_size
    print(f"{args.kind}, preset {cfg.preset}, {device} ({torch.get_num_threads()} threads), "
          f"batch {bs}")  # fmt: skip
    for epoch in range(args.epochs):
        index, crop = epoch_order(len(labels), cfg.seed, epoch, cfg.data.train_crops)
        index, crop = index.to(device), crop.to(device)
        steps, crops, start_epoch = [], [], time.perf_counter()
        for start in range(0, index.numel(), bs):
            sel = index[start : start + bs]
            t0 = time.perf_counter()
            batch = take_crops(images[sel], crop[start : start + bs], cfg.data.crop)
            _sync(device)
            t1 = time.perf_counter()
            training_step(session.step_model, batch, labels[sel], session.optimizer, cfg)
            _sync(device)
            steps.append(time.perf_counter() - t1)
            crops.append(t1 - t0)
        total = time.perf_counter() - start_epoch
        rest = total - sum(steps) - sum(crops)
        print(f"epoch {epoch + 1}: {total:.3f} s = steps {sum(steps):.3f} ({len(steps)}, median "
              f"{1000 * statistics.median(steps):.1f} ms) + crops {sum(crops):.3f} + rest "
              f"{rest:.3f}")  # fmt: skip
    batch = take_crops(images[index[:bs]], crop[:bs], cfg.data.crop)
    bare = []
    for _ in range(23):
        _sync(device)
        t0 = time.perf_counter()
        training_step(session.step_model, batch, labels[index[:bs]], session.optimizer, cfg)
        _sync(device)
        bare.append(time.perf_counter() - t0)
    print(f"bare step (one fixed batch, after 3 warm-up): median "
          f"{1000 * statistics.median(bare[3:]):.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
