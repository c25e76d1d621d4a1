"""The book as a reader meets it (issue 21): equations MathJax can typeset, Markdown output
rendered as tables, the result stated up front from the committed report, chapter 14 last.

The browser check (scripts/check_book.py) sees the rendered pages; these tests guard the
sources that make them, so a regression fails here without a book build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
PAGES = sorted(p for p in BOOK.glob("*.md") if p.name != "README.md")  # README: not a page


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


def markdown_of(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text()
    return "\n".join(text(c) for c in cells(path) if c["cell_type"] == "markdown")


# Sphinx wraps a `$$ ... $$` formula holding a `\\` line break in `split`, where MathJax
# refuses `\tag` (a red error box instead of eqs. (2), (4), (7)): write those as equation*.
def split_with_tag(markdown: str) -> list[str]:
    """The ``$$ ... $$`` formulas (every second piece between delimiters) with both."""
    formulas = markdown.split("$$")[1::2]
    return [f for f in formulas if "\\\\" in f and "\\tag{" in f]


@pytest.mark.parametrize("path", CHAPTERS + PAGES, ids=lambda p: p.stem)
def test_no_tagged_display_formula_has_a_line_break_inside_dollars(path):
    found = split_with_tag(markdown_of(path))
    assert not found, f"{path.name}: write as \\begin{{equation*}} ... \\tag{{}}: {found[0][:80]}"


def test_the_guard_finds_the_formula_that_failed():
    old = r"$$ \ell_e^d = \begin{cases} 0 & i = c \\ -\log y_e^i & i \neq c \end{cases} \tag{2} $$"
    assert split_with_tag(old)
    assert not split_with_tag(r"$$ f_e = B(S(x)) \tag{1} $$ and $$ a \\ b $$")


def test_the_key_equations_are_amsmath_blocks_with_their_numbers():
    for chapter, number in (("05_splitter", 2), ("06_dispeller", 4), ("08_residual", 7)):
        source = markdown_of(BOOK / f"{chapter}.ipynb")
        block = re.search(r"\\begin\{equation\*\}(.*?)\\end\{equation\*\}", source, re.S)
        assert block and f"\\tag{{{number}}}" in block[1], chapter


def test_markdown_output_is_rendered_as_github_markdown():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["nb_render_markdown_format"] == "gfm"


def test_the_intro_states_the_result_computed_not_typed():
    intro = (BOOK / "intro.md").read_text()
    assert "kernelspec" in intro.split("---")[1]  # a MyST notebook: its code cell runs
    cell = re.search(r"```\{code-cell\}.*?```", intro, re.S)
    assert cell and "notebook.result_in_brief()" in cell[0] and "remove-input" in cell[0]
    assert "(14_reproduction.ipynb)" in intro
    report = json.loads((BOOK / "data" / "reproduction.json").read_text())
    for row in ("adfl", "baseline"):
        typed = f"{100 * report['rows'][row]['mean_accuracy']:.2f}"
        assert typed not in intro, f"intro.md types {typed}: compute it"


def test_chapter_1_states_the_result_from_the_report_and_links_the_report():
    chapter = cells(BOOK / "01_idea.ipynb")
    calls = [c for c in chapter if c["cell_type"] == "code" and "result_in_brief()" in text(c)]
    assert len(calls) == 1
    position = chapter.index(calls[0])
    assert position <= 5, "the result is up front"
    assert "14_reproduction.ipynb" in text(chapter[position - 1])


def test_chapter_1_defines_the_game_before_fig_2():
    headings = [text(c).splitlines()[0] for c in cells(BOOK / "01_idea.ipynb") if text(c)]
    game = headings.index("## The game in one picture")
    assert game < headings.index("## Fig. 2: four parts, four losses")
    prose = markdown_of(BOOK / "01_idea.ipynb")
    for term in ("min-max", "gradient reversal", "fool", "FC-256", "action units", "AMS"):
        assert term in prose, term


def test_the_reproduction_report_is_the_last_experiment_chapter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    (experiments,) = [p for p in toc["parts"] if p["caption"] == "Experiments"]
    files = [c["file"] for c in experiments["chapters"]]
    assert files[-1] == "book/14_reproduction"
    assert files[:-1] == sorted(files[:-1])


def test_chapter_14_renders_its_verdicts_as_markdown_and_ends_with_the_appendix():
    chapter = cells(BOOK / "14_reproduction.ipynb")
    code = [text(c) for c in chapter if c["cell_type"] == "code"]
    assert not [c for c in code if "print(findings.verdict" in c or "print(findings.paper_" in c]
    verdicts = [c for c in code if "findings.verdict(" in c]
    assert len(verdicts) == 2 and all("display(Markdown(" in c for c in verdicts)
    headings = [text(c).splitlines()[0] for c in chapter if c["cell_type"] == "markdown"]
    appendix = headings.index("## Appendix: the same command, rounded differently")
    assert appendix > headings.index(":::{admonition} Summary")
    assert "Wilcoxon signed-rank test** ranks" in markdown_of(BOOK / "14_reproduction.ipynb")


HIDDEN = {"remove-cell", "hide-input", "remove-input"}


def visible_assert_cells(path: Path) -> tuple[int, int]:
    """(code cells a reader sees, those of them holding an ``assert`` statement)."""
    shown = [
        c
        for c in cells(path)
        if c["cell_type"] == "code" and not HIDDEN & set(c["metadata"].get("tags", []))
    ]
    asserting = [
        c for c in shown if any(ln.lstrip().startswith("assert ") for ln in text(c).splitlines())
    ]
    return len(shown), len(asserting)


def test_lessons_teach_fewer_than_one_visible_assert_cell_in_five():
    counts = [visible_assert_cells(p) for p in CHAPTERS]
    shown, asserting = sum(c[0] for c in counts), sum(c[1] for c in counts)
    assert asserting < shown / 5, f"{asserting} of {shown} visible code cells assert"


def test_hidden_checks_stay_in_the_notebook_run():
    """A check moved out of sight is tagged, not deleted: nbval still runs it."""
    hidden = [
        c
        for p in CHAPTERS
        for c in cells(p)
        if c["cell_type"] == "code" and "remove-cell" in c["metadata"].get("tags", [])
    ]
    assert sum("assert " in text(c) for c in hidden) >= 30
