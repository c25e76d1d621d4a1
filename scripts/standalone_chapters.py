"""Run every chapter alone, the way Colab runs it: the notebook copied into an empty folder,
a fresh virtual environment with only the built wheel (and what Colab already has), the
`smoke` preset, no network.

    python scripts/standalone_chapters.py --wheel _build/dist/adfl_teach-*.whl
        [--venv _build/standalone/venv] [--constraints ci/constraints.txt] [--home DIR]
        [CHAPTER ...]

CHAPTER: a chapter's number or file name (``03``, ``03_preprocessing.ipynb``); default
every chapter. What runs is the chapter's Colab copy, ``book/colab/NN_*.ipynb``, the notebook
the book's Colab button opens (``scripts/sync_sources.py`` writes it). Colab comes with torch and torchvision, and the install cell keeps
them (lower bounds only); so does this environment: this machine's torch and torchvision,
with the packages they require, are linked into it (never downloaded or reinstalled; CI's
pins, ``ci/constraints.txt``, chose them). pip then installs the wheel and the rest of its
dependencies, pinned by ``--constraints`` as ``scripts/setup.sh`` does, the kernel and the
notebook runner (ipykernel, nbclient), and scikit-image, which Colab also has (chapter 3
names its ``%pip install`` when it is missing). The install cell (tagged
``skip-execution``) is skipped: the wheel stands in for the release it installs, and the
other packages it names (otter-grader in the graded chapters) are installed up front. Each chapter runs in its own
empty folder with its own ``$ADFL_HOME`` (``--home DIR``: one shared cache of trained runs
instead, e.g. the one the notebook tests just filled, so training is not repeated: what runs
alone is still the notebook, its imports and the files it reads); its kernel can open no connection beyond the
loopback (a ``sitecustomize`` refuses it), so a chapter that reads the network fails here.
Prints one line per chapter with its time; exits 1 when any chapter fails, naming the cell.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What Colab has and the wheel does not bring: the kernel, a runner, scikit-image.
BESIDE_THE_WHEEL = ["ipykernel", "nbclient", "scikit-image"]

# Loaded by every Python of the run (PYTHONPATH): no connection except to the loopback, so
# the kernel's own ZMQ sockets work and any download fails at once, naming the address.
NO_NETWORK = """
import socket

_connect = socket.socket.connect


def _local_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost", "0.0.0.0"):
        raise OSError(f"standalone chapter run: no network (tried {address!r})")
    return _connect(self, address)


socket.socket.connect = _local_only
"""

# Runs inside the fresh environment: execute one notebook, print a JSON line with the result.
RUNNER = """
import json, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, folder, kernel = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, timeout=900, kernel_name=kernel,
                        resources={"metadata": {"path": folder}})
t0 = time.perf_counter()
try:
    client.execute()
    error = None
except CellExecutionError as exc:
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    error = lines[-1] if lines else repr(exc)
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                error = f"cell {index}: {out['ename']}: {out['evalue']}"[:300]
print(json.dumps({"seconds": time.perf_counter() - t0, "error": error}))
"""


def chapters(names: list[str]) -> list[Path]:
    every = sorted((ROOT / "book" / "colab").glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    chosen = []
    for name in names:
        found = [p for p in every if p.name == Path(name).name or p.name.startswith(f"{name}_")]
        if not found:
            raise SystemExit(f"{name}: no chapter book/colab/{name}*.ipynb")
        chosen += found
    return chosen


#: What Colab has preinstalled and the chapters need from this machine, not from pip.
PREINSTALLED = ("torch", "torchvision")


def link_preinstalled(site: Path, roots=PREINSTALLED) -> list[str]:
    """Link the distributions ``roots`` and every one they require (this Python's installed
    copies: packages and ``.dist-info``, so pip sees them installed) into ``site``."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    linked, todo = [], list(roots)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in linked:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or extra: nothing to link
        linked.append(name)
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
        tops = {Path(str(f)).parts[0] for f in dist.files or []} - {"..", "__pycache__"}
        for top in sorted(tops):
            source, target = Path(dist.locate_file(top)), site / top
            if source.exists() and not target.exists() and not top.endswith(".pth"):
                target.symlink_to(source)
    return linked


def install_cell_packages(chapter: Path) -> list[str]:
    """What a chapter's install cell (``%pip install ...``, tagged ``skip-execution``) installs
    beside adfl-teach itself (a ``git+`` address or ``adfl-teach==``), in its order."""
    nb = json.loads(chapter.read_text())
    found = []
    for cell in nb["cells"]:
        if "skip-execution" not in cell.get("metadata", {}).get("tags", []):
            continue
        for line in "".join(cell["source"]).splitlines():
            words = line.split()
            if words[:2] not in (["%pip", "install"], ["!pip", "install"]):
                continue
            for word in words[2:]:
                ours = word.startswith("git+") or word.lower().startswith(
                    ("adfl-teach", "adfl_teach")
                )
                if not word.startswith("-") and not ours and word not in found:
                    found.append(word)
    return found


def make_venv(venv: Path, wheel: Path, constraints: Path | None, extra=()) -> Path:
    """A fresh environment at ``venv``: :data:`PREINSTALLED` linked, then the wheel and
    :data:`BESIDE_THE_WHEEL` installed by pip."""
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    linked = link_preinstalled(Path(site))
    print(f"linked from this machine (as Colab has them): {len(linked)} distributions")
    pins = ["-c", str(constraints)] if constraints else []
    command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins]
    subprocess.run([*command, str(wheel), *BESIDE_THE_WHEEL, *extra], check=True)
    # The environment's own kernel, by a name no other kernel on this machine has.
    kernel = ["-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL]
    subprocess.run([str(python), *kernel], check=True, capture_output=True)
    return python


KERNEL = "adfl-standalone"


def run_chapter(
    python: Path, chapter: Path, guard: Path, kernel: str = KERNEL, home: Path | None = None
) -> dict:
    """Execute ``chapter`` alone in an empty folder with ``python`` (its kernel ``kernel``):
    ``{"seconds": ..., "error": None or "cell K: Name: message"}``."""
    folder = Path(tempfile.mkdtemp(prefix=f"standalone_{chapter.stem}_"))
    try:
        shutil.copy(chapter, folder / chapter.name)  # the notebook, nothing beside it
        (folder / "runner.py").write_text(RUNNER)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ADFL_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))
        }
        env.update(
            ADFL_PRESET="smoke",
            ADFL_PROGRESS="0",
            ADFL_HOME=str(home.resolve() if home else folder / "home"),
            PYTHONPATH=str(guard),
            JUPYTER_PLATFORM_DIRS="1",
            HOME=str(folder / "user"),  # no kernels or settings of this machine's user
            PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
        )
        done = subprocess.run(
            [str(python), "runner.py", chapter.name, str(folder), kernel],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if done.returncode or not lines:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return {"seconds": 0.0, "error": f"the runner failed: {tail[0][:300]}"}
        return json.loads(lines[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--wheel", type=Path, required=True, help="the built adfl_teach wheel")
    parser.add_argument("--venv", type=Path, default=ROOT / "_build" / "standalone" / "venv")
    parser.add_argument("--constraints", type=Path, default=None, help="pip constraints")
    parser.add_argument("--home", type=Path, default=None, help="a shared $ADFL_HOME")
    parser.add_argument("--jobs", type=int, default=1, help="chapters run at once")
    args = parser.parse_args(argv)
    if not args.wheel.is_file():
        parser.error(f"{args.wheel}: no such wheel; build it with python -m build")
    todo = chapters(args.chapters)
    t0 = time.perf_counter()
    extra = sorted({name for chapter in todo for name in install_cell_packages(chapter)})
    python = make_venv(args.venv, args.wheel.resolve(), args.constraints, extra)
    named = f" and {', '.join(extra)} (install cells)" if extra else ""
    print(f"fresh environment with {args.wheel.name}{named}: {time.perf_counter() - t0:.0f} s")
    guard = args.venv.parent / "no_network"
    guard.mkdir(parents=True, exist_ok=True)
    (guard / "sitecustomize.py").write_text(NO_NETWORK)
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:  # each chapter is its own process
        results = pool.map(lambda c: (c, run_chapter(python, c, guard, home=args.home)), todo)
        failed = report(results)
    took = time.perf_counter() - t0
    print(f"{len(todo)} chapters run alone in {took:.0f} s: {len(failed)} failed {failed or ''}")
    return 1 if failed else 0


def report(results) -> list[str]:
    """Print one line per (chapter, result), in the chapters' order; the failed names."""
    failed = []
    for chapter, result in results:
        status = "ok  " if result["error"] is None else "FAIL"
        print(f"{status} {chapter.name}: {result['seconds']:.0f} s", flush=True)
        if result["error"] is not None:
            print(f"       {result['error']}")
            failed.append(chapter.name)
    return failed


if __name__ == "__main__":
    sys.exit(main())
