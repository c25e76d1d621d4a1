"""Folders the tool owns: built beside the target, marked, replaced only when marked.

``adfl-teach synth`` and ``adfl-teach prepare`` each write a whole folder. Both build it in a
hidden sibling ``.<name>.partial-<pid>`` and rename it into place at the very end, so an
interrupted run never leaves something that looks complete. The first file written into
the sibling is the marker :data:`MARKER`, whose text names the command that made the
folder.

``--overwrite`` replaces a folder only when the marker is there, names the same command,
and nothing but what that command writes sits beside it; otherwise it refuses and names the
foreign files. A folder without the marker is never deleted.

A hard kill (``kill -9``) leaves the sibling behind; the next run for the same target
removes the siblings of processes that no longer run, but only those that carry the marker
(or are empty).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The file that proves a folder was made by this tool.
MARKER = ".adfl-teach"
_MARKER_TEXT = "This folder was made by `adfl-teach {kind}`; its --overwrite may replace it.\n"
_MARKER_KIND = re.compile(r"`adfl-teach (\w+)`")
_LISTED = 8  # foreign files named in an error


def _marker_kind(folder: Path) -> str | None:
    """The command named by ``folder``'s marker, or None without a (readable) marker."""
    try:
        match = _MARKER_KIND.search((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return match.group(1) if match else None


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _listing(names: list[str]) -> str:
    shown = ", ".join(sorted(names)[:_LISTED])
    return shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


@dataclass(frozen=True)
class OwnedFolder:
    """The output folder of one command.

    Attributes:
        kind: the command (``synth``, ``prepare``), written into the marker.
        contents: the top-level names the command writes (the marker aside).
    """

    kind: str
    contents: frozenset[str]

    def check(self, out: Path, overwrite: bool) -> None:
        """Raise unless ``out`` is absent, an empty folder, or (with ``overwrite``) ours."""
        if not out.exists():
            return
        if not out.is_dir():
            raise FileExistsError(f"{out}: exists and is not a directory")
        if not os.access(out, os.W_OK):
            raise PermissionError(f"{out}: not writable (permission denied)")
        entries = [p.name for p in out.iterdir()]
        if not entries:
            return
        kind = _marker_kind(out)
        if kind != self.kind:
            made = f"made by `adfl-teach {kind}`" if kind else f"no {MARKER} marker"
            raise FileExistsError(
                f"{out}: not empty and not made by `adfl-teach {self.kind}` ({made}); it holds "
                f"{_listing(entries)}. Nothing was deleted: choose another --out, or move "
                "those files away yourself"
            )
        foreign = [n for n in entries if n != MARKER and n not in self.contents]
        if foreign:
            raise FileExistsError(
                f"{out}: holds files `adfl-teach {self.kind}` did not write: "
                f"{_listing(foreign)}. Nothing was deleted: move them away first"
            )
        if not overwrite:
            raise FileExistsError(
                f"{out}: already there (made by `adfl-teach {self.kind}`); pass "
                "overwrite=True (--overwrite) to replace it"
            )

    @contextmanager
    def building(self, out: str | Path, overwrite: bool = False) -> Iterator[Path]:
        """Check ``out``, yield a fresh marked sibling to fill, then move it into place.

        On any exception the sibling is removed and ``out`` is left as it was.
        """
        out = Path(out).absolute()
        self.check(out, overwrite)
        partial = self._start(out)
        try:
            yield partial
            self._commit(partial, out, overwrite)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise

    def _start(self, out: Path) -> Path:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_siblings(out)
            partial = out.parent / f".{out.name}.partial-{os.getpid()}"
            partial.mkdir()
            (partial / MARKER).write_text(_MARKER_TEXT.format(kind=self.kind), encoding="utf-8")
        except OSError as err:
            raise PermissionError(f"{out}: cannot write here ({err.strerror or err})") from err
        return partial

    def _commit(self, partial: Path, out: Path, overwrite: bool) -> None:
        """Move the finished folder into place; a replaced one is removed only afterwards."""
        old = None
        if out.exists():
            self.check(out, overwrite)  # nothing foreign appeared while we worked
            if any(out.iterdir()):
                old = out.parent / f".{out.name}.old-{os.getpid()}"
                os.replace(out, old)
            else:
                out.rmdir()
        os.replace(partial, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def remove_stale_siblings(out: Path) -> list[Path]:
    """Remove ``.<name>.partial-<pid>`` / ``.old-<pid>`` siblings of ``out`` left by dead runs.

    Only folders of that name pattern whose process no longer runs (or is this one), and
    that carry the marker or are empty, are removed. Returns what was removed.
    """
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:partial|old)-(\d+)")
    removed = []
    for sibling in out.parent.iterdir():
        match = pattern.fullmatch(sibling.name)
        if not match or not sibling.is_dir() or sibling.is_symlink():
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and process_alive(pid):
            continue
        if _marker_kind(sibling) is not None:
            shutil.rmtree(sibling)
        elif not any(sibling.iterdir()):
            sibling.rmdir()
        else:
            continue
        removed.append(sibling)
    return removed
