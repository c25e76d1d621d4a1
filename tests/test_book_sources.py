"""The book's derived sources: install cells, Colab runtime, students' notebooks, the address.

``scripts/sync_sources.py`` writes everything that derives from ``_config.yml``'s
``repository.url`` and ``adfl_teach.__version__``; these tests fail when any of it drifts.
After a merge, a version bump or a new fork: ``python scripts/sync_sources.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

import adfl_teach

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
STUDENTS = sorted((ROOT / "book" / "students").glob("*.ipynb"))


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = load_script("sync_sources")


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")


def first_code_cell(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def is_solution(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


# What a students' notebook must never hold, defined here, apart from the sync script:
# calls of a checker that holds the expected value, in any chapter ...
ANSWER_KEYS = r"demos\.check\(|check_solution\(|check_l_n\("
# ... and, in chapter 12 (graded: its hidden tests compute the answers), the library's
# verdicts behind an answer and the names the old self-checks kept them in.
GRADED_VERDICTS = {
    "12_exercises": r"collapse_signature|parts_moved\(|\btruth\b|\bmeasured\b|change_from_paper"
}


def leaks(nb, chapter: str) -> list[str]:
    """Why the students' notebook ``nb`` of ``chapter`` would answer an exercise: one line
    per cell that holds ``{solution`` text, a solution tag, an output, or code that computes
    an expected value."""
    keys = re.compile("|".join([ANSWER_KEYS] + [GRADED_VERDICTS.get(chapter, ANSWER_KEYS)]))
    problems = []
    for k, cell in enumerate(nb.cells):
        where = f"{chapter} cell {cell.get('id', k)}"
        if "{solution" in cell.source:
            problems.append(f"{where}: a {{solution}} directive")
        if "solution" in cell.metadata.get("tags", []):
            problems.append(f"{where}: tagged solution")
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count"):
            problems.append(f"{where}: outputs")
        found = keys.search(cell.source)
        if found:
            problems.append(f"{where}: computes an expected value ({found[0]!r})")
    return problems


def test_every_derived_file_is_in_sync(capsys):
    assert sync.main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_install_cell_is_one_pinned_line_skipped_by_the_checks(path):
    nb = nbformat.read(path, as_version=4)
    cell = first_code_cell(nb)
    release = f"git+{repository_url()}@v{adfl_teach.__version__}"
    if any("grader.check(" in c.source for c in nb.cells if c.cell_type == "code"):
        # graded questions: otter-grader, the grading extra's package, comes too
        assert cell.source == f"%pip install -q {release} otter-grader"
    else:
        assert cell.source == f"%pip install -q {release}"
    assert {"skip-execution", "nbval-skip"} <= set(cell.metadata["tags"])


def test_chapters_that_train_ask_colab_for_a_gpu_and_say_so():
    training = {p.stem for p in CHAPTERS if sync.trains(nbformat.read(p, as_version=4))}
    assert {"09_training", "10_cross_validation", "12_exercises"} <= training
    assert "01_idea" not in training
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        install = nb.cells.index(first_code_cell(nb))
        note = nb.cells[install + 1]
        if path.stem in training:
            assert nb.metadata["accelerator"] == "GPU", path.name
            assert nb.metadata["colab"]["gpuType"] and "provenance" in nb.metadata["colab"]
            assert note.cell_type == "markdown" and "\n" not in note.source.strip(), path.name
            assert "GPU" in note.source and "cpu-quick" in note.source
        else:
            assert "accelerator" not in nb.metadata, path.name
            assert note.get("id") != sync.RUNTIME_ID


def test_every_chapter_with_a_solution_has_a_students_notebook_without_any():
    with_solutions = {p.name for p in CHAPTERS if "{solution" in p.read_text()}
    assert {"04_shared_layers.ipynb", "12_exercises.ipynb"} <= with_solutions
    assert {p.name for p in STUDENTS} == with_solutions
    for path in STUDENTS:  # grep -c '{solution' book/students/*.ipynb is 0 for every file
        assert "{solution" not in path.read_text(), path.name


@pytest.mark.parametrize("path", STUDENTS, ids=lambda p: p.stem)
def test_students_notebooks_answer_nothing(path):
    assert leaks(nbformat.read(path, as_version=4), path.stem) == []


def test_the_leak_check_finds_a_solution_put_back_in_a_combined_cell():
    nb = nbformat.read(ROOT / "book" / "students" / "06_dispeller.ipynb", as_version=4)
    exercise = next(c for c in nb.cells if "{exercise} 6.2" in c.source)
    exercise.source += "\n\n```{solution} ex-dispeller-collapse\n:class: dropdown\nH(p)\n```"
    code = next(c for c in nb.cells if c.cell_type == "code" and "import" in c.source)
    code.outputs = [nbformat.v4.new_output("stream", text="correct")]
    nb.cells.append(nbformat.v4.new_code_cell("demos.check(answer, 8)"))
    found = leaks(nb, "12_exercises")
    assert f"12_exercises cell {exercise.id}: a {{solution}} directive" in found
    assert f"12_exercises cell {code.id}: outputs" in found
    assert any("computes an expected value ('demos.check(')" in f for f in found), found
    nb.cells[-1].source = "verdict = collapse_signature(histories['A'])"
    assert "computes an expected value ('collapse_signature')" in leaks(nb, "12_exercises")[-1]


def up_a_folder(text: str) -> str:
    """Links from a students' notebook to a page without a students' copy go up a folder."""
    copies = "|".join(re.escape(p.name) for p in STUDENTS)
    return re.sub(rf"\]\((?!{copies})([\w-]+\.(md|ipynb))", r"](../\1", text)


def test_students_notebooks_keep_every_cell_but_the_solutions():
    for path in STUDENTS:
        chapter = nbformat.read(ROOT / "book" / path.name, as_version=4)
        student = nbformat.read(path, as_version=4)
        kept = [
            up_a_folder(c.source) if c.cell_type == "markdown" else c.source
            for c in chapter.cells
            if not is_solution(c)
        ]
        assert [c.source for c in student.cells] == kept, path.name
    assert "](../glossary.md)" in (ROOT / "book" / "students" / "12_exercises.ipynb").read_text()


def test_students_links_point_up_only_to_pages_without_a_students_copy():
    copies = {"05_splitter.ipynb", "12_exercises.ipynb"}
    text = (
        "[a](glossary.md) [b](05_splitter.ipynb#eq-2) [c](09_training.ipynb#x) "
        "[d](https://x.org/y.md) [e](../api.md) [f](#local)"
    )
    assert sync.students_links(text, copies) == (
        "[a](../glossary.md) [b](05_splitter.ipynb#eq-2) [c](../09_training.ipynb#x) "
        "[d](https://x.org/y.md) [e](../api.md) [f](#local)"
    )
    # the assignments' public checks are still there, each with its public tests
    from adfl_teach.teaching import grading

    student = nbformat.read(ROOT / "book" / "students" / "12_exercises.ipynb", as_version=4)
    code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    checked = re.findall(r'grader\.check\("(\w+)"\)', code)
    assert checked == [f"q12_{k}" for k in range(1, 7)]
    assert set(checked) <= set(grading.questions())


def test_a_solution_left_in_an_exercise_cell_is_refused_naming_the_cell(tmp_path, capsys):
    root = copy_of_sources(tmp_path)
    chapter = root / "book" / "06_dispeller.ipynb"
    nb = nbformat.read(chapter, as_version=4)
    exercise = next(c for c in nb.cells if "{exercise} 6.2" in c.source)
    exercise.source += "\n\n```{solution} ex-dispeller-collapse\n:class: dropdown\nH(p)\n```"
    nbformat.write(nb, chapter)
    with pytest.raises(SystemExit, match=f"book/06_dispeller.ipynb: cell {exercise.id} holds a"):
        sync.main(["--root", str(root)])
    student = root / "book" / "students" / "06_dispeller.ipynb"
    assert "{solution" not in student.read_text()  # nothing was written


def copy_of_sources(tmp_path: Path) -> Path:
    """The files sync_sources.py reads and writes, in a scratch repository."""
    for name in ("_config.yml", "pyproject.toml", "CITATION.cff", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "adfl_teach").mkdir()
    shutil.copy(ROOT / "adfl_teach" / "__init__.py", tmp_path / "adfl_teach" / "__init__.py")
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("_*"))
    return tmp_path


def test_check_names_a_drifted_install_cell_and_a_student_solution(tmp_path, capsys):
    root = copy_of_sources(tmp_path)
    chapter = root / "book" / "09_training.ipynb"
    nb = nbformat.read(chapter, as_version=4)
    first_code_cell(nb).source = "%pip install -q git+https://example.org/x"
    nbformat.write(nb, chapter)
    student = root / "book" / "students" / "12_exercises.ipynb"
    nb = nbformat.read(student, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("answer = 8", metadata={"tags": ["solution"]}))
    nbformat.write(nb, student)
    assert sync.main(["--check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "book/09_training.ipynb: out of date" in out
    assert "book/students/12_exercises.ipynb: out of date" in out
    assert sync.main(["--root", str(root)]) == 0
    assert sync.main(["--check", "--root", str(root)]) == 0
    assert not any(is_solution(c) for c in nbformat.read(student, as_version=4).cells)


def test_a_new_fork_or_version_is_one_edit_and_one_sync(tmp_path):
    root = copy_of_sources(tmp_path)
    config = root / "_config.yml"
    config.write_text(config.read_text().replace(repository_url(), "https://github.com/me/fork"))
    init = root / "adfl_teach" / "__init__.py"
    init.write_text(init.read_text().replace(f'"{adfl_teach.__version__}"', '"9.8.7"'))
    assert sync.main(["--check", "--root", str(root)]) == 1
    sync.main(["--root", str(root)])
    cell = first_code_cell(nbformat.read(root / "book" / "02_data.ipynb", as_version=4))
    assert cell.source == "%pip install -q git+https://github.com/me/fork@v9.8.7"
    assert 'Repository = "https://github.com/me/fork"' in (root / "pyproject.toml").read_text()
    assert 'version: "9.8.7"' in (root / "CITATION.cff").read_text()
    assert "https://me.github.io/fork/" in (root / "README.md").read_text()


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listing.stdout.splitlines() if (ROOT / name).is_file()]


# Files that hold the address because scripts/sync_sources.py writes it there (they cannot
# read _config.yml: a notebook opened on Colab, package metadata, a citation file, the
# README's links); test_every_derived_file_is_in_sync fails when one of them drifts.
WRITTEN_BY_SYNC = re.compile(
    r"^(book/(colab/)?(students/)?[^/]+\.ipynb|pyproject\.toml|CITATION\.cff|README\.md)$"
)


def test_the_repository_address_has_one_source():
    owner, name = repository_url().split("/")[-2:]
    address = re.compile(
        rf"{re.escape(owner)}/{re.escape(name)}|{re.escape(owner)}\.github\.io", re.I
    )
    holders = {
        path for path in tracked_files() if address.search((ROOT / path).read_text(errors="ignore"))
    }
    assert holders - {p for p in holders if WRITTEN_BY_SYNC.match(p)} == {"_config.yml"}


def test_students_variant_builds_chapters_from_the_students_notebooks():
    variant = load_script("book_variant")
    config, toc = variant.variant("students", None, None)
    assert config["sphinx"]["config"]["hide_solutions"] is True
    files = re.findall(r"'file': '([^']+)'", str(toc))
    assert "book/students/12_exercises" in files and "book/12_exercises" not in files
    assert "book/09_training" in files  # a chapter without solutions stays
    assert "students_links" in config["sphinx"]["local_extensions"]
    for path in config["sphinx"]["local_extensions"].values():
        assert Path(path).is_absolute() and Path(path).exists()


def test_publish_variant_caches_execution_and_opens_the_release_tag(tmp_path):
    variant = load_script("book_variant")
    config, _ = variant.variant("publish", "v1.2.3", tmp_path / "cache")
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["cache"] == str((tmp_path / "cache").resolve())
    assert config["repository"]["branch"] == "v1.2.3"
    assert config["repository"]["url"] == repository_url()


def test_students_notebooks_are_valid_and_marked_as_generated():
    for path in STUDENTS:
        nb = json.loads(path.read_text())
        nbformat.validate(nbformat.from_dict(nb))
        assert nb["metadata"]["adfl_teach"]["students_copy_of"] == f"book/{path.name}"


PAGE = """<!DOCTYPE html><html><head><title>{title}</title>
<script defer src="../_static/mathjax/tex-chtml.js"></script></head>
<body><article>{body}</article></body></html>"""
GOOD = (
    '<p>Eq. (8): <span class="math notranslate nohighlight">\\(\\lambda_n = 10\\)</span>, '
    "and <code>$ADFL_HOME</code> is no math.</p>"
    '<img src="../_static/dot.png" alt="A red dot on white.">'
)
BAD = (
    "<p>Raw $\\lambda_n$ in prose.</p>"
    '<img src="../_static/dot.png" alt="../_static/dot.png"><img src="../_static/dot.png">'
    "<pre># NBVAL_CHECK_OUTPUT</pre><script>console.error('boom')</script>"
)


def tiny_book(root: Path, pages: dict[str, str]) -> Path:
    """A served folder like _build/html: pages under book/, MathJax of the book extension."""
    from PIL import Image

    mathjax = importlib.import_module("sphinx-mathjax-offline")
    html = root / "html"
    (html / "book").mkdir(parents=True)
    (html / "_static").mkdir()
    (html / "_static" / "mathjax").symlink_to(Path(mathjax.__file__).parent / "static" / "mathjax")
    Image.new("RGB", (8, 8), "red").save(html / "_static" / "dot.png")
    for name, body in pages.items():
        (html / "book" / f"{name}.html").write_text(PAGE.format(title=name, body=body))
    return html


@pytest.fixture(scope="module")
def check_book():
    pytest.importorskip("playwright")
    module = load_script("check_book")
    if not Path(module.default_chromium()).exists() and not shutil.which(module.default_chromium()):
        pytest.skip("no chromium")
    return module


def test_browser_check_passes_a_good_page_with_typeset_math(check_book, tmp_path, capsys):
    html = tiny_book(tmp_path, {"good": GOOD})
    assert check_book.main([str(html), "--settle", "0.2"]) == 0, capsys.readouterr().out
    assert "ok   book/good.html: 1 images, 1 math" in capsys.readouterr().out


def test_browser_check_fails_on_raw_math_missing_alt_markers_and_js_errors(
    check_book, tmp_path, capsys
):
    html = tiny_book(tmp_path, {"bad": BAD})
    assert check_book.main([str(html), "--settle", "0.2"]) == 1
    out = capsys.readouterr().out
    assert "raw TeX in the text: ['$\\\\lambda_n$']" in out
    assert "2 images without alt text" in out
    assert "checker markers visible to readers: ['NBVAL_CHECK_OUTPUT']" in out
    assert "console.error: boom" in out


def test_browser_check_fails_when_mathjax_does_not_load(check_book, tmp_path, capsys):
    html = tiny_book(tmp_path, {"good": GOOD})
    (html / "_static" / "mathjax").unlink()
    assert check_book.main([str(html), "--settle", "0.2"]) == 1
    out = capsys.readouterr().out
    assert "1 math elements not typeset" in out and "tex-chtml.js" in out


SHOWN_SOLUTION = (
    '<div class="solution dropdown admonition" id="ex-x-solution">'
    '<p class="admonition-title">Solution to Exercise 6.2</p><p>H(p)</p></div>'
)
TAGGED_CELL = '<div class="cell tag_solution tag_hide-input docutils container"></div>'


def test_students_check_fails_on_a_page_that_shows_a_solution(check_book, tmp_path, capsys):
    pages = {"good": GOOD, "dropdown": GOOD + SHOWN_SOLUTION, "cell": GOOD + TAGGED_CELL}
    html = tiny_book(tmp_path, pages)
    assert check_book.main([str(html), "--settle", "0.2"]) == 0  # the instructors' book
    capsys.readouterr()
    assert check_book.main([str(html), "--settle", "0.2", "--students"]) == 1
    out = capsys.readouterr().out
    assert "FAIL book/dropdown.html: shows a solution (2 marks: ['Solution to', 'solution'])" in out
    assert "FAIL book/cell.html: shows a solution (1 marks: ['tag_solution'])" in out
    assert "book/good.html: shows" not in out


def test_the_published_students_book_hides_solutions_and_opens_the_students_notebooks(tmp_path):
    variant = load_script("book_variant")
    config, toc = variant.variant("publish", "v1.2.3", tmp_path / "cache", students=True)
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["repository"]["branch"] == "v1.2.3"
    files = re.findall(r"'file': '([^']+)'", str(toc))
    assert {f"book/students/{p.stem}" for p in STUDENTS} <= set(files)
    assert not {f"book/{p.stem}" for p in STUDENTS} & set(files)
    instructors, _ = variant.variant("publish", "v1.2.3", tmp_path / "cache")
    assert instructors["sphinx"]["config"]["hide_solutions"] is False


def test_the_publish_command_builds_both_books_and_checks_both():
    script = (ROOT / "scripts" / "build_book.sh").read_text()
    publish = script[script.index("  publish)") :]
    assert 'book_variant.py publish "$out/students_config" --students' in publish
    assert re.search(r'check_book\.py "\$out/students/html" --students', publish)
    assert re.search(r'check_book\.py "\$out/instructors/html"', publish)
    assert 'cp -r "$out/instructors/html" "$out/html/instructors"' in publish
