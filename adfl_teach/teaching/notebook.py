"""Helpers for the book's notebooks: one preset switch, one cache folder, load-or-train.

Every chapter starts with::

    from adfl_teach.teaching import notebook
    PRESET = None  # None: $ADFL_PRESET, else "auto" (GPU -> colab, CPU -> cpu-quick)
    cfg = notebook.setup(PRESET)

CI runs the notebooks with ``ADFL_PRESET=smoke``; nothing in a notebook is edited for that.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adfl_teach.config import Config, get_preset
from adfl_teach.runtime import set_seed

HOME_VARIABLE = "ADFL_HOME"
DEFAULT_HOME = Path("~/.cache/adfl-teach")


def on_colab() -> bool:
    """True inside Google Colab (its ``google.colab`` module is loaded)."""
    return "google.colab" in sys.modules


def workdir(*parts: str) -> Path:
    """The folder for cached artifacts (checkpoints, results): ``$ADFL_HOME`` or
    ``~/.cache/adfl-teach``, with ``parts`` appended; created if missing."""
    root = Path(os.environ.get(HOME_VARIABLE) or DEFAULT_HOME).expanduser()
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


#: The package folder that ships the book's measured results (``book/data/``, copied; a test
#: fails when the two differ), so a chapter run alone (Colab) reads them with no network.
PACKAGED_DATA = "book_data"


def packaged_data(name: str) -> Path:
    """The copy of ``book/data/NAME`` inside the installed package."""
    return Path(str(importlib.resources.files("adfl_teach.teaching") / PACKAGED_DATA / name))


def book_data(name: str) -> Path:
    """A file of the book's ``data/`` folder (measured results a chapter reads).

    Beside the notebook (the book build, nbval, a clone) it is ``data/NAME``; anywhere else
    (a chapter run alone, as Colab runs it) it is the copy the package ships
    (:func:`packaged_data`). Nothing is fetched. A name neither place has raises
    ``FileNotFoundError`` naming both."""
    local = Path("data") / name
    if local.exists():
        return local
    shipped = packaged_data(name)
    if shipped.exists():
        return shipped
    raise FileNotFoundError(
        f"{name}: not in data/ beside the notebook nor in the installed adfl_teach "
        f"({shipped.parent}); the book's measured results are book/data/*.json"
    )


def result_in_brief(report: dict | None = None) -> str:
    """Three sentences on what the reproduction found, computed from its report
    (``book/data/reproduction.json`` unless ``report`` is given): the two accuracies with
    their 95 % intervals, what they mean for the paper's claim
    (:func:`adfl_teach.experiments.findings.paper_claim`), and where the study that chooses
    the settings on validation subjects stands (:func:`study_status`)."""
    from adfl_teach.experiments import findings
    from adfl_teach.runtime import read_json

    if report is None:
        report = read_json(book_data("reproduction.json"), expect=dict)
    rows = report["rows"]
    adfl, baseline = rows["adfl"], rows["baseline"]
    scale = (
        f"{len(report['seeds'])} seeds x {len(report['folds'])} folds of the synthetic "
        f"database, preset `{report['preset']}`"
    )
    first = (
        f"Reproduced over {scale}, ADFL reaches {findings.percent(adfl['mean_accuracy'])} % "
        f"(95 % CI {findings.ci_text(adfl)}) and the paper's baseline (sec. 3.1: the same "
        f"layers trained by the AMS loss alone, no game) {findings.percent(baseline['mean_accuracy'])} % "
        f"({findings.ci_text(baseline)})."
    )
    return f"{first} {findings.paper_claim(report)} {study_status()}"


def study_status() -> str:
    """Where the study behind chapter 14 stands, from its committed reports
    (:func:`adfl_teach.experiments.study_findings.study_in_brief`)."""
    from adfl_teach.experiments import study_findings

    reports = study_findings.read_reports(book_data)
    return study_findings.study_in_brief(reports["grid"], reports["headline"])


class MissingPackageError(ImportError):
    """An optional package a chapter needs is not installed. In a notebook it shows as its
    one line (IPython prints ``_render_traceback_``), not as a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


def require(module: str, pip: str | None = None):
    """Import ``module`` (e.g. ``"skimage.data"``) or raise :class:`MissingPackageError`
    with one line naming the ``%pip install`` that provides it (``pip``: the distribution's
    name when it differs from the module's, e.g. ``scikit-image``)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        top = module.split(".")[0]
        if error.name is not None and error.name.split(".")[0] != top:
            raise  # a dependency of the package is missing: its own error says which
        name = pip or top
        raise MissingPackageError(
            f"this cell needs {name}, which adfl-teach does not install: run "
            f"`%pip install {name}` in a cell, then run this cell again"
        ) from None


#: The throughput assumed for a Colab T4 on this network, a low and a high TFLOP/s per
#: precision. fp16 is taken as 8-30 % of the T4's 65 TFLOP/s tensor-core peak and fp32 as
#: 30-60 % of its 8.1. An assumption, not a measurement, since no T4 run exists; the FLOPs
#: they divide are counted.
T4_TFLOPS = {"fp16": (5.0, 20.0), "fp32": (2.5, 5.0)}


@functools.lru_cache(maxsize=8)
def flops_per_crop(kind: str, config: Config, num_classes: int = 8) -> float:
    """Floating-point operations of one training crop of ``kind`` under ``config``: forward,
    the objective and backward, counted by ``torch.utils.flop_counter`` on a batch of two."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from adfl_teach.losses import objective
    from adfl_teach.model import create_model

    model = create_model(kind, num_classes, 0, config)
    images = torch.randn(2, 3, *config.data.crop)
    with FlopCounterMode(display=False) as counter:
        out = model(images)
        objective(out, torch.tensor([0, 1]), config.loss)["total"].backward()
    return counter.get_total_flops() / 2


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min" if seconds >= 60 else f"{seconds:.0f} s"


def expected_time(folds: int, kinds=("adfl", "baseline"), report: dict | None = None) -> str:
    """One line: how long training ``folds`` folds of each of ``kinds`` takes, on a Colab T4
    (``colab`` preset: FLOPs counted with :func:`flops_per_crop`, divided by
    :data:`T4_TFLOPS`) and on 2 CPU cores (``cpu-quick``: the seconds per fold the committed
    reproduction report measured). The training-set size is the report's database scaled to
    the ``colab`` preset's subjects."""
    from adfl_teach.runtime import read_json

    if report is None:
        report = read_json(book_data("reproduction.json"), expect=dict)
    colab = get_preset("colab")
    images = report["rows"]["adfl"]["num_test_images"]  # every image is tested once
    images *= colab.data.synth_subjects / report["run"]["synthetic"]["subjects"] * 0.9
    crops = images * (10 if colab.data.train_crops == "all" else 1) * colab.optim.epochs
    flops = folds * crops * sum(flops_per_crop(kind, colab) for kind in kinds)
    low, high = (flops / (t * 1e12) for t in reversed(T4_TFLOPS["fp16"]))
    fp32 = flops / (sum(T4_TFLOPS["fp32"]) / 2 * 1e12)
    cpu = folds * sum(report["rows"][kind]["time"]["mean_job_seconds"] for kind in kinds)
    return (
        f"Expected time: {_minutes(low)}-{_minutes(high)} on a Colab T4 (`colab` preset, fp16; "
        f"about {_minutes(fp32)} in fp32), from {flops / 1e15:.1f} PFLOP counted for "
        f"{folds} fold(s) of {' and '.join(kinds)}; about {_minutes(cpu)} on 2 CPU cores "
        f"(`cpu-quick`: the committed report's measured seconds per fold, two folds at a time; "
        f"longer on a busy machine); seconds in `smoke`."
    )


def describe(cfg: Config) -> str:
    """One line: the preset and the numbers that set a run's cost."""
    m, o, d = cfg.model, cfg.optim, cfg.data
    return (
        f"preset {cfg.preset}: crops {d.crop[0]}x{d.crop[1]}, widths {tuple(m.widths)}, "
        f"units {tuple(m.units)}, features {m.feature_dim}, {o.epochs} epochs, "
        f"batch {o.batch_size}, lr {o.lr:g}, seed {cfg.seed}"
    )


def setup(preset: str | None = None, seed: int = 0, quiet: bool = False, **changes) -> Config:
    """Resolve the preset (argument, else ``$ADFL_PRESET``, else ``auto``), seed everything,
    set the plot style and print a one-line summary. Returns the :class:`~adfl_teach.config.Config`.

    ``changes`` are passed to :func:`adfl_teach.config.get_preset`
    (e.g. ``loss={"margin": 0.2}``).
    """
    from adfl_teach.teaching import plotting

    cfg = get_preset(preset, **changes)
    if seed != cfg.seed:
        cfg = cfg.replace(seed=seed)
    set_seed(cfg.seed)
    plotting.set_style()
    if not quiet:
        print(describe(cfg))
    return cfg


def load_or_train(
    name: str,
    train: Callable[[], Any],
    load: Callable[[Path], Any] | None = None,
    save: Callable[[Any, Path], None] | None = None,
    directory: str | Path | None = None,
) -> Any:
    """Load the artifact ``name`` from the cache if it exists, otherwise ``train()`` it.

    The file is ``workdir() / name`` unless ``directory`` is given. By default the artifact
    is saved and loaded with ``torch.save`` / ``torch.load(weights_only=True)``, which fits
    dicts and lists of tensors, numbers and strings (histories, state dicts) and runs no
    pickled code; pass ``load``/``save`` for anything else. Saving goes
    through a temporary file and a rename, so an interrupted save never leaves half a file.
    """
    import torch

    from adfl_teach.runtime import save_checkpoint

    folder = Path(directory) if directory is not None else workdir()
    path = folder / name
    if path.exists():
        if load is not None:
            return load(path)
        return torch.load(path, map_location="cpu", weights_only=True)
    result = train()
    folder.mkdir(parents=True, exist_ok=True)
    if save is not None:
        save(result, path)
    else:
        save_checkpoint(path, result)
    return result
