"""Write (or check) the Colab-friendly copies of the chapters: MyST markup as plain Markdown.

    python scripts/colab_variant.py [--check] [--out book/colab] [CHAPTER ...]

Jupyter Book renders the chapters' MyST (admonitions, ``{exercise}`` and ``{solution}``
blocks, ``{cite:p}`` citations, ``{func}`` roles, ``(label)=`` targets, ``equation*``
blocks); Colab and plain Jupyter show the same cells as raw source. The copy written here
says the same things in Markdown both render: an admonition becomes a block quote under its
bold title, an exercise a bold "Exercise 5.1" paragraph, its solution a closed
``<details>`` block, a citation the cited key in brackets with a link to the bibliography,
a role its code name, a target nothing, and ``equation*`` a ``$$`` formula. Code cells and
outputs are copied unchanged. ``--check`` writes nothing and exits 1 when a copy is missing
or differs from what the chapter gives. Tested in ``tests/test_colab_variant.py``, which
renders a copy with nbconvert's HTML exporter and finds no MyST left.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = Path("book/colab")

FENCE = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
OPTION = re.compile(r"^:[\w-]+:[^\n]*\n?", re.M)
TARGET = re.compile(r"^\([\w.-]+\)=[ \t]*\n", re.M)
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
ROLE = re.compile(r"\{(?:py:)?(?:func|mod|class|meth|attr|obj|data|exc)\}`~?([^`]+)`")
REF = re.compile(r"\{(?:ref|numref|doc)\}`([^`<]+?)(?:\s*<[^`>]+>)?`")
EQUATION = re.compile(r"\\begin\{equation\*?\}\n?(.*?)\n?\\end\{equation\*?\}", re.S)
ADMONITIONS = {"admonition", "note", "tip", "important", "warning", "hint", "caution", "seealso"}


def bibliography_url(root: Path = ROOT) -> str:
    """The published book's bibliography, from ``_config.yml``'s repository (GitHub Pages)."""
    import yaml

    url = yaml.safe_load((root / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    owner, name = url.split("/")[-2:]
    return f"https://{owner}.github.io/{name}/book/bibliography.html"


BIBLIOGRAPHY = bibliography_url()


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def _block(match: re.Match) -> str:
    name, title = match["name"], match["title"].strip()
    body = OPTION.sub("", match["body"]).strip()
    body = FENCE.sub(_block, body)  # nested blocks first
    if name in ADMONITIONS:
        heading = title or name.capitalize()
        return _quote(f"**{heading}**\n\n{body}")
    if name == "exercise":
        number, _, rest = title.partition(" ")
        label = f"Exercise {number}" if re.fullmatch(r"[\d.]+", number) else "Exercise"
        rest = rest if label != "Exercise" else title
        return (
            f"**{label}.** *{rest.strip()}*\n\n{body}"
            if rest.strip()
            else f"**{label}.**\n\n{body}"
        )
    if name == "solution":
        return f"<details>\n<summary>Solution</summary>\n\n{body}\n\n</details>"
    return f"**{title or name}**\n\n{body}"


def colab_markdown(text: str) -> str:
    """One Markdown cell's MyST rewritten as plain Markdown (see the module's docstring)."""
    text = FENCE.sub(_block, text)
    text = TARGET.sub("", text)
    text = CITE.sub(lambda m: f"[[{m[1]}]({BIBLIOGRAPHY})]", text)
    text = ROLE.sub(lambda m: f"`{m[1]}`", text)
    text = REF.sub(lambda m: m[1].strip(), text)
    return EQUATION.sub(lambda m: f"$$ {m[1].strip()} $$", text)


def colab_notebook(nb):
    """A copy of ``nb`` whose Markdown cells are :func:`colab_markdown`'s."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = colab_markdown(cell.source)
    nb.metadata["adfl_teach"] = {"colab_copy_of": "book", "written_by": "scripts/colab_variant.py"}
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / OUT)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    stale = []
    for chapter in chapters:
        try:
            nb = nbformat.read(chapter, as_version=4)
        except Exception as error:  # one line naming the file
            raise SystemExit(f"{chapter}: not a readable notebook ({error})") from None
        text = nbformat.writes(colab_notebook(nb)) + "\n"
        target = args.out / chapter.name
        if target.exists() and target.read_text() == text:
            continue
        stale.append(target)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    for target in stale:
        print(f"{target}: {'out of date' if args.check else 'written'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
