"""The browser check sees what a reader sees: MathJax's error boxes, raw display math, raw
table pipes, and each image's natural size (issue 21).

The pages are tiny hand-written HTML files typeset by the book's own offline MathJax, so the
error box is MathJax's real answer to a ``\\tag`` inside ``split`` (what Sphinx wraps around a
``$$ ... $$`` formula with a ``\\\\`` line break)."""

from __future__ import annotations

import json

from test_book_sources import check_book, tiny_book  # noqa: F401  (check_book is a fixture)

# Sphinx's MathJax output for `$$ a \\ b \tag{2} $$`: a split environment, where \tag fails.
SPLIT_WITH_TAG = (
    '<div class="math notranslate nohighlight">'
    "\\[\\begin{split}\\ell = \\begin{cases} 0 & i = c \\\\ 1 & i \\neq c \\end{cases} "
    "\\tag{2}\\end{split}\\]</div>"
)
# The same formula written as the book writes it now (an amsmath block, nowrap).
EQUATION_STAR = (
    '<div class="math notranslate nohighlight">'
    "\\[\\begin{equation*}\\ell = \\begin{cases} 0 & i = c \\\\ 1 & i \\neq c \\end{cases} "
    "\\tag{2}\\end{equation*}\\]</div>"
)
RAW_TABLE = (
    '<div class="output"><p>| model | mean % | | --- | --- | | adfl | 80.1 | '
    "| baseline | 79.0 |</p></div>"
)
TABLE = (
    "<table><tr><th>model</th><th>mean %</th></tr><tr><td>adfl</td><td>80.1</td></tr></table>"
    "<p>A sentence with one | pipe | is prose.</p>"
)
RAW_DISPLAY = "<p>$$ f_r = f_e - f_n \\tag{5} $$ and \\begin{cases} left raw</p>"


def run(check_book, tmp_path, capsys, pages):  # noqa: F811
    html = tiny_book(tmp_path, pages)
    code = check_book.main([str(html), "--settle", "0.2", "--screenshots", str(tmp_path / "s")])
    return code, capsys.readouterr().out


def test_a_tag_inside_split_fails_and_equation_star_passes(check_book, tmp_path, capsys):  # noqa: F811
    code, out = run(check_book, tmp_path, capsys, {"split": SPLIT_WITH_TAG})
    assert code == 1
    assert "1 formulas MathJax could not typeset" in out
    assert "tag not allowed in split environment" in out
    code, out = run(check_book, tmp_path / "ok", capsys, {"fixed": EQUATION_STAR})
    assert code == 0, out


def test_raw_table_pipes_fail_a_rendered_table_passes(check_book, tmp_path, capsys):  # noqa: F811
    code, out = run(check_book, tmp_path, capsys, {"raw": RAW_TABLE})
    assert code == 1 and "1 raw Markdown tables (pipes): ['| model | mean %" in out
    code, out = run(check_book, tmp_path / "ok", capsys, {"table": TABLE})
    assert code == 0, out


def test_raw_display_math_and_environments_fail(check_book, tmp_path, capsys):  # noqa: F811
    code, out = run(check_book, tmp_path, capsys, {"raw": RAW_DISPLAY})
    assert code == 1
    assert "raw TeX in the text" in out and "\\\\begin{cases}" in out


def test_each_image_natural_size_is_recorded(check_book, tmp_path, capsys):  # noqa: F811
    page = '<p>x</p><img src="../_static/dot.png" alt="A red dot." style="width: 40px">'
    code, out = run(check_book, tmp_path, capsys, {"dot": page})
    assert code == 0, out
    assert "image: dot.png 8x8 px shown at 40 px (upscaled: soft)" in out
    record = json.loads((tmp_path / "s" / "check_book.json").read_text())
    assert record["book/dot.html"] == {
        "errors": [],
        "images": ["dot.png 8x8 px shown at 40 px (upscaled: soft)"],
    }
