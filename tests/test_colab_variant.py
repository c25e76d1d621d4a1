"""The Colab-friendly copy of a chapter (scripts/colab_variant.py) renders in plain Jupyter's
HTML (nbconvert, as Colab and JupyterLab show Markdown) with no MyST markup left."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "colab_variant", ROOT / "scripts" / "colab_variant.py"
)
colab_variant = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colab_variant)
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
    copy = colab_variant.colab_notebook(nb)
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
        ("ADFL {cite:p}`bai2019adfl`", f"ADFL [[bai2019adfl]({colab_variant.BIBLIOGRAPHY})]"),
        ("\\begin{equation*}\na \\tag{7}\n\\end{equation*}", "$$ a \\tag{7} $$"),
    ],
)
def test_each_myst_construct_has_its_markdown_form(myst, plain):
    assert colab_variant.colab_markdown(myst) == plain


def test_check_reports_a_missing_copy_and_writing_fixes_it(tmp_path, capsys):
    chapter = ROOT / "book" / "05_splitter.ipynb"
    args = [str(chapter), "--out", str(tmp_path)]
    assert colab_variant.main([*args, "--check"]) == 1
    assert "out of date" in capsys.readouterr().out
    assert colab_variant.main(args) == 0 and colab_variant.main([*args, "--check"]) == 0
