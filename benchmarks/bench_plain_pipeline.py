"""Our trainer against the plain way: images per second, and the per-epoch overhead.

The plain way is what a user writes first: a ``torch.utils.data.Dataset`` that opens each
prepared PNG, resizes it to the canvas and returns one random crop of its ten
(``transforms.TenCrop``, then one at random; with ``train_crops="all"`` one item per image
and crop), ``ToTensor`` + ``Normalize``, a ``DataLoader`` (``num_workers`` 0 and 2,
shuffled), and a loop over it. Both sides train the same model
with the same loss and the same step function (:func:`adfl_teach.training.training_step`),
on the same training images (all folds but fold 0), batch size and device: only the data
path differs. One image = one crop through the model.

* ``trainer``: :func:`adfl_teach.training.train`, the median seconds of epochs 2..E from its
  history (epoch 1 warms up).
* ``plain (workers=W)``: the same over E epochs of the DataLoader loop.
* test pass: the trainer's epoch again, each followed by the ten-crop test pass on fold 0
  (``eval_every=1``): what the per-epoch curves of chapter 9 cost.
* overhead: the trainer's epoch against (steps per epoch x one bare training step: the
  median of ``training_step`` on one fixed, already cropped batch on the device), measured
  in the same run. The goal of issue 12 is within 10 %.

    PYTHONPATH=. python benchmarks/bench_plain_pipeline.py --preset cpu-quick
    PYTHONPATH=. python benchmarks/bench_plain_pipeline.py --preset colab --out DIR  # GPU

Without ``--data`` it generates a small synthetic database and prepares it first.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from bench_step_options import fresh_model, report, sync, time_training_step

from adfl_teach.config import get_preset
from adfl_teach.crops import take_crops
from adfl_teach.data.prepared import load_prepared
from adfl_teach.layers import PIXEL_MEAN, PIXEL_SCALE
from adfl_teach.runtime import select_device
from adfl_teach.training import train, training_step


class PreparedPNGs(torch.utils.data.Dataset):
    """The prepared faces, each read from its PNG file on every access, resized to the canvas
    and cut by ``TenCrop``: one random crop of each image, or with ``all_crops`` one item per
    (image, crop) pair, ten per image."""

    def __init__(self, data, rows, canvas, crop, all_crops=False):
        from torchvision import transforms

        self.paths = [data.root / data.paths[i] for i in rows]
        self.labels = [int(data.labels[i]) for i in rows]
        self.copies = 10 if all_crops else 1
        self.resize, self.ten_crop = transforms.Resize(canvas), transforms.TenCrop(crop)
        self.to_tensor = transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize([PIXEL_MEAN / 255] * 3, [PIXEL_SCALE / 255] * 3),
        ])  # fmt: skip

    def __len__(self):
        return len(self.paths) * self.copies

    def __getitem__(self, item):
        from PIL import Image

        i, k = divmod(item, self.copies)
        with Image.open(self.paths[i]) as image:
            crops = self.ten_crop(self.resize(image.convert("RGB")))
        crop = crops[k] if self.copies == 10 else random.choice(crops)
        return self.to_tensor(crop), self.labels[i]


def trainer_epochs(kind, data, cfg, epochs, test_pass=False) -> list[float]:
    """Seconds of each epoch of :func:`train` on fold 0's training images; with
    ``test_pass``, each epoch also ends with the ten-crop test pass on fold 0
    (``eval_every=1``, as chapter 9's curves)."""
    train_set, test_set = data.split(0, cfg.data.canvas)
    run = train(kind, train_set, cfg.replace(optim={"epochs": epochs}, eval_every=1),
                len(data.classes), data.neutral_index, progress=False,
                test_set=test_set if test_pass else None)  # fmt: skip
    return [record["seconds"] for record in run.history]


def plain_epochs(kind, data, cfg, epochs, workers, device) -> tuple[list[float], int]:
    """Seconds of each epoch of the DataLoader loop, and the images of one epoch."""
    rows = training_rows(kind, data, cfg).nonzero()[0]
    all_crops = cfg.data.train_crops == "all"
    dataset = PreparedPNGs(data, rows, cfg.data.canvas, cfg.data.crop, all_crops)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=cfg.optim.batch_size, shuffle=True, num_workers=workers
    )
    model, optimizer, scaler = fresh_model(kind, cfg, len(data.classes), data.neutral_index, device)
    seconds = []
    for _ in range(epochs):
        sync(device)
        t0 = time.perf_counter()
        for images, labels in loader:
            if len(labels) >= 2:  # BatchNorm needs two samples
                training_step(model, images.to(device), labels.to(device), optimizer, cfg, scaler)
        sync(device)
        seconds.append(time.perf_counter() - t0)
    return seconds, len(dataset)


def bare_step_seconds(kind, data, cfg, device) -> float:
    """Median seconds of one ``training_step`` on a fixed batch of the dataset's crops."""
    index = torch.arange(cfg.optim.batch_size) % len(data)
    images = data.images(cfg.data.canvas, progress=False)[index]
    images = take_crops(images, index % 10, cfg.data.crop).to(device)
    labels = torch.from_numpy(data.labels)[index].to(device)
    return time_training_step(kind, cfg, images, labels, len(data.classes), data.neutral_index,
                              steps=20)  # fmt: skip


def training_rows(kind, data, cfg):
    """``(N,)`` bool: the images :func:`train` learns from when fold 0 is the test fold."""
    rows = data.folds != 0
    if kind == "baseline" and not cfg.model.neutral_is_class:
        rows &= data.labels != data.neutral_index  # the baseline skips neutral faces
    return rows


def trainer_images_per_epoch(kind, data, cfg) -> int:
    """Crops one epoch of :func:`train` puts through the model."""
    return int(training_rows(kind, data, cfg).sum()) * (10 if cfg.data.train_crops == "all" else 1)


def measure(kind, data, cfg, epochs, workers) -> dict:
    device = select_device(cfg.device)
    steady = lambda secs: statistics.median(secs[1:] if len(secs) > 1 else secs)  # noqa: E731
    images = trainer_images_per_epoch(kind, data, cfg)
    data.images(cfg.data.canvas, progress=False)  # decode once, outside the timings
    # the bare step before and after the trainer's epochs: the load of a shared machine drifts
    bare = bare_step_seconds(kind, data, cfg, device)
    epoch = steady(trainer_epochs(kind, data, cfg, epochs))
    bare = (bare + bare_step_seconds(kind, data, cfg, device)) / 2
    with_test = steady(trainer_epochs(kind, data, cfg, epochs, test_pass=True))
    steps = images / cfg.optim.batch_size  # a last, partial batch counts by its share
    rows = [{"pipeline": "trainer", "images_per_epoch": images, "epoch_s": epoch,
             "images_per_s": images / epoch}]  # fmt: skip
    for w in workers:
        secs, n = plain_epochs(kind, data, cfg, epochs, w, device)
        rows.append({"pipeline": f"plain, num_workers={w}", "images_per_epoch": n,
                     "epoch_s": steady(secs), "images_per_s": n / steady(secs)})  # fmt: skip
    for row in rows:
        row["trainer_ratio"] = rows[0]["images_per_s"] / row["images_per_s"]
    return {
        "kind": kind, "preset": cfg.preset, "device": str(device), "epochs": epochs,
        "threads": torch.get_num_threads(), "batch": cfg.optim.batch_size,
        "train_crops": cfg.data.train_crops, "rows": rows,
        "overhead": {"epoch_s": epoch, "steps": round(steps, 2), "bare_step_s": bare,
                     "ratio": epoch / (steps * bare)},
        "test_pass": {"epoch_s": with_test, "share": (with_test - epoch) / epoch},
        "load": os.getloadavg(),
    }  # fmt: skip


def markdown(r: dict) -> str:
    o = r["overhead"]
    lines = [
        f"Trainer vs the plain way: {r['kind']}, preset {r['preset']}, {r['device']} "
        f"({r['threads']} threads), batch {r['batch']}, train_crops {r['train_crops']}, "
        f"median of epochs 2..{r['epochs']}; load average {r['load'][0]:.1f}",
        "",
        "| pipeline | images/epoch | s/epoch | images/s | trainer / this |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in r["rows"]:
        lines.append(f"| {row['pipeline']} | {row['images_per_epoch']} | {row['epoch_s']:.2f} "
                     f"| {row['images_per_s']:.0f} | {row['trainer_ratio']:.2f} |")  # fmt: skip
    lines += ["", f"Per-epoch overhead: {o['epoch_s']:.2f} s per epoch vs {o['steps']} steps x "
              f"{1000 * o['bare_step_s']:.1f} ms bare step = {o['steps'] * o['bare_step_s']:.2f} s: "
              f"ratio {o['ratio']:.2f} (goal <= 1.10)"]  # fmt: skip
    t = r["test_pass"]
    lines += ["", f"With a ten-crop test pass after every epoch (eval_every=1): {t['epoch_s']:.2f} "
              f"s per epoch, {100 * t['share']:+.0f} % (the cv jobs skip it; chapter 9 pays it)"]  # fmt: skip
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="cpu-quick")
    p.add_argument("--kind", default="adfl", choices=["adfl", "baseline"])
    p.add_argument("--data", type=Path, help="a prepared dataset (default: generate one)")
    p.add_argument("--subjects", type=int, default=30, help="size of the generated database")
    p.add_argument("--epochs", type=int, default=3, help="per pipeline; the first warms up")
    p.add_argument("--workers", default="0,2", help="DataLoader num_workers to try")
    p.add_argument("--train-crops", choices=["random", "all"], help="default: the preset's")
    p.add_argument("--out", type=Path, help="also write plain_pipeline.{md,json} here")
    args = p.parse_args(argv)
    cfg = get_preset(args.preset)
    if args.train_crops:
        cfg = cfg.replace(data={"train_crops": args.train_crops})
    data_dir = args.data
    if data_dir is None:
        from adfl_teach.data.prepare import prepare
        from adfl_teach.synth import generate_database

        work = Path(tempfile.mkdtemp(prefix="bench_plain_"))
        src = generate_database(work / "synthetic", subjects=args.subjects, progress=False)
        data_dir = prepare("ckplus", src, work / "prepared", detector="landmarks", progress=False)
    data = load_prepared(data_dir)
    workers = [int(w) for w in args.workers.split(",")]
    result = measure(args.kind, data, cfg, args.epochs, workers)
    report(markdown(result), result, args.out, "plain_pipeline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
