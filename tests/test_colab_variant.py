"""The Colab copies (``book/colab/``, written by scripts/sync_sources.py) render in plain
Jupyter's HTML (nbconvert, as Colab and JupyterLab show Markdown) with no MyST markup left,
keep their notebook's code, link to the published book, and are what every Colab button of
the built book opens (book/_ext/colab_links.py, checked again by scripts/check_book.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = _load("sync_sources", ROOT / "scripts" / "sync_sources.py")
colab_links = _load("colab_links", ROOT / "book" / "_ext" / "colab_links.py")
SITE = sync.pages_url(sync.repository_url())
HTMLExporter = pytest.importorskip("nbconvert").HTMLExporter

# What MyST leaves on the page when a renderer does not know it.
RAW_MYST = re.compile(
    r":::\{|```\{|\{cite(:\w+)?\}|\{(func|mod|class)\}|^:(class|label|nonumber):|^\([\w-]+\)=|"
    r"\\begin\{equation",
    re.M,
)


def rendered_text(nb) -> str:
    """The Markdown cells as nbconvert's HTML exporter writes them, tags stripped."""
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.cell_type == "markdown"]
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", "\n", body)


def test_the_chapter_itself_shows_raw_myst_outside_jupyter_book():
    """The check can fail: chapter 5 as committed is full of directives."""
    nb = nbformat.read(ROOT / "book" / "05_splitter.ipynb", as_version=4)
    assert RAW_MYST.search(rendered_text(nb))


def test_the_colab_copy_of_chapter_5_renders_with_no_directive_left():
    nb = nbformat.read(ROOT / "book" / "05_splitter.ipynb", as_version=4)
    copy = sync.colab_notebook(nb, "05_splitter.ipynb", SITE)
    text = rendered_text(copy)
    left = RAW_MYST.findall(text)
    assert not left, left[:5]
    assert "Exercise 5.1." in text and "Learning goals" in text
    sources = "\n".join(c.source for c in copy.cells if c.cell_type == "markdown")
    assert "<summary>Solution</summary>" in sources and "\\tag{2}" in sources
    code = [c.source for c in copy.cells if c.cell_type == "code"]
    assert code == [c.source for c in nb.cells if c.cell_type == "code"]  # untouched


@pytest.mark.parametrize(
    ("myst", "plain"),
    [
        (":::{admonition} Summary\n:class: tip\n* one\n:::", "> **Summary**\n>\n> * one"),
        (
            "```{exercise} 6.2 Why\n:label: ex\n:nonumber:\nDo it.\n```",
            "**Exercise 6.2.** *Why*\n\nDo it.",
        ),
        (
            "```{solution} ex\n:class: dropdown\nDone.\n```",
            "<details>\n<summary>Solution</summary>\n\nDone.\n\n</details>",
        ),
        ("(assignment-12-1)=\n## A", "## A"),
        (
            "see {func}`adfl_teach.losses.l_d` and {mod}`~adfl_teach.model`",
            "see `adfl_teach.losses.l_d` and `adfl_teach.model`",
        ),
        ("ADFL {cite:p}`bai2019adfl`", f"ADFL [[bai2019adfl]({SITE}book/bibliography.html)]"),
        ("\\begin{equation*}\na \\tag{7}\n\\end{equation*}", "$$ a \\tag{7} $$"),
    ],
)
def test_each_myst_construct_has_its_markdown_form(myst, plain):
    assert sync.colab_markdown(myst, SITE) == plain


def _code(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize(
    "source",
    sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    + sorted((ROOT / "book" / "students").glob("*.ipynb")),
    ids=lambda p: p.relative_to(ROOT / "book").as_posix(),
)
def test_every_notebook_has_a_colab_copy_with_its_code(source):
    copy = ROOT / "book" / "colab" / source.relative_to(ROOT / "book")
    assert copy.exists(), f"{copy}: missing; run python scripts/sync_sources.py"
    assert _code(copy) == _code(source)  # nbval runs the source only (book/conftest.py)
    assert not RAW_MYST.search(rendered_text(nbformat.read(copy, as_version=4)))


def test_links_point_at_the_published_book_where_colab_can_open_them():
    text = "[glossary](glossary.md) and [ex](12_exercises.ipynb#a) and [up](../intro.md)"
    assert sync.colab_links(text, SITE) == (
        f"[glossary]({SITE}instructors/book/glossary.html) and "
        f"[ex]({SITE}instructors/book/12_exercises.html#a) and [up](../intro.md)"
    )
    assert sync.colab_links(text, SITE, students=True) == (
        f"[glossary]({SITE}book/students/glossary.html) and "
        f"[ex]({SITE}book/students/12_exercises.html#a) and [up]({SITE}book/intro.html)"
    )
    assert sync.colab_links("[paper](https://x.org/a.md)", SITE) == "[paper](https://x.org/a.md)"


def _buttons(page: str) -> list[dict]:
    colab = f"https://colab.research.google.com/github/o/r/blob/main/{page}.ipynb"
    binder = f"https://mybinder.org/v2/gh/o/r/main?urlpath=tree/{page}.ipynb"
    return [{"type": "group", "buttons": [{"url": binder}, {"url": colab, "text": "Colab"}]}]


def test_the_colab_button_opens_the_copy_and_nothing_else_changes():
    buttons = _buttons("book/students/05_splitter")
    assert colab_links.point_colab_buttons(buttons, "book/students/05_splitter", lambda p: True)
    binder, colab = buttons[0]["buttons"]
    assert colab["url"] == (
        "https://colab.research.google.com/github/o/r/blob/main/"
        "book/colab/students/05_splitter.ipynb"
    )
    assert binder["url"].endswith("tree/book/students/05_splitter.ipynb")  # Binder runs MyST


def test_a_missing_copy_is_a_warning_and_the_button_is_left(caplog):
    buttons = _buttons("book/09_training")
    assert not colab_links.point_colab_buttons(buttons, "book/09_training", lambda p: False)
    assert buttons[0]["buttons"][1]["url"].endswith("blob/main/book/09_training.ipynb")
    assert colab_links.colab_path("intro") is None
    page = [
        {
            "buttons": [
                {"url": "https://colab.research.google.com/github/o/r/blob/main/book/intro.md"}
            ]
        }
    ]
    assert colab_links.point_colab_buttons(page, "book/intro", lambda p: True)
    assert page == [{"buttons": []}]  # Colab cannot open a Markdown page
    assert colab_links.colab_path("book/09_training") == "book/colab/09_training.ipynb"


def test_the_browser_check_refuses_a_colab_button_to_the_myst_source():
    check_book = _load("check_book", ROOT / "scripts" / "check_book.py")
    colab = "https://colab.research.google.com/github/o/r/blob/main/{name}.ipynb"
    info = {"imgs": [], "colab": [colab.format(name="book/09_training")], "widgetOutputs": [],
            "widgetViews": [], "fallback": [], "nbval": [], "untypeset": [], "raw": [],
            "merror": [], "pipes": []}  # fmt: skip
    errors = check_book.problems(info, "book/09_training.html", colab)
    assert any("no Colab button to" in e and "book/colab/09_training.ipynb" in e for e in errors)
    info["colab"] = [colab.format(name="book/colab/09_training")]
    assert not [
        e for e in check_book.problems(info, "book/09_training.html", colab) if "Colab" in e
    ]
