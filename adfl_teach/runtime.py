"""Small runtime helpers: device choice, seeding, atomic file writes, checkpoints."""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

PROGRESS_VARIABLE = "ADFL_PROGRESS"


def progress_bar(iterable=None, *, enabled: bool = True, **kwargs):
    """A ``tqdm.auto`` progress bar (a widget in Jupyter, text in a terminal).

    Off when ``enabled`` is False or ``$ADFL_PROGRESS`` is ``0``: the book build sets it,
    since a static page cannot run a progress widget.
    """
    from tqdm.auto import tqdm

    disable = not enabled or os.environ.get(PROGRESS_VARIABLE, "1") == "0"
    return tqdm(iterable, disable=disable, **kwargs)


def select_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA if available, then Apple MPS, then CPU. Otherwise the named device."""
    if name != "auto":
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise RuntimeError(f"device {name!r} requested but CUDA is not available")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _default_mode() -> int:
    """The permissions an ordinary ``open(path, "w")`` would give (mkstemp makes 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _default_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: str | Path, obj) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


def save_checkpoint(path: str | Path, state: dict) -> None:
    """``torch.save`` through a temporary file and a rename (an interrupted save leaves the
    previous checkpoint intact)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, _default_mode())
        torch.save(state, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """Load a checkpoint with ``weights_only=True`` (no arbitrary code from pickles)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # corrupt or foreign file
        raise RuntimeError(f"checkpoint {path} could not be read: {exc}") from exc


class JSONFileError(ValueError):
    """A JSON file that cannot be read or parsed; the message starts with the file's path."""


class MissingJSONFileError(JSONFileError, FileNotFoundError):
    """The JSON file does not exist (also a ``FileNotFoundError``)."""


_JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def read_json(path: str | Path, expect: type | None = None):
    """The parsed contents of the JSON file ``path`` (a UTF-8 byte-order mark is accepted).

    Every problem raises :class:`JSONFileError` (a ``ValueError``) whose message starts with
    the path: a missing file (:class:`MissingJSONFileError`), an unreadable, empty, non-UTF-8
    or malformed one, or, with ``expect`` (e.g. ``dict``), a value of another JSON type.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MissingJSONFileError(f"{path}: no such file") from None
    except OSError as err:
        raise JSONFileError(f"{path}: cannot read ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        raise JSONFileError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not text.strip():
        raise JSONFileError(f"{path}: empty file (expected JSON)")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise JSONFileError(
            f"{path}: not valid JSON ({err.msg} at line {err.lineno} column {err.colno})"
        ) from None
    if expect is not None and not isinstance(value, expect):
        wanted = _JSON_TYPE_NAMES.get(expect, expect.__name__)
        found = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
        raise JSONFileError(f"{path}: expected a JSON {wanted}, found a JSON {found}")
    return value
