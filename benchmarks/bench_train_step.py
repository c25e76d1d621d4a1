"""Training-step throughput: forward + backward + Adam step, images per second.

    python benchmarks/bench_train_step.py                      # paper size: 112x96, batch 64
    python benchmarks/bench_train_step.py --preset cpu-quick   # the CPU preset's size

Reports the median over timed steps after warm-up, for ADFL and the baseline, on the
device the preset selects (CPU here). Random images; the cost does not depend on content.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from adfl_teach.config import get_preset
from adfl_teach.model import create_model
from adfl_teach.optimization import make_optimizer
from adfl_teach.runtime import select_device
from adfl_teach.training import training_step


def bench(kind: str, preset: str, batch: int | None, steps: int, warmup: int) -> dict:
    cfg = get_preset(preset)
    if batch:
        cfg = cfg.replace(optim={"batch_size": batch})
    device = select_device(cfg.device)
    torch.manual_seed(0)
    model = create_model(kind, 8, 0, cfg).to(device).train()
    opt = make_optimizer(model, cfg)
    b = cfg.optim.batch_size
    images = torch.randint(0, 256, (b, 3, *cfg.data.crop), dtype=torch.uint8, device=device)
    labels = torch.arange(b, device=device) % 8
    times = []
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        training_step(model, images, labels, opt, cfg)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {"kind": kind, "preset": preset, "crop": cfg.data.crop, "batch": b,
            "device": str(device), "threads": torch.get_num_threads(),
            "seconds_per_step": median, "images_per_second": b / median}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="paper")
    p.add_argument("--batch", type=int, default=None, help="default: the preset's (64 for paper)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    args = p.parse_args()
    for kind in ("adfl", "baseline"):
        r = bench(kind, args.preset, args.batch, args.steps, args.warmup)
        print(
            f"{r['kind']:<8} preset {r['preset']:<9} crop {r['crop'][0]}x{r['crop'][1]} "
            f"batch {r['batch']:>3} on {r['device']} ({r['threads']} threads): "
            f"{r['seconds_per_step']:.3f} s/step, {r['images_per_second']:.1f} images/s"
        )


if __name__ == "__main__":
    main()
