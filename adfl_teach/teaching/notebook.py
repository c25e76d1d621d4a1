"""Helpers for the book's notebooks: one preset switch, one cache folder, load-or-train.

Every chapter starts with::

    from adfl_teach.teaching import notebook
    PRESET = None  # None: $ADFL_PRESET, else "auto" (GPU -> colab, CPU -> cpu-quick)
    cfg = notebook.setup(PRESET)

CI runs the notebooks with ``ADFL_PRESET=smoke``; nothing in a notebook is edited for that.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adfl_teach import __version__
from adfl_teach.config import Config, get_preset
from adfl_teach.runtime import atomic_write_bytes, set_seed

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


def repository_files(version: str = __version__) -> str:
    """The raw-file address of the repository at the release tag ``v<version>``, from the
    installed package's ``Repository`` URL (``pyproject.toml``, written from ``_config.yml``)."""
    urls = importlib.metadata.metadata("adfl-teach").get_all("Project-URL") or []
    found = [u.split(",", 1)[1].strip() for u in urls if u.split(",", 1)[0].strip() == "Repository"]
    if not found or not found[0].startswith("https://github.com/"):
        raise RuntimeError(f"the installed adfl-teach names no GitHub repository ({urls})")
    return found[0].replace("https://github.com/", "https://raw.githubusercontent.com/") + (
        f"/v{version}"
    )


def book_data(name: str) -> Path:
    """A file of the book's ``data/`` folder (measured results a chapter reads).

    Beside the notebook (the book build, nbval, a clone) it is ``data/NAME``. On Colab, where
    a chapter runs on its own, the file is fetched once from the repository at the tag of the
    installed release (the one the install cell pins) into :func:`workdir`. Anywhere else a
    missing file stays missing, and reading it names it."""
    local = Path("data") / name
    if local.exists() or not on_colab():
        return local
    target = workdir("book-data", __version__) / name
    if not target.exists():
        url = f"{repository_files()}/book/data/{name}"
        with urllib.request.urlopen(url, timeout=60) as response:
            atomic_write_bytes(target, response.read())
    return target


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
