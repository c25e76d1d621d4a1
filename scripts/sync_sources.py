"""Write (or check) everything that derives from the repository address and the version.

    python scripts/sync_sources.py           # rewrite what drifted, name each file written
    python scripts/sync_sources.py --check   # write nothing; exit 1 naming each drifted file
    python scripts/sync_sources.py --print-version   # the version, X.Y.Z (the tag is vX.Y.Z)

The repository address has one source, ``_config.yml``'s ``repository.url`` (the launch
buttons and the browser check read it there); the version has one source,
``adfl_teach.__version__``. Places that cannot read either at run time are written from
them here, and ``tests/test_book_sources.py`` fails when any of them drifts:

* every chapter's install cell (its first code cell): one line that installs the release
  being read, for Colab (tagged ``skip-execution`` and ``nbval-skip``: the book build and
  nbval use the library already installed); a chapter with graded questions
  (``grader.check``) installs otter-grader beside it;
* in chapters that train, Colab's GPU runtime request (notebook metadata) and a one-line
  note on the runtime right after the install cell;
* the students' notebooks, ``book/students/<chapter>.ipynb``, for every chapter with a
  solution: the chapter with its cells tagged ``solution`` removed by nbconvert's
  ``TagRemovePreprocessor`` (tags only: a sphinx-exercise ``{solution}`` directive is a
  markdown cell of its own, tagged ``solution``; a chapter that has the directive in an
  untagged cell is refused, naming the cell), outputs cleared, everything else kept;
* the Colab copies, ``book/colab/<chapter>.ipynb`` and ``book/colab/students/<chapter>.ipynb``,
  which the book's Colab buttons open (``book/_ext/colab_links.py``): the chapter (or the
  students' notebook) with its MyST written as Markdown that Colab and plain Jupyter render
  (an admonition becomes a block quote under its bold title, an exercise a bold "Exercise
  5.1" paragraph, a solution a closed ``<details>`` block, a citation the key in brackets
  linking to the bibliography, a role its code name, a target nothing, ``equation*`` a
  ``$$`` formula) and its relative links pointed at the published book; code cells and
  metadata unchanged;
* ``[project.urls]`` in ``pyproject.toml``, the version and addresses in ``CITATION.cff``,
  and the links block in ``README.md``.

Changing the fork is a one-line edit of ``_config.yml`` and a run of this script; so is a
version bump of ``adfl_teach/__init__.py``.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat
import yaml
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
# Until the package is on PyPI the install cell names the release's git tag.
ON_PYPI = False
INSTALL_TAGS = ["skip-execution", "nbval-skip"]  # myst-nb's and nbval's "do not run"
RUNTIME_ID = "colab-runtime"
RUNTIME_NOTE = (
    "**Runtime:** this chapter trains networks. On Colab it asks for a GPU (the `colab` "
    "preset, minutes); on a CPU `auto` picks the smaller `cpu-quick` preset."
)
# A chapter "trains" when a code cell calls one of the library's training entry points.
TRAINING_CALL = re.compile(r"\b(train|cross_validate|ablate|load_or_train|main_job)\(")
COLAB_GPU = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}
SOLUTION_TAG = "solution"
# A chapter with graded questions (otter-grader's ``grader.check``, chapter 12's guide).
GRADED_CALL = re.compile(r"\bgrader\.check\(")
# A relative Markdown link to a page of book/ (``[..](glossary.md)``, ``[..](09_x.ipynb#a)``).
PAGE_LINK = re.compile(r"\]\((?![\w+.-]+:|/|\.\./|#)([^)/\s#]+\.(?:md|ipynb))(#[^)\s]*)?\)")
STUDENTS = Path("book/students")
COLAB = Path("book/colab")
ME = "scripts/sync_sources.py"
README_BEGIN = "<!-- links: written by scripts/sync_sources.py from _config.yml -->"
README_END = "<!-- end of links -->"


def repository_url(root: Path = ROOT) -> str:
    """``repository.url`` of ``_config.yml``, without a trailing slash."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    try:
        return config["repository"]["url"].rstrip("/")
    except (KeyError, TypeError, AttributeError):
        raise SystemExit(f"{root / '_config.yml'}: no repository.url") from None


def version(root: Path = ROOT) -> str:
    """``adfl_teach.__version__``, read from the file (no import: no torch needed)."""
    path = root / "adfl_teach" / "__init__.py"
    match = re.search(r'^__version__ = "([^"]+)"$', path.read_text(), re.MULTILINE)
    if not match:
        raise SystemExit(f'{path}: no line `__version__ = "X.Y.Z"`')
    return match.group(1)


def pages_url(url: str) -> str:
    """GitHub Pages address of the repository ``https://github.com/OWNER/NAME``."""
    owner, name = url.split("/")[-2:]
    return f"https://{owner.lower()}.github.io/{name}/"


def install_line(url: str, release: str, graded: bool = False) -> str:
    """The one line that installs release ``release`` on Colab, and otter-grader (the
    ``grading`` extra's one package) when the chapter has graded questions."""
    grader = " otter-grader" if graded else ""
    if ON_PYPI:
        return f"%pip install -q adfl-teach=={release}{grader}"
    return f"%pip install -q git+{url}@v{release}{grader}"


def trains(nb) -> bool:
    return any(c.cell_type == "code" and TRAINING_CALL.search(c.source) for c in nb.cells)


def graded(nb) -> bool:
    return any(c.cell_type == "code" and GRADED_CALL.search(c.source) for c in nb.cells)


def _is_install_cell(cell) -> bool:
    return cell.cell_type == "code" and (
        "pip install" in cell.source or "google.colab" in cell.source
    )


def sync_chapter(nb, url: str, release: str):
    """A copy of chapter ``nb`` with its install cell, runtime note and Colab metadata
    written; every other cell untouched."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if c.get("id") != RUNTIME_ID]
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    if first_code < len(nb.cells) and _is_install_cell(nb.cells[first_code]):
        cell = nb.cells[first_code]
    else:  # no install cell yet: put one before the first code cell
        cell = nbformat.v4.new_code_cell(id="colab-install")
        nb.cells.insert(first_code, cell)
    cell.source = install_line(url, release, graded(nb))
    cell.metadata = {"tags": list(INSTALL_TAGS)}
    cell.outputs, cell.execution_count = [], None
    for key in COLAB_GPU:
        nb.metadata.pop(key, None)
    if trains(nb):
        note = nbformat.v4.new_markdown_cell(RUNTIME_NOTE, id=RUNTIME_ID)
        nb.cells.insert(first_code + 1, note)
        nb.metadata.update(copy.deepcopy(COLAB_GPU))
    return nb


def has_solution(nb) -> bool:
    return any(SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells)


def untagged_solutions(nb, name: str) -> list[str]:
    """One line per cell that holds a sphinx-exercise ``{solution}`` directive but is not
    tagged ``solution`` (the students' copy would keep it)."""
    return [
        f"book/{name}: cell {c.get('id', k)} holds a {{solution}} directive but is not tagged "
        f"'{SOLUTION_TAG}'; give the solution a markdown cell of its own with that tag"
        for k, c in enumerate(nb.cells)
        if "{solution" in c.source and SOLUTION_TAG not in c.metadata.get("tags", [])
    ]


def students_links(text: str, copies: set[str]) -> str:
    """``text`` with its links to pages of ``book/`` that have no students' copy (the
    glossary, the instructors' page, a chapter without solutions) pointed one folder up,
    as seen from ``book/students/``."""

    def point(match):
        page, anchor = match.group(1), match.group(2) or ""
        return match.group(0) if page in copies else f"](../{page}{anchor})"

    return PAGE_LINK.sub(point, text)


def students_copy(nb, name: str, copies: set[str] | None = None) -> str:
    """The students' notebook (text) of chapter ``nb``: the cells tagged ``solution`` removed
    by nbconvert's ``TagRemovePreprocessor``, outputs cleared, links to pages without a
    students' copy (file names ``copies``; default: only this chapter) pointed up a folder."""
    exporter = NotebookExporter()
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True), enabled=True
    )
    exporter.register_preprocessor(ClearOutputPreprocessor(enabled=True), enabled=True)
    nb = copy.deepcopy(nb)
    nb.metadata["adfl_teach"] = {"students_copy_of": f"book/{name}", "written_by": ME}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = students_links(cell.source, copies or {name})
    text, _ = exporter.from_notebook_node(nb)
    return text if text.endswith("\n") else text + "\n"


# The Colab copies: the same notebooks, their MyST written as plain Markdown.
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


# A relative link to a page of book/, as a chapter (``](glossary.md#a)``) or a students'
# notebook (``](../glossary.md)``, ``](12_exercises.ipynb)``) writes it.
RELATIVE_LINK = re.compile(
    r"\]\((?P<up>\.\./)?(?P<page>[^)/\s#:]+)\.(?:md|ipynb)(?P<anchor>#[^)\s]*)?\)"
)


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


def colab_markdown(text: str, site: str = "", students: bool = False) -> str:
    """One Markdown cell's MyST rewritten as plain Markdown (see ``colab_notebook``), its
    relative links pointed at the published book ``site`` (:func:`colab_links`)."""
    text = FENCE.sub(_block, text)
    text = TARGET.sub("", text)
    text = colab_links(text, site, students)
    text = CITE.sub(lambda m: f"[[{m[1]}]({site}book/bibliography.html)]", text)
    text = ROLE.sub(lambda m: f"`{m[1]}`", text)
    text = REF.sub(lambda m: m[1].strip(), text)
    return EQUATION.sub(lambda m: f"$$ {m[1].strip()} $$", text)


def colab_links(text: str, site: str, students: bool = False) -> str:
    """Relative links to pages of ``book/`` pointed at the published book: Colab opens one
    notebook, so a sibling file is not there. The published site (``build_book.sh
    --publish``) is the students' book with the instructors' book under ``instructors/``: a
    chapter's copy links into the instructors' book; a students' copy links to a sibling
    students' notebook in ``book/students/`` and to any other page (``../page``) in ``book/``."""

    def point(match):
        page, anchor = match["page"], match["anchor"] or ""
        if not students:  # a chapter's ``../x`` leaves book/: not a page of the book
            return match[0] if match["up"] else f"]({site}instructors/book/{page}.html{anchor})"
        folder = "book/" if match["up"] else "book/students/"
        return f"]({site}{folder}{page}.html{anchor})"

    return RELATIVE_LINK.sub(point, text)


def colab_notebook(nb, source: str, site: str, students: bool = False):
    """The Colab copy of the notebook ``nb`` (``book/<source>``): its Markdown cells'
    MyST as plain Markdown (:func:`colab_markdown`); code cells and metadata untouched."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = colab_markdown(cell.source, site, students)
    nb.metadata["adfl_teach"] = {"colab_copy_of": source, "written_by": ME}
    return nb


def read_notebook(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # a JSON or schema error, said in one line with the file
        raise SystemExit(f"{path}: not a readable notebook ({error})") from None


def write_notebook(nb) -> str:
    return nbformat.writes(nb) + "\n"


def _replace_block(text: str, pattern: str, new: str, where: str) -> str:
    result, count = re.subn(pattern, lambda _: new, text, count=1, flags=re.MULTILINE | re.DOTALL)
    if count != 1:
        raise SystemExit(f"{where}: cannot find {pattern!r} to rewrite")
    return result


def pyproject_text(text: str, url: str) -> str:
    urls = (
        "[project.urls]\n"
        "# Written by scripts/sync_sources.py from _config.yml's repository.url.\n"
        f'Homepage = "{pages_url(url)}"\n'
        f'Documentation = "{pages_url(url)}"\n'
        f'Repository = "{url}"\n'
        f'Issues = "{url}/issues"\n'
        f'Changelog = "{url}/blob/main/CHANGELOG.md"\n'
    )
    return _replace_block(text, r"^\[project\.urls\]\n.*?(?=\n\[|\Z)", urls, "pyproject.toml")


def citation_text(text: str, url: str, release: str) -> str:
    for key, value in (("version", release), ("repository-code", url), ("url", pages_url(url))):
        text = _replace_block(text, rf"^{key}: .*?$", f'{key}: "{value}"', f"CITATION.cff ({key})")
    return text


def readme_text(text: str, url: str, release: str) -> str:
    links = (
        f"{README_BEGIN}\n"
        f"- The book, online: {pages_url(url)}\n"
        f"- The source: {url}\n"
        f"- The release v{release} in any Python environment (Colab's install cell does this):\n"
        f"  `pip install git+{url}@v{release}`\n"
        f"{README_END}"
    )
    pattern = re.escape(README_BEGIN) + r".*?" + re.escape(README_END)
    return _replace_block(text, pattern, links, "README.md (links block)")


def planned(root: Path = ROOT) -> dict[Path, str]:
    """Every derived file's expected text, by path relative to ``root``."""
    url, release = repository_url(root), version(root)
    files: dict[Path, str] = {}
    chapters = {}
    for path in sorted((root / "book").glob("*.ipynb")):
        nb = sync_chapter(read_notebook(path), url, release)
        refused = untagged_solutions(nb, path.name)
        if refused:  # a students' copy would show that solution: never write one
            raise SystemExit("\n".join(refused))
        files[path.relative_to(root)] = write_notebook(nb)
        chapters[path.name] = nb
    copies = {name for name, nb in chapters.items() if has_solution(nb)}
    site = pages_url(url)
    for name in sorted(copies):
        files[STUDENTS / name] = students_copy(chapters[name], name, copies)
        students = nbformat.reads(files[STUDENTS / name], as_version=4)
        colab = colab_notebook(students, f"students/{name}", site, students=True)
        files[COLAB / "students" / name] = write_notebook(colab)
    for name, nb in chapters.items():
        files[COLAB / name] = write_notebook(colab_notebook(nb, name, site))
    for name, rewrite in (
        ("pyproject.toml", lambda t: pyproject_text(t, url)),
        ("CITATION.cff", lambda t: citation_text(t, url, release)),
        ("README.md", lambda t: readme_text(t, url, release)),
    ):
        files[Path(name)] = rewrite((root / name).read_text())
    return files


def stale_students(root: Path, files: dict[Path, str]) -> list[Path]:
    """Students' notebooks whose chapter has no solution (or no longer exists), and Colab
    copies whose notebook no longer exists."""
    derived = [*(root / STUDENTS).glob("*.ipynb"), *(root / COLAB).rglob("*.ipynb")]
    return [p.relative_to(root) for p in sorted(derived) if p.relative_to(root) not in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    parser.add_argument("--print-version", action="store_true", help="print the version; exit")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.print_version:
        print(version(root))
        return 0
    files = planned(root)
    drifted = [
        p for p, text in files.items() if not (root / p).exists() or (root / p).read_text() != text
    ]
    stale = stale_students(root, files)
    for path in stale:  # never deleted here: the folder might hold something a person made
        print(
            f"{path}: nothing derives it any more (no such chapter, or no solution cell); "
            f"remove it (git rm {path})"
        )
    if args.check:
        for path in drifted:
            print(f"{path}: out of date; run python scripts/sync_sources.py")
        return 1 if drifted or stale else 0
    for path in drifted:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(files[path])
        print(f"wrote {path}")
    if not drifted:
        print("everything already in sync")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
