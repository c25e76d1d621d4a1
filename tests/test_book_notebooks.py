"""The chapters as a reader meets them: narrow code, a frame, answers, no checker noise.

Static checks of the committed notebooks (nothing is executed here; nbval and the book
build execute them).
"""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
METHOD_CHAPTERS = ("04_", "05_", "06_", "07_", "08_")
MAX_CODE_LINE = 88  # book/ruff.toml formats the chapters at this width


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def markdown(path: Path) -> str:
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")


def test_the_book_has_its_chapters():
    assert len(CHAPTERS) >= 13


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_code_line_is_wider_than_the_page(path):
    wide = [
        f"cell {k}: {line!r}"
        for k, cell in enumerate(cells(path))
        if cell["cell_type"] == "code"
        for line in source(cell).splitlines()
        if len(line) > MAX_CODE_LINE
    ]
    assert not wide, f"{path.name}: code lines over {MAX_CODE_LINE} characters:\n" + "\n".join(wide)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_visible_checker_markers(path):
    """nbval reads cell tags (nbval-check-output, nbval-skip); comments would be printed."""
    marked = [k for k, c in enumerate(cells(path)) if re.search(r"#\s*NBVAL_", source(c))]
    assert not marked, f"{path.name}: NBVAL comment markers in cells {marked}; use tags"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_points_readers_to_files_they_do_not_have(path):
    text = "\n".join(source(c) for c in cells(path))
    outside = re.search(r"shared/|(?<![-\w])notes\b", text, re.IGNORECASE)
    assert not outside, (
        f"{path.name} cites {outside[0]!r}, not in the project: put the fact in the book"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_goals_a_summary_and_the_glossary(path):
    text = markdown(path)
    assert "Learning goals" in text, f"{path.name}: no learning goals"
    assert "Summary" in text, f"{path.name}: no summary"
    assert "glossary" in text, f"{path.name}: no link to the glossary"
    # the goals come first (in the title cell or right after it) ...
    first_cells = "\n".join(source(c) for c in cells(path)[:3])
    assert "Learning goals" in first_cells, f"{path.name}: goals are not at the top"
    # ... and the summary is in the last markdown cells
    tail = [source(c) for c in cells(path) if c["cell_type"] == "markdown"][-3:]
    assert any("Summary" in t for t in tail), f"{path.name}: summary is not at the end"


@pytest.mark.parametrize(
    "path", [p for p in CHAPTERS if p.name.startswith(METHOD_CHAPTERS)], ids=lambda p: p.stem
)
def test_method_chapters_have_exercises_with_solutions(path):
    text = markdown(path)
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    solutions = set(re.findall(r"```\{solution\} (\S+)", text))
    assert len(exercises) >= 2, f"{path.name}: {len(exercises)} exercises"
    assert set(exercises) <= solutions, f"{path.name}: unanswered {set(exercises) - solutions}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_question_boxes_are_answered(path):
    """A box that asks the reader something comes with a solution dropdown."""
    text = markdown(path)
    questions = re.findall(r"\{admonition\} (Questions?|Try it)", text)
    assert not questions, f"{path.name}: unanswered question boxes {questions}; use exercises"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_exercise_labels_are_unique_in_the_book(path):
    labels = re.findall(r":label: (\S+)", markdown(path))
    others = [re.findall(r":label: (\S+)", markdown(p)) for p in CHAPTERS if p != path]
    clash = set(labels) & {label for found in others for label in found}
    assert len(labels) == len(set(labels)) and not clash, f"{path.name}: {clash}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    dirty = [
        k
        for k, c in enumerate(cells(path))
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: outputs or execution counts in cells {dirty}"


FIGURE_CALL = re.compile(
    r"plotting\.(show_images|plot_\w+|embedding_grid)|ams_plots\.(ams_explorer|plot_ams_geometry)"
    r"|figures\.(fig2|traced_batch)|contact_sheet\("
)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_has_alt_text(path):
    """A screen reader reads the cell's mystnb.image.alt; myst-nb's default is the file name."""
    missing = [
        cell.get("id", k)
        for k, cell in enumerate(cells(path))
        if cell["cell_type"] == "code"
        and FIGURE_CALL.search(source(cell))
        and not cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
    ]
    assert not missing, f"{path.name}: figure cells without alt text: {missing}"
