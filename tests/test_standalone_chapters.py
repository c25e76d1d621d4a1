"""scripts/standalone_chapters.py runs a chapter the way Colab does: alone in an empty
folder, no network. These tests use this machine's Python (nbclient and ipykernel are dev
dependencies) instead of a fresh environment, which scripts/test.sh builds."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "standalone_chapters", ROOT / "scripts" / "standalone_chapters.py"
)
standalone = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standalone)
pytest.importorskip("nbclient")


def chapter(tmp_path: Path, *sources: str, tags=None) -> Path:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    if tags:
        nb.cells[0].metadata["tags"] = tags
    path = tmp_path / "book" / "99_try.ipynb"
    path.parent.mkdir(exist_ok=True)
    (path.parent / "data").mkdir(exist_ok=True)
    (path.parent / "data" / "beside.json").write_text("{}")  # beside it in the repository
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def guard(tmp_path):
    folder = tmp_path / "guard"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(standalone.NO_NETWORK)
    return folder


def run(path: Path, guard: Path) -> dict:
    return standalone.run_chapter(Path(sys.executable), path, guard, kernel="python3")


def test_a_chapter_that_runs_alone_passes_and_its_install_cell_is_skipped(tmp_path, guard):
    path = chapter(
        tmp_path,
        "raise SystemExit('the install cell ran')",
        "import os\nassert os.environ['ADFL_PRESET'] == 'smoke'\nprint(sorted(os.listdir('.')))",
        tags=["skip-execution", "nbval-skip"],
    )
    result = run(path, guard)
    assert result["error"] is None, result


def test_a_chapter_that_reads_a_file_beside_it_fails_naming_the_cell(tmp_path, guard):
    path = chapter(tmp_path, "x = 1", "open('data/beside.json').read()")
    result = run(path, guard)
    assert result["error"].startswith("cell 1: FileNotFoundError"), result


def test_a_chapter_that_opens_the_network_fails(tmp_path, guard):
    code = "import urllib.request\nurllib.request.urlopen('http://93.184.216.34/', timeout=5)"
    result = run(chapter(tmp_path, code), guard)
    assert "no network" in result["error"], result


def test_the_preinstalled_packages_are_linked_with_their_metadata(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    linked = standalone.link_preinstalled(site, roots=("packaging",))
    assert linked == ["packaging"]
    assert (site / "packaging").is_symlink()
    assert any(
        p.name.startswith("packaging-") and p.name.endswith(".dist-info") for p in site.iterdir()
    )


def test_chapters_are_chosen_by_number_and_a_wrong_one_is_one_line():
    chosen = standalone.chapters(["03"])
    assert [p.relative_to(ROOT).as_posix() for p in chosen] == ["book/colab/03_preprocessing.ipynb"]
    assert len(standalone.chapters([])) >= 14  # what Colab opens: the copies, every chapter
    with pytest.raises(SystemExit, match="77: no chapter book/colab/77"):
        standalone.chapters(["77"])


def test_what_an_install_cell_names_beside_the_release_is_installed_too(tmp_path):
    path = chapter(
        tmp_path,
        "%pip install -q git+https://github.com/o/r@v1 otter-grader\n%pip install adfl-teach==1 x",
        "import x",
        tags=["skip-execution"],
    )
    assert standalone.install_cell_packages(path) == ["otter-grader", "x"]
    plain = chapter(tmp_path, "%pip install -q otter-grader")  # not the install cell: runs
    assert standalone.install_cell_packages(plain) == []


def test_the_report_names_each_failed_chapter_with_its_cell(capsys):
    results = [
        (Path("01_a.ipynb"), {"seconds": 3.0, "error": None}),
        (Path("02_b.ipynb"), {"seconds": 5.0, "error": "cell 4: KeyError: 'x'"}),
    ]
    assert standalone.report(results) == ["02_b.ipynb"]
    out = capsys.readouterr().out.splitlines()
    assert out == ["ok   01_a.ipynb: 3 s", "FAIL 02_b.ipynb: 5 s", "       cell 4: KeyError: 'x'"]
