"""A study's finished jobs, packed into a folder of archives that travels with the project.

A study takes many hours of CPU; no one machine (a Colab session, a CI runner, a laptop
lid closed at night) is sure to see it finish. What a job leaves that is worth keeping is
small: its ``result.json`` and its run's ``run.json`` (:mod:`adfl_teach.experiments.rundir`)
and, for the ground truth's jobs, its ``truth.json`` (:mod:`adfl_teach.experiments.truth`),
kept on a shelf of its own, ``ARCHIVE/probes/`` (so that an older version, which knows only
the first two, still reads the top-level batches); checkpoints, locks, the database and its
image cache can be made again. :func:`pack` writes the records that are not archived yet
into one new batch per shelf, ``ARCHIVE/<UTC time>.tar.gz`` (and ``ARCHIVE/probes/...``);
batches are never rewritten, so a project that commits its archive folder grows by the new
records only. :func:`restore` puts every archived record back under a study's output folder,
where
:func:`adfl_teach.experiments.jobs.run_jobs` reads them as finished jobs. It writes only
files that are missing: a record that exists with other contents is an error naming both,
never overwritten. The run identities inside the records (code version, dataset content
hash, configuration) still decide whether a restored job counts: a study restored onto a
database rendered differently stops with the run-mismatch error, it does not mix runs.
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from adfl_teach.experiments.rundir import RESULT, RUN_JSON, TRUTH, fold_dir
from adfl_teach.runtime import atomic_write_bytes

#: The records an archive keeps, by file name, per shelf (a folder of the archive; "" is
#: the archive folder itself).
SHELVES = {"": (RUN_JSON, RESULT), "probes": (TRUTH,)}
RECORDS = tuple(name for names in SHELVES.values() for name in names)
SUFFIX = ".tar.gz"


def batches(archive: str | Path, shelf: str = "") -> list[Path]:
    """The batches of one shelf of ``archive``, oldest first (their names are UTC times)."""
    return sorted((Path(archive) / shelf).glob(f"*{SUFFIX}"))


def archived(archive: str | Path) -> dict[str, bytes]:
    """Every record in ``archive``: ``{path relative to the study folder: contents}``."""
    found: dict[str, bytes] = {}
    for shelf, names in SHELVES.items():
        for batch in batches(archive, shelf):
            for name, data in _members(batch, names):
                if name in found and found[name] != data:
                    raise ValueError(
                        f"{batch}: holds {name} with other contents than an earlier batch; "
                        "the archive mixes two studies"
                    )
                found[name] = data
    return found


def records(out: str | Path) -> dict[str, bytes]:
    """The records under the study folder ``out``: each run's ``run.json`` and the
    ``result.json`` (and ``truth.json``) of its finished jobs, where
    :func:`~adfl_teach.experiments.rundir.fold_dir` puts them (nothing else is read)."""
    out = Path(out)
    found: dict[str, bytes] = {}
    for run_json in sorted(out.rglob(RUN_JSON)):
        run = run_json.parent
        pattern = fold_dir("", "*", "*", "*")
        jobs = [p for name in RECORDS if name != RUN_JSON for p in run.glob(f"{pattern}/{name}")]
        for path in [run_json, *sorted(jobs)]:
            found[path.relative_to(out).as_posix()] = path.read_bytes()
    return found


def pack(out: str | Path, archive: str | Path) -> list[Path]:
    """Write the records of ``out`` that ``archive`` lacks into one new batch per shelf that
    has any; return the new batches (none when every record is archived already). A record
    archived with other contents (another study in the same folder) is an error naming it."""
    known = archived(archive)
    new: dict[str, bytes] = {}
    for name, data in records(out).items():
        if name not in known:
            new[name] = data
        elif known[name] != data:
            raise ValueError(
                f"{Path(out) / name}: differs from the archived copy in {archive}; "
                "is this another study? use another archive folder"
            )
    written = []
    for shelf, names in SHELVES.items():
        shelved = {k: v for k, v in new.items() if PurePosixPath(k).name in names}
        if shelved:
            written.append(_write_batch(Path(archive) / shelf, shelved))
    return written


def _write_batch(folder: Path, new: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = _new_batch_path(folder)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in sorted(new.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(data))
    atomic_write_bytes(path, buffer.getvalue())
    return path


def restore(archive: str | Path, out: str | Path) -> int:
    """Write every archived record missing under ``out``; return how many were written. An
    existing file with other contents is an error naming it and the archive (nothing is
    overwritten)."""
    out = Path(out)
    written = 0
    for name, data in archived(archive).items():
        target = out / name
        if target.exists():
            if target.read_bytes() != data:
                raise ValueError(
                    f"{target}: exists with other contents than its copy in {archive}; "
                    "restore into another folder, or move the file away"
                )
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, data)
        written += 1
    return written


def _members(batch: Path, names: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    try:
        with tarfile.open(batch, mode="r:gz") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if (
                    not member.isfile()
                    or name.is_absolute()
                    or ".." in name.parts
                    or name.name not in names
                ):
                    raise ValueError(
                        f"{batch}: member {member.name!r} is not a record of its shelf "
                        f"({' or '.join(names)} under the study folder)"
                    )
                yield name.as_posix(), tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ValueError(f"{batch}: not a readable archive batch ({err})") from None


def _new_batch_path(archive: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path, n = archive / f"{stamp}{SUFFIX}", 1
    while path.exists():
        path, n = archive / f"{stamp}-{n}{SUFFIX}", n + 1
    return path
