"""Small runtime helpers: device choice, seeding, atomic file writes, checkpoints, the one
comparison of two run identities, and the fault-injection hook that the crash tests use."""

from __future__ import annotations

import json
import os
import random
import signal
import tempfile
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

PROGRESS_VARIABLE = "ADFL_PROGRESS"
FAULT_VARIABLE = "ADFL_FAULT"
#: The points :func:`fault_point` knows; each is reached where its comment says.
FAULT_POINTS = (
    "run.json",  # run.json's temporary file written, before it is linked into place
    "fold-start",  # a (seed, model, fold) job starts, before any training
    "checkpoint.pt",  # a checkpoint's temporary file written, before the rename
    "epoch-end",  # an epoch's checkpoint is in place (the end of every epoch)
    "result.json",  # a fold's result.json temporary file written, before the rename
    "summary.json",  # the summary's temporary file written, before the rename
)
_fault_counts: dict[str, int] = {}


def fault_point(name: str) -> None:
    """A test hook: ``ADFL_FAULT=<point>:<n>`` SIGKILLs this process the n-th time it reaches
    the point ``name`` (one of :data:`FAULT_POINTS`): a hard kill, no cleanup, like a power
    cut. Each process counts for itself. Does nothing when the variable is not set."""
    spec = os.environ.get(FAULT_VARIABLE)
    if not spec:
        return
    point, _, count = spec.rpartition(":")
    if point not in FAULT_POINTS or not count.isdigit():
        raise ValueError(
            f"${FAULT_VARIABLE}={spec!r}: expected <point>:<n> with a point in {FAULT_POINTS}"
        )
    if point != name:
        return
    _fault_counts[name] = _fault_counts.get(name, 0) + 1
    if _fault_counts[name] == int(count):
        os.kill(os.getpid(), signal.SIGKILL)


def progress_bar(iterable=None, *, enabled: bool = True, **kwargs):
    """A ``tqdm.auto`` progress bar (a widget in Jupyter, text in a terminal).

    Off when ``enabled`` is False or ``$ADFL_PROGRESS`` is ``0``: the book build sets it,
    since a static page cannot run a progress widget.
    """
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


def _write_temporary(path: Path, write) -> str:
    """A temporary file beside ``path`` filled by ``write(file)`` and flushed to disk, with
    the permissions of an ordinary file; then the fault point named ``path.name``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _default_mode())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fault_point(path.name)
    return tmp


def remove_temporaries(directory: str | Path) -> list[Path]:
    """Remove the temporary files (``.<name>.*.tmp``) that atomic writes interrupted by a
    kill left in ``directory``; return them. Call it only where no other process may be
    writing into ``directory`` (e.g. holding :func:`adfl_teach.experiments.rundir.job_lock`)."""
    stale = [p for p in Path(directory).glob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _atomic_write(path: str | Path, write) -> None:
    """Write through a temporary file and a rename: readers (and a crash) see the old file
    or the new one, never half of one."""
    path = Path(path)
    tmp = _write_temporary(path, write)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    _atomic_write(path, lambda f: f.write(data))


def _json_bytes(obj) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode()


def atomic_write_json(path: str | Path, obj) -> None:
    atomic_write_bytes(path, _json_bytes(obj))


def create_json_exclusively(path: str | Path, obj) -> bool:
    """Create ``path`` holding ``obj`` only if it does not exist yet; True if this call made it.

    Race-free and never half-written: the JSON goes to a temporary file that is then hard
    linked to ``path`` (``link`` fails when ``path`` exists, so of two processes exactly one
    wins). Where hard links are not supported, an exclusive create (``O_EXCL``) is used.
    """
    path = Path(path)
    data = _json_bytes(obj)
    tmp = _write_temporary(path, lambda f: f.write(data))
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError:  # no hard links here (some network or FUSE file systems)
        return _create_with_o_excl(path, data)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def _create_with_o_excl(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _default_mode())
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return True


def save_checkpoint(path: str | Path, state: dict) -> None:
    """``torch.save`` through a temporary file and a rename (an interrupted save leaves the
    previous checkpoint intact); then the fault point ``epoch-end``."""
    _atomic_write(path, lambda f: torch.save(state, f))
    fault_point("epoch-end")


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """Load a checkpoint with ``weights_only=True`` (no arbitrary code from pickles)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # corrupt or foreign file
        raise RuntimeError(f"checkpoint {path} could not be read: {exc}") from exc


class RunMismatchError(ValueError):
    """A run folder, a result or a checkpoint was made with other settings, data or code."""


def identity_differences(saved: dict | None, wanted: dict, where: str = "") -> list[str]:
    """``"key.sub: <where>A then, B now"`` for every leaf where two identities differ (a
    missing key reads ``None``); ``where`` names the saved side, e.g. ``"checkpoint "``."""
    saved = saved if isinstance(saved, dict) else {}
    found = []
    for key in sorted(set(saved) | set(wanted)):
        a, b = saved.get(key), wanted.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += [f"{key}.{line}" for line in identity_differences(a, b, where)]
        elif a != b:
            found.append(f"{key}: {where}{a!r} then, {b!r} now")
    return found


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
