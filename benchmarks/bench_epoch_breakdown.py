"""Where an epoch's time goes: inside the training steps, cutting the crops, the rest.

The trainer itself (:func:`adfl_teach.training.train`, resumed from its checkpoint one epoch
at a time) runs under ``torch.profiler``; its epoch loop labels each batch's parts with
``record_function`` ("take_crops", "training_step"), so the profile splits each epoch into
steps, crops and the rest (the epoch's ``seconds`` in the history minus both). Then one bare
step (one fixed batch, as ``bench_plain_pipeline.py`` times it, by
``torch.utils.benchmark.Timer``) of the same model kind. If the steps inside the epoch are
as fast as the bare step and the rest is small, an epoch has no pipeline overhead, whatever
a single noisy ratio says. The labels are CPU-side ranges: on a GPU a step's range ends when
its kernels are queued, and the wait shows up in the next range or in the rest.

    python benchmarks/bench_epoch_breakdown.py --data OUT/prepared [--preset cpu-quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import torch
from bench_step_options import face_batch, time_training_step
from torch.profiler import ProfilerActivity, profile

from adfl_teach.config import get_preset
from adfl_teach.data.prepared import load_prepared
from adfl_teach.runtime import select_device
from adfl_teach.training import train

LABELS = ("training_step", "take_crops")  # the record_function labels of the epoch loop


def profiled_epoch(kind, train_set, cfg, classes, neutral, checkpoint, epoch):
    """Epoch ``epoch`` (0-based) of :func:`train`, resumed from ``checkpoint``, profiled:
    ``(epoch seconds, {label: [seconds of each range]})``."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        result = train(kind, train_set, cfg, classes, neutral, checkpoint=checkpoint,
                       stop_after_epoch=epoch + 1, progress=False)  # fmt: skip
    ranges = {label: [] for label in LABELS}
    for event in prof.events():
        if event.name in ranges:
            ranges[event.name].append(event.time_range.elapsed_us() / 1e6)
    return result.history[epoch]["seconds"], ranges


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="a prepared dataset")
    p.add_argument("--preset", default="cpu-quick")
    p.add_argument("--kind", default="adfl", choices=["adfl", "baseline"])
    p.add_argument("--epochs", type=int, default=4)
    args = p.parse_args(argv)
    cfg = get_preset(args.preset)
    cfg = cfg.replace(optim={"epochs": max(args.epochs, cfg.optim.epochs)})
    data = load_prepared(args.data)
    train_set, _ = data.split(0, cfg.data.canvas)
    classes, neutral = len(data.classes), data.neutral_index
    device = select_device(cfg.device)
    print(f"{args.kind}, preset {cfg.preset}, {device} ({torch.get_num_threads()} threads), "
          f"batch {cfg.optim.batch_size}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "checkpoint.pt"
        for epoch in range(args.epochs):
            total, ranges = profiled_epoch(
                args.kind, train_set, cfg, classes, neutral, checkpoint, epoch
            )
            steps, crops = ranges["training_step"], ranges["take_crops"]
            rest = total - sum(steps) - sum(crops)
            print(f"epoch {epoch + 1}: {total:.3f} s = steps {sum(steps):.3f} ({len(steps)}, "
                  f"median {1000 * statistics.median(steps):.1f} ms) + crops {sum(crops):.3f} "
                  f"+ rest {rest:.3f}")  # fmt: skip
    images, labels, *_ = face_batch(cfg, args.data)
    bare = time_training_step(args.kind, cfg, images.to(device), labels.to(device), classes,
                              neutral, steps=20, warmup=3)  # fmt: skip
    print(f"bare step (one fixed batch, after 3 warm-up): mean {1000 * bare:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
