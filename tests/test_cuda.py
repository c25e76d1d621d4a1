"""The GPU path (marker ``cuda``; skipped without a CUDA GPU).

* a training step under AMP (fp16 with the gradient scaler; bf16 where the GPU has it) gives
  finite losses, and under autocast each loss term still reaches exactly its row of
  :data:`adfl_teach.model.ROUTING`;
* a checkpoint written on CUDA loads on the CPU (:func:`adfl_teach.training.load_model`) and
  gives the same outputs;
* ``auto`` picks the ``colab`` preset.

``benchmarks/gpu_check.sh`` runs this file, with pytest if it is installed, else directly
(``python tests/test_cuda.py``: the same tests, without pytest). The last test (not ``cuda``)
runs that script's ``--dry-run`` on any machine.
"""

import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

try:
    import pytest
except ImportError:  # run directly by gpu_check.sh on a machine without pytest
    pytest = None

from adfl_teach.acceleration import amp_dtype, autocast, make_scaler, prepare_model
from adfl_teach.config import PRESET_VARIABLE, get_preset, preset_name
from adfl_teach.data.imageset import ImageSet
from adfl_teach.losses import objective
from adfl_teach.model import ROUTING, create_model, parts_reached
from adfl_teach.optimization import make_optimizer
from adfl_teach.training import load_model, train, training_step

ROOT = Path(__file__).resolve().parents[1]
CUDA = torch.device("cuda")


def cuda_test(test):
    """Marker ``cuda``, skipped where ``torch.cuda.is_available()`` is False."""
    test.needs_cuda = True
    if pytest is None:
        return test
    skip = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
    return pytest.mark.cuda(skip(test))


def small_config(**changes):
    return get_preset("smoke").replace(device="cuda", optim={"epochs": 1}, **changes)


def random_batch(cfg, n=16, classes=5, device="cuda"):
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 3, *cfg.data.crop), generator=g, dtype=torch.uint8)
    return images.to(device), (torch.arange(n) % classes).to(device)


def amp_modes():
    """``Config.amp`` values to test: fp16 always; bf16 where the GPU supports it."""
    return ["fp16"] + (["bf16"] if torch.cuda.is_bf16_supported() else [])


def adfl_on_cuda(amp: str):
    """``(config, ADFL model)`` of the smoke size, in training mode on the GPU."""
    cfg = small_config(amp=amp)
    torch.manual_seed(0)
    return cfg, create_model("adfl", 5, 0, cfg).to(CUDA).train()


@cuda_test
def test_amp_training_steps_give_finite_losses():
    for amp in amp_modes():
        cfg, model = adfl_on_cuda(amp)
        step_model, optimizer = prepare_model(model, cfg), make_optimizer(model, cfg)
        scaler = make_scaler(cfg, CUDA)
        assert (scaler is not None) == (amp == "fp16")  # fp16 goes through the GradScaler
        images, labels = random_batch(cfg)
        for _ in range(3):
            values = training_step(step_model, images, labels, optimizer, cfg, scaler)
        for term in ("l_d", "l_a", "l_n", "l_r", "total"):
            assert math.isfinite(float(values[term])), f"{term} is {values[term]} under {amp}"
        assert all(torch.isfinite(p).all() for p in model.parameters())


@cuda_test
def test_routing_table_holds_under_autocast():
    for amp in amp_modes():
        cfg, model = adfl_on_cuda(amp)
        images, labels = random_batch(cfg)
        with autocast(cfg, CUDA):
            out = model(images)
            terms = objective(out, labels, cfg.loss)
        assert out.f_e.dtype == amp_dtype(cfg, CUDA)  # the forward really ran in half precision
        for term, parts in ROUTING.items():
            # scaled as the gradient scaler would, so no fp16 gradient underflows to zero
            norms = parts_reached(model, terms[term] * 1024.0)
            reached = {part for part, norm in norms.items() if norm > 0}
            assert reached == set(parts), f"{term} under {amp}: {sorted(reached)}"


@cuda_test
def test_checkpoint_written_on_cuda_loads_on_cpu():
    cfg = small_config()
    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (40, 3, *cfg.data.canvas), generator=g, dtype=torch.uint8)
    data = ImageSet(images, torch.arange(40) % 5, np.array([f"S{i % 4}" for i in range(40)]))
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "checkpoint.pt"
        trained = train("adfl", data, cfg, 5, checkpoint=checkpoint, progress=False)
        model, state = load_model(checkpoint, "cpu")
    assert state["epoch"] == 1
    assert all(p.device.type == "cpu" for p in model.parameters())
    batch, _ = random_batch(cfg, device="cpu")
    with torch.no_grad():
        on_cpu = model.eval()(batch).f_e
        on_cuda = trained.model.eval()(batch.cuda()).f_e.cpu()
    assert torch.allclose(on_cpu, on_cuda, atol=1e-2, rtol=1e-2)  # TF32 convolutions on CUDA


@cuda_test
def test_auto_picks_the_colab_preset():
    saved = os.environ.pop(PRESET_VARIABLE, None)
    try:
        assert preset_name("auto") == "colab"
        assert preset_name() == "colab"
    finally:
        if saved is not None:
            os.environ[PRESET_VARIABLE] = saved


def slow(test):
    """Marker ``slow`` (a minute or more: it generates a small database and trains)."""
    return test if pytest is None else pytest.mark.slow(test)


@slow
def test_gpu_check_dry_run_writes_its_table():
    """The script's CPU-runnable parts: every step runs (tiny) and the table is written."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WORK": f"{tmp}/work"}
        subprocess.run(["bash", str(ROOT / "benchmarks/gpu_check.sh"), "--dry-run", f"{tmp}/out"],
                       check=True, env=env, capture_output=True)  # fmt: skip
        steps = (Path(tmp) / "out/times.tsv").read_text().splitlines()
        table = (Path(tmp) / "out/gpu_check.md").read_text()
        log = (Path(tmp) / "out/gpu_check.log").read_text()
    assert [s.split("\t")[0] for s in steps] == [
        "cuda_tests", "synthetic", "prepare", "step_options", "paper_fold", "colab_run",
        "plain_pipeline", "epoch_breakdown",
    ]  # fmt: skip
    assert all(s.endswith("\t0") for s in steps), f"{steps}\n{log[-3000:]}"
    assert "Whole protocol (10 folds x adfl + baseline)" in table
    assert "| baseline | 2 |" in table  # the colab step ran two folds of each model
    assert "epoch 3: " in log and "bare step (one fixed batch" in log  # the epoch in parts
    assert f"batch 32 of {tmp}/work/prepared" in table  # the step timed on the prepared faces


def _run_without_pytest() -> int:
    """``python tests/test_cuda.py``: every test of this file, pass/fail/skip per line."""
    failed = 0
    for name, test in list(globals().items()):
        if not name.startswith("test_") or name == "test_gpu_check_dry_run_writes_its_table":
            continue
        if getattr(test, "needs_cuda", False) and not torch.cuda.is_available():
            print(f"SKIP {name}: needs a CUDA GPU")
            continue
        try:
            test()
            print(f"PASS {name}")
        except Exception as err:  # noqa: BLE001 - report every test, then the exit status
            failed += 1
            print(f"FAIL {name}: {type(err).__name__}: {err}")
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_run_without_pytest())
