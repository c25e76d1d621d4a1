"""Training-step throughput under each GPU option (issue 12): images per second.

    python benchmarks/bench_step_options.py                  # paper size 112x96, batch 64
    python benchmarks/bench_step_options.py --preset smoke --steps 2 --warmup 1   # a quick check

One training step (:func:`adfl_teach.training.training_step`: forward, the objective, one
backward, one Adam update) on a fixed random batch already on the device, for ADFL and the
baseline, under each option: fp32, AMP fp16 (with the gradient scaler), AMP bf16,
channels_last, torch.compile. The median over the timed steps after warm-up (compilation
happens in the warm-up). An option that cannot run here is listed with the reason.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adfl_teach.acceleration import make_scaler, prepare_model  # noqa: E402
from adfl_teach.config import get_preset  # noqa: E402
from adfl_teach.model import create_model  # noqa: E402
from adfl_teach.optimization import make_optimizer  # noqa: E402
from adfl_teach.runtime import select_device  # noqa: E402
from adfl_teach.training import training_step  # noqa: E402

# option -> every speed field of the Config (adfl_teach.acceleration), so that each row
# runs its option alone whatever the preset's own defaults are
_PLAIN = {"amp": "off", "channels_last": False, "compile": False}
OPTIONS = {
    "fp32": _PLAIN,
    "AMP fp16": {**_PLAIN, "amp": "fp16"},
    "AMP bf16": {**_PLAIN, "amp": "bf16"},
    "channels_last": {**_PLAIN, "channels_last": True},
    "torch.compile": {**_PLAIN, "compile": True},
    "channels_last + torch.compile": {**_PLAIN, "channels_last": True, "compile": True},
}


def _sync(device: torch.device) -> None:
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
    """Median seconds of one training step of a fresh ``kind`` model on ``images``
    (crops on the training device) and ``labels``."""
    device = images.device
    model, optimizer, scaler = fresh_model(kind, cfg, num_classes, neutral_index, device)
    times = []
    for i in range(warmup + steps):
        _sync(device)
        t0 = time.perf_counter()
        training_step(model, images, labels, optimizer, cfg, scaler)
        _sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def unavailable(option: str, device: torch.device) -> str | None:
    """Why ``option`` cannot run on ``device`` (None: it can)."""
    if option == "AMP fp16" and device.type != "cuda":
        return "needs CUDA"
    if option == "AMP bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return "no bf16 on this GPU"
    return None


def bench(preset: str, batch: int | None, steps: int, warmup: int, options) -> list[dict]:
    base = get_preset(preset)
    if batch:
        base = base.replace(optim={"batch_size": batch})
    device = select_device(base.device)
    b = base.optim.batch_size
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (b, 3, *base.data.crop), generator=g, dtype=torch.uint8)
    images, labels = images.to(device), (torch.arange(b) % 8).to(device)
    rows = []
    for option in options:
        row = {"option": option, "device": str(device), "crop": list(base.data.crop), "batch": b}
        why = unavailable(option, device)
        for kind in ("adfl", "baseline"):
            if why is None:
                try:
                    cfg = base.replace(**OPTIONS[option])
                    s = time_training_step(kind, cfg, images, labels, 8, 0, steps, warmup)
                    row[kind] = {"seconds_per_step": s, "images_per_second": b / s}
                except Exception as err:  # noqa: BLE001 - a benchmark reports, it does not stop
                    why = f"{type(err).__name__}: {str(err).splitlines()[0][:80]}"
            row[kind] = row.get(kind) or {"skipped": why}
        rows.append(row)
    return rows


def markdown(rows: list[dict]) -> str:
    first = rows[0]
    lines = [
        f"Training step, crop {first['crop'][0]}x{first['crop'][1]}, batch {first['batch']}, "
        f"on {first['device']} ({torch.get_num_threads()} threads); images/s (ms/step)",
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
    args = p.parse_args(argv)
    rows = bench(args.preset, args.batch, args.steps, args.warmup, args.options.split(","))
    report(markdown(rows), rows, args.out, "step_options")
    return 0


if __name__ == "__main__":
    sys.exit(main())
