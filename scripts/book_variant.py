"""Write the configuration and table of contents of one variant of the book.

    python scripts/book_variant.py students OUT
    python scripts/book_variant.py publish OUT --branch v0.1.0 --cache DIR [--students]

Each writes ``OUT/_config.yml`` and ``OUT/_toc.yml``, derived from the repository's own
(``jupyter-book build . --config OUT/_config.yml --toc OUT/_toc.yml``):

* ``students``: sphinx-exercise hides the written solutions, and every chapter that has a
  students' notebook (``book/students/<chapter>.ipynb``) is built from it, so the page's
  Colab and Binder buttons open the notebook without solutions.
* ``publish``: notebooks are executed through jupyter-cache in ``DIR`` (an unchanged
  chapter is not executed again), and the launch buttons open the release's tag ``--branch``
  (whose install cells install that same release). With ``--students``, the published
  students' book: ``students`` and ``publish`` together (the site's default book; the
  instructors' book is published under ``instructors/``, see ``scripts/build_book.sh``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = "book/students"


def students_toc(toc, root: Path = ROOT):
    """``toc`` with each ``book/<chapter>`` replaced by its students' notebook, if any."""
    if isinstance(toc, list):
        return [students_toc(item, root) for item in toc]
    if not isinstance(toc, dict):
        return toc
    result = {key: students_toc(value, root) for key, value in toc.items()}
    page = result.get("file")
    if isinstance(page, str) and page.startswith("book/"):
        copy = f"{STUDENTS}/{Path(page).name}"
        if (root / f"{copy}.ipynb").exists():
            result["file"] = copy
    return result


def variant(
    kind: str, branch: str | None, cache: Path | None, root: Path = ROOT, students: bool = False
):
    """(config, toc) of the variant ``kind`` (``publish`` with ``students``: the published
    students' book)."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    sphinx = config.setdefault("sphinx", {})
    # jupyter-book resolves local extensions against the config file's folder: make them
    # absolute, since the derived config lives elsewhere.
    for name, path in sphinx.get("local_extensions", {}).items():
        sphinx["local_extensions"][name] = str((root / path).resolve())
    if kind == "students" or students:
        sphinx.setdefault("config", {})["hide_solutions"] = True
        # links to a chapter follow it to its students' notebook (book/_ext/students_links.py)
        sphinx["local_extensions"]["students_links"] = str((root / "book" / "_ext").resolve())
        toc = students_toc(toc, root)
    if kind == "publish":
        if not branch or cache is None:
            raise SystemExit("publish needs --branch and --cache")
        config["execute"]["execute_notebooks"] = "cache"
        config["execute"]["cache"] = str(cache.resolve())
        config["execute"]["timeout"] = 5400  # one cell may train ten folds on a slow runner
        config["repository"]["branch"] = branch
    return config, toc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["students", "publish"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--branch", help="publish: the git ref the launch buttons open")
    parser.add_argument("--cache", type=Path, help="publish: the jupyter-cache folder")
    parser.add_argument(
        "--students", action="store_true", help="publish: the students' book (no solutions)"
    )
    args = parser.parse_args(argv)
    config, toc = variant(args.kind, args.branch, args.cache, students=args.students)
    args.out.mkdir(parents=True, exist_ok=True)
    kind = f"{args.kind} --students" if args.students and args.kind == "publish" else args.kind
    header = f"# Written by scripts/book_variant.py {kind} from the repository's file.\n"
    for name, data in (("_config.yml", config), ("_toc.yml", toc)):
        (args.out / name).write_text(header + yaml.safe_dump(data, sort_keys=False))
    print(f"{kind} configuration: {args.out / '_config.yml'}, {args.out / '_toc.yml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
