"""Training-step throughput under each GPU option (issue 12): images per second.

    python benchmarks/bench_step_options.py                  # paper size 112x96, batch 64
    python benchmarks/bench_step_options.py --preset smoke --steps 2 --warmup 1   # a quick check
    python benchmarks/bench_step_options.py --preset cpu-quick --data OUT/prepared   # real faces
    python benchmarks/bench_step_options.py --options fp32    # the plain step alone

One training step (:func:`adfl_teach.training.training_step`: forward, the objective, one
backward, one Adam update) on one fixed batch already on the device, for ADFL and the
baseline, under each option: fp32, AMP fp16 (with the gradient scaler), AMP bf16,
channels_last (alone and with bf16), torch.compile. Each step is timed by
``torch.utils.benchmark.Timer`` (it synchronises the GPU and keeps the thread count): the
mean over the timed steps after warm-up (compilation happens in the warm-up). An option
that cannot run here is listed with the reason.

The batch is random pixels unless ``--data`` names a prepared dataset: then it is fold 0's
first training batch, cut as the trainer cuts it. Prefer real faces on a CPU: there
PyTorch's PReLU backward is a loop with a branch per value, and on random pixels the signs
of the activations are unpredictable, which makes that loop about twice as slow as in
training (``benchmarks/README.md``), so ratios between options can differ from training's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch.utils.benchmark import Timer

from adfl_teach.acceleration import make_scaler, prepare_model
from adfl_teach.config import get_preset
from adfl_teach.crops import take_crops
from adfl_teach.data.prepared import load_prepared
from adfl_teach.model import create_model
from adfl_teach.optimization import make_optimizer
from adfl_teach.runtime import select_device
from adfl_teach.training import epoch_order, training_step

# option -> every speed field of the Config (adfl_teach.acceleration), so that each row
# runs its option alone whatever the preset's own defaults are
_PLAIN = {"amp": "off", "channels_last": False, "compile": False}
OPTIONS = {
    "fp32": _PLAIN,
    "AMP fp16": {**_PLAIN, "amp": "fp16"},
    "AMP bf16": {**_PLAIN, "amp": "bf16"},
    "channels_last": {**_PLAIN, "channels_last": True},
    "channels_last + AMP bf16": {**_PLAIN, "channels_last": True, "amp": "bf16"},
    "torch.compile": {**_PLAIN, "compile": True},
    "channels_last + torch.compile": {**_PLAIN, "channels_last": True, "compile": True},
}


def sync(device: torch.device) -> None:
    """Wait for the GPU (a no-op on a CPU), so that a wall-clock time covers its work."""
    if device.type == "cuda":
        torch.cuda.synchronize()


def fresh_model(kind, cfg, num_classes, neutral_index, device):
    """``(step model, optimizer, scaler)`` as the trainer builds them, from ``cfg.seed``
    (the step model is ``torch.compile``'s wrapper when ``cfg.compile``)."""
    torch.manual_seed(cfg.seed)
    model = create_model(kind, num_classes, neutral_index, cfg).to(device).train()
    step_model = prepare_model(model, cfg)
    return step_model, make_optimizer(model, cfg), make_scaler(cfg, device)


def time_training_step(kind, cfg, images, labels, num_classes, neutral_index,
                       steps=10, warmup=3) -> float:  # fmt: skip
    """Mean seconds of one training step of a fresh ``kind`` model on ``images`` (crops on
    the training device) and ``labels``, over ``steps`` steps after ``warmup``."""
    device = images.device
    model, optimizer, scaler = fresh_model(kind, cfg, num_classes, neutral_index, device)
    timer = Timer(
        "training_step(model, images, labels, optimizer, cfg, scaler)",
        globals={"training_step": training_step, "model": model, "images": images,
                 "labels": labels, "optimizer": optimizer, "cfg": cfg, "scaler": scaler},
        num_threads=torch.get_num_threads(),
    )  # fmt: skip
    if warmup:
        timer.timeit(warmup)  # compilation, allocator and cache warm-up: not timed
    return timer.timeit(steps).mean  # (Timer warms up twice more itself)


def unavailable(option: str, device: torch.device) -> str | None:
    """Why ``option`` cannot run on ``device`` (None: it can)."""
    if option == "AMP fp16" and device.type != "cuda":
        return "needs CUDA"
    if "bf16" in option and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return "no bf16 on this GPU"
    return None


def random_batch(cfg) -> tuple[torch.Tensor, torch.Tensor, int, int, str]:
    """``(images, labels, classes, neutral index, source)``: uniform random pixels, 8 classes."""
    b = cfg.optim.batch_size
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (b, 3, *cfg.data.crop), generator=g, dtype=torch.uint8)
    return images, torch.arange(b) % 8, 8, 0, "random pixels"


def face_batch(cfg, prepared: Path) -> tuple[torch.Tensor, torch.Tensor, int, int, str]:
    """The same from a prepared dataset: fold 0's first training batch of epoch 0, its
    crops cut as :func:`adfl_teach.training.train` cuts them."""
    data = load_prepared(prepared)
    train_set, _ = data.split(0, cfg.data.canvas)
    index, crop = epoch_order(len(train_set.labels), cfg.seed, 0, cfg.data.train_crops)
    sel, crop = index[: cfg.optim.batch_size], crop[: cfg.optim.batch_size]
    images = take_crops(train_set.images[sel], crop, cfg.data.crop)
    return images, train_set.labels[sel], len(data.classes), data.neutral_index, str(prepared)


def bench(preset: str, batch: int | None, steps: int, warmup: int, options,
          data: Path | None = None) -> list[dict]:  # fmt: skip
    base = get_preset(preset)
    if batch:
        base = base.replace(optim={"batch_size": batch})
    device = select_device(base.device)
    images, labels, classes, neutral, source = (
        face_batch(base, data) if data else random_batch(base)
    )
    images, labels = images.to(device), labels.to(device)
    rows = []
    for option in options:
        row = {"option": option, "device": str(device), "crop": list(base.data.crop),
               "batch": len(labels), "images": source}  # fmt: skip
        why = unavailable(option, device)
        for kind in ("adfl", "baseline"):
            if why is None:
                try:
                    cfg = base.replace(**OPTIONS[option])
                    s = time_training_step(kind, cfg, images, labels, classes, neutral, steps,
                                           warmup)  # fmt: skip
                    row[kind] = {"seconds_per_step": s, "images_per_second": len(labels) / s}
                except Exception as err:  # noqa: BLE001 - a benchmark reports, it does not stop
                    why = f"{type(err).__name__}: {str(err).splitlines()[0][:80]}"
            row[kind] = row.get(kind) or {"skipped": why}
        rows.append(row)
    return rows


def markdown(rows: list[dict]) -> str:
    first = rows[0]
    lines = [
        f"Training step, crop {first['crop'][0]}x{first['crop'][1]}, batch {first['batch']} of "
        f"{first.get('images', 'random pixels')}, on {first['device']} "
        f"({torch.get_num_threads()} threads); images/s (ms/step)",
        "",
        "| option | ADFL | baseline |",
        "|---|---:|---:|",
    ]
    for row in rows:
        cells = []
        for kind in ("adfl", "baseline"):
            r = row[kind]
            cells.append(r["skipped"] if "skipped" in r else
                         f"{r['images_per_second']:.0f} ({1000 * r['seconds_per_step']:.1f})")  # fmt: skip
        lines.append(f"| {row['option']} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def report(text: str, data, out: Path | None, name: str) -> None:
    """Print ``text``; with ``out``, also write it to ``out/<name>.md`` and ``data`` to
    ``out/<name>.json``."""
    print(text)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.md").write_text(text + "\n")
        (out / f"{name}.json").write_text(json.dumps(data, indent=2))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="paper")
    p.add_argument("--batch", type=int, default=None, help="default: the preset's (64 for paper)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--options", default=",".join(OPTIONS), help="comma-separated, of: "
                   + ", ".join(OPTIONS))  # fmt: skip
    p.add_argument("--out", type=Path, help="also write step_options.{md,json} here")
    p.add_argument("--data", type=Path, help="a prepared dataset: time real faces, not random "
                   "pixels (fold 0's first training batch)")  # fmt: skip
    args = p.parse_args(argv)
    rows = bench(args.preset, args.batch, args.steps, args.warmup, args.options.split(","),
                 args.data)  # fmt: skip
    report(markdown(rows), rows, args.out, "step_options")
    return 0


if __name__ == "__main__":
    sys.exit(main())
