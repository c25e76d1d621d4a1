"""A run directory: its layout, its identity, and the checks that keep runs from mixing.

Layout::

    RUN/run.json                                  the run's identity (below), written once
    RUN/seed_<s>/<model>/fold_<k>/result.json     one job: accuracy, predictions, history, ...
    RUN/seed_<s>/<model>/fold_<k>/checkpoint.pt   that job's resume point (every epoch)
    RUN/seed_<s>/<model>/fold_<k>/.lock           held while a process runs the job
    RUN/summary.json                              (:mod:`adfl_teach.experiments.summary`)
    RUN/confusion_<model>.png                     (:mod:`adfl_teach.teaching.confusion`)

A run is identified by everything that changes its results: the code version
(``adfl_teach.__version__``), the dataset's content fingerprint
(:meth:`~adfl_teach.data.prepared.PreparedDataset.content_hash`: manifest, dataset.json and
image bytes, so a dataset re-prepared at the same path is a different dataset), its
protocol, classes and number of folds, the variant and the configuration (everything but
the device, which may differ between machines sharing a run, and the seed, which is per
job). A job (seed, model, fold) adds those three. The run identity is stored in
``run.json``; the job identity in every ``result.json`` and checkpoint. Every resume and
every summary compares them, and a difference is an error listing what differs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from adfl_teach import __version__
from adfl_teach.config import Config
from adfl_teach.data.prepared import PreparedDataset
from adfl_teach.runtime import (
    RunMismatchError,
    create_json_exclusively,
    identity_differences,
    read_json,
    remove_temporaries,
)

RUN_JSON = "run.json"
RESULT = "result.json"
CHECKPOINT = "checkpoint.pt"
#: A job's ground-truth R^2 (:mod:`adfl_teach.experiments.truth`), beside its result.
TRUTH = "truth.json"
LOCK = ".lock"
RUN_FORMAT = "adfl-teach/run-2"
IDENTITY_KEYS = ("code_version", "dataset", "variant", "config")
JOB_KEYS = ("model", "fold", "seed")
RESULT_KEYS = (*JOB_KEYS, "accuracy", "num_test_images", "confusion", "identity")


def fold_dir(run: str | Path, kind: str, fold: int, seed: int = 0) -> Path:
    """``RUN/seed_<seed>/<kind>/fold_<fold>``: where one job's files live."""
    return Path(run) / f"seed_{seed}" / kind / f"fold_{fold}"


def run_seeds(run: str | Path) -> list[int]:
    """The seeds that have a folder in ``run`` (``RUN/seed_<s>``), ascending."""
    prefix = fold_dir("", "", 0, "").parts[0]  # "seed_"
    return sorted(int(p.name.removeprefix(prefix)) for p in Path(run).glob(f"{prefix}*"))


class JobBusyError(RuntimeError):
    """Another live process is running this job (it holds the job's lock)."""


@contextmanager
def job_lock(directory: Path) -> Iterator[None]:
    """Hold ``directory/.lock`` while this process runs the job in ``directory``.

    Two runs on one run directory (two terminals, two machines on a shared disk) would
    otherwise train the same job twice; the second stops with :class:`JobBusyError` naming
    the lock instead. The lock is ``filelock.FileLock`` (``flock`` on POSIX, ``msvcrt``
    locking on Windows), which the operating system drops when its holder dies, so a killed
    run leaves nothing to unlock by hand. Holding it, the temporary files that a killed
    writer left in ``directory`` are removed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    lock = FileLock(directory / LOCK, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise JobBusyError(
            f"{directory / LOCK}: another process is running this job; "
            "run one cv per run directory at a time"
        ) from None
    except OSError as err:  # a file system without locks (some network or FUSE mounts)
        warnings.warn(
            f"{directory / LOCK}: not locked ({err.strerror}); run one cv "
            "per run directory at a time",
            stacklevel=3,
        )
        yield
        return
    try:
        remove_temporaries(directory)
        yield
    finally:
        lock.release()


def run_identity(
    config: Config, variant: str, data: PreparedDataset, validation: float | None = None
) -> dict:
    """What makes two runs comparable (see the module docstring); JSON-ready. ``validation``:
    the run scores a validation split of the training subjects, not the test folds
    (:mod:`adfl_teach.experiments.selection`), so its identity says so and never matches a
    test run's."""
    settings = config.to_dict()
    for per_machine_or_job in ("device", "seed"):
        settings.pop(per_machine_or_job, None)
    identity = {
        "code_version": __version__,
        "dataset": {
            "content_hash": data.content_hash(),
            "protocol": data.info.get("protocol"),
            "classes": list(data.classes),
            "neutral_index": int(data.neutral_index),
            "num_folds": int(data.num_folds),
        },
        "variant": variant,
        "config": settings,
    }
    if validation is not None:
        identity["selection"] = {"scored_on": "validation", "validation_fraction": validation}
    return _as_json(identity)


def job_identity(identity: dict, kind: str, fold: int, seed: int) -> dict:
    """The run identity plus the job's model, fold and seed."""
    return {**identity, "model": kind, "fold": int(fold), "seed": int(seed)}


def open_run(
    run: str | Path,
    config: Config,
    variant: str,
    data: PreparedDataset,
    validation: float | None = None,
) -> dict:
    """Create ``RUN/run.json`` (race-free: of two starts, exactly one creates it) or check
    that the existing one has this identity; return the identity (``validation``: see
    :func:`run_identity`)."""
    run = Path(run)
    identity = run_identity(config, variant, data, validation)
    record = {
        "format": RUN_FORMAT,
        "identity": identity,
        # for people reading the file; not compared (the content hash is what counts)
        "dataset_path": str(data.root.resolve()),
        "source": data.info.get("source"),
        "synthetic": _is_synthetic(data),
    }
    if not create_json_exclusively(run / RUN_JSON, record):
        check_identity(run / RUN_JSON, read_run(run)["identity"], identity)
    return identity


def _is_synthetic(data: PreparedDataset) -> bool:
    """The embedded synthetic database writes synth.json next to its CK+ layout."""
    source = data.info.get("source_root")
    return bool(source and (Path(source) / "synth.json").exists())


def read_run(run: str | Path) -> dict:
    """``RUN/run.json``, checked to be a run of this layout."""
    path = Path(run) / RUN_JSON
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing; {Path(run)} is not a run directory")
    record = read_json(path, expect=dict)
    if record.get("format") != RUN_FORMAT:
        raise RunMismatchError(
            f"{path}: not a run of this version of adfl-teach (format "
            f"{record.get('format')!r}, expected {RUN_FORMAT!r}); use another run directory"
        )
    identity = record.get("identity")
    missing = [k for k in IDENTITY_KEYS if not isinstance(identity, dict) or k not in identity]
    if missing or not all(isinstance(identity[k], dict) for k in ("dataset", "config")):
        raise ValueError(f"{path}: its 'identity' lacks {', '.join(missing) or 'its objects'}")
    return record


def check_identity(path: Path, recorded: dict, expected: dict) -> None:
    """Raise :class:`~adfl_teach.runtime.RunMismatchError` naming ``path`` and listing every difference."""
    found = identity_differences(recorded, expected)
    if found:
        raise RunMismatchError(
            f"{path}: made with other settings, data or code than this run "
            f"({'; '.join(found)}); use another run directory, or the same settings"
        )


def read_result(
    run: str | Path, kind: str, fold: int, seed: int = 0, identity: dict | None = None
) -> dict | None:
    """The job's validated ``result.json``, or None when the job has not finished.

    ``identity``: the run identity to check against (default: ``RUN/run.json``'s).
    """
    path = fold_dir(run, kind, fold, seed) / RESULT
    if not path.exists():
        return None
    if identity is None:
        identity = read_run(run)["identity"]
    return validate_result(path, read_json(path), kind, fold, seed, identity)


def validate_result(path: Path, result, kind: str, fold: int, seed: int, identity: dict) -> dict:
    """Check a parsed ``result.json`` against its folder and the run; return it."""
    missing = [k for k in RESULT_KEYS if not isinstance(result, dict) or k not in result]
    if missing:
        raise ValueError(
            f"{path}: not a finished fold's result (missing {', '.join(missing)}); move it "
            "away to rerun the fold"
        )
    if not isinstance(result["identity"], dict):
        raise ValueError(f"{path}: 'identity' must be an object")
    folder = {"model": kind, "fold": int(fold), "seed": int(seed)}
    found = {k: result[k] for k in JOB_KEYS}
    if found != folder:
        raise RunMismatchError(
            f"{path}: holds the result of {found}, but lies in the folder of {folder}"
        )
    check_identity(path, result["identity"], job_identity(identity, kind, fold, seed))
    accuracy, images = result["accuracy"], result["num_test_images"]
    if not isinstance(images, int) or images < 1:
        raise ValueError(f"{path}: num_test_images must be a positive integer, got {images!r}")
    if not isinstance(accuracy, (int, float)) or not (
        math.isfinite(accuracy) and 0 <= accuracy <= 1
    ):
        raise ValueError(f"{path}: accuracy must be a number in [0, 1], got {accuracy!r}")
    return result


def collect_results(run: str | Path) -> dict[int, dict[str, dict[int, dict]]]:
    """Every ``result.json`` of the run, validated, as ``{seed: {model: {fold: result}}}``."""
    run = Path(run)
    identity = read_run(run)["identity"]
    found: dict[int, dict[str, dict[int, dict]]] = {}
    for path in sorted(run.glob(f"{fold_dir('', '*', '*', '*')}/{RESULT}")):
        result = read_json(path)
        kind, fold, seed = recorded_job(path, result)
        if path != fold_dir(run, kind, fold, seed) / RESULT:
            raise RunMismatchError(
                f"{path}: holds the result of {dict(zip(JOB_KEYS, (kind, fold, seed)))}, but "
                "lies in the folder of another job"
            )
        result = validate_result(path, result, kind, fold, seed, identity)
        found.setdefault(seed, {}).setdefault(kind, {})[fold] = result
    return found


def recorded_job(path: Path, result) -> tuple[str, int, int]:
    """``(model, fold, seed)`` as a parsed ``result.json`` records them (the folder's name is
    never parsed back: :func:`collect_results` compares the path with :func:`fold_dir`)."""
    job = tuple(result.get(k) for k in JOB_KEYS) if isinstance(result, dict) else (None,) * 3
    kind, fold, seed = job
    if not (isinstance(kind, str) and type(fold) is int and type(seed) is int):
        raise ValueError(
            f"{path}: not a finished fold's result (model, fold, seed = {job!r}); move it away "
            "to rerun the fold"
        )
    return kind, fold, seed


def _as_json(obj):
    """Tuples become lists, as they will when read back from JSON."""
    if isinstance(obj, dict):
        return {k: _as_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_as_json(v) for v in obj]
    return obj
