"""Autograding of the book's assignments with otter-grader (teaching tooling, beyond the paper).

A graded question ``q12_2`` has two test files in otter's exception-based format:

* its **public tests**, ``adfl_teach/teaching/public_tests/q12_2.py``, installed with the
  package, so that ``grader.check("q12_2")`` in a students' notebook works wherever the
  library is installed, Colab included. They say "not answered yet", check the form of an
  answer, and try at most an example the assignment states itself: nothing there computes
  an expected value;
* its **hidden tests**, ``book/instructors/hidden_tests/q12_2.py`` in the instructors'
  source only (never in a students' notebook, never in the installed package): test cases
  marked ``hidden=True`` that compare with the right answer, each worth its points, so a
  question with parts earns partial credit.

Students run the public tests; :func:`grade_folder` (``adfl-teach grade``) joins public and
hidden tests into an otter autograder and grades every submitted notebook with otter's
``otter run`` (:func:`otter.api.grade_submission`: executes the notebook in a fresh kernel,
no docker, no network), then writes one CSV row per submission with the points of each
question. :func:`check_solution` runs both kinds of test on an instructors' solution while
the book builds, so a solution that the hidden tests would fail breaks the build.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
import zipfile
from pathlib import Path

PUBLIC_TESTS = Path(__file__).with_name("public_tests")
#: Where a checkout keeps the hidden tests (the instructors' source).
HIDDEN_FOLDER = Path("book") / "instructors" / "hidden_tests"
OTTER_CONFIG = {"lang": "python", "pdf": False, "logo": False, "print_summary": False}


def checkout_hidden_tests() -> Path:
    """The hidden tests of the checkout the library is installed from (an editable install
    or a clone): ``<repository>/book/instructors/hidden_tests``; it need not exist."""
    return Path(__file__).resolve().parents[2] / HIDDEN_FOLDER


def questions(public: Path = PUBLIC_TESTS) -> list[str]:
    """The graded questions' names (``q12_1``, ...), one per public test file."""
    return sorted(p.stem for p in public.glob("q*.py"))


def _cases(text: str, path: Path):
    from otter.test_files import ExceptionTestFile

    try:
        return ExceptionTestFile.from_string(text, path=str(path)).test_cases
    except Exception as error:  # a test file an instructor wrote: say which, in one line
        raise ValueError(
            f"{path}: not an otter test file ({type(error).__name__}: {error})"
        ) from None


def question_tests(question: str, hidden: Path | None, public: Path = PUBLIC_TESTS) -> str:
    """The test file of ``question`` as the autograder runs it: its public tests followed by
    its hidden tests (if ``hidden`` holds a file for it). Every test case of the hidden file
    must be marked ``hidden=True``."""
    public_path = public / f"{question}.py"
    if not public_path.is_file():
        raise ValueError(f"{public_path}: no public tests for {question}")
    text = public_path.read_text()
    hidden_path = hidden / f"{question}.py" if hidden is not None else None
    if hidden_path is None or not hidden_path.is_file():
        return text
    joined = text.rstrip("\n") + "\n\n\n" + hidden_path.read_text()
    added = _cases(joined, hidden_path)[len(_cases(text, public_path)) :]
    shown = [case.name for case in added if not case.hidden]
    if shown:
        raise ValueError(f"{hidden_path}: test cases {shown} are not marked hidden=True")
    return joined


def autograder_tests(hidden: Path, public: Path = PUBLIC_TESTS) -> dict[str, str]:
    """Every question's joined test file (:func:`question_tests`), by question name. A hidden
    test file without a public one is an error (its question would never be checked)."""
    if not hidden.is_dir():
        raise ValueError(f"{hidden}: no folder of hidden tests (the instructors' {HIDDEN_FOLDER})")
    names = questions(public)
    orphans = sorted(p.name for p in hidden.glob("q*.py") if p.stem not in names)
    if orphans:
        raise ValueError(f"{hidden}: hidden tests {orphans} have no public tests in {public}")
    return {name: question_tests(name, hidden, public) for name in names}


def write_autograder(
    path: Path, hidden: Path, public: Path = PUBLIC_TESTS, only: list[str] | None = None
) -> Path:
    """An otter autograder zip at ``path``: ``otter_config.json`` and ``tests/`` (the
    questions ``only``, else all)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("otter_config.json", json.dumps(OTTER_CONFIG))
        for name, text in autograder_tests(hidden, public).items():
            if only is None or name in only:
                archive.writestr(f"tests/{name}.py", text)
    return path


def read_submission(path: Path) -> dict:
    """The submitted notebook ``path`` as JSON; a file that is not one is named."""
    try:
        return json.loads(path.read_text())
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: not a notebook ({error})") from None


def assignment_questions(notebook: dict, path: Path, public: Path = PUBLIC_TESTS) -> list[str]:
    """The graded questions of the chapter that ``notebook`` is a students' copy of (its
    metadata ``adfl_teach.students_copy_of``, written by ``scripts/sync_sources.py``):
    chapter 12's are ``q12_*``. A question whose check cell a student deleted still counts.
    Without that metadata, the questions the notebook's ``grader.check`` calls name."""
    copy_of = notebook.get("metadata", {}).get("adfl_teach", {}).get("students_copy_of", "")
    chapter = re.match(r"book/0*(\d+)_", copy_of)
    if chapter:
        found = [q for q in questions(public) if q.startswith(f"q{chapter[1]}_")]
    else:
        code = "\n".join(
            "".join(cell.get("source", ""))
            for cell in notebook.get("cells", [])
            if cell.get("cell_type") == "code"
        )
        found = sorted(set(re.findall(r"grader\.check\([\"'](\w+)[\"']\)", code)))
    if not found:
        raise ValueError(f"{path}: no graded questions (a students' notebook of the book?)")
    return found


def grade_notebook(submission: Path, autograder: Path) -> dict[str, float]:
    """Points of each question for one submitted notebook, graded by ``otter run``."""
    from otter.api import grade_submission

    read_submission(submission)
    results = grade_submission(str(submission), str(autograder), quiet=True)
    return {name: float(results.get_score(name)) for name in results.results}


def possible_points(hidden: Path, public: Path = PUBLIC_TESTS) -> dict[str, float]:
    """The points each question is worth, public and hidden test cases together."""
    return {
        name: float(sum(case.points for case in _cases(text, public / f"{name}.py")))
        for name, text in autograder_tests(hidden, public).items()
    }


def grade_folder(
    folder: Path, out: Path, hidden: Path, public: Path = PUBLIC_TESTS
) -> list[dict[str, object]]:
    """Grade every ``*.ipynb`` of ``folder`` (sorted by name) on the questions of its
    chapter (:func:`assignment_questions`) and write ``out``, a CSV with one row per
    submission: ``submission``, one column of points per question, ``total``, ``possible``
    and ``error`` (empty, or why the notebook could not be graded, which then scores 0).
    The notebooks are executed, not trusted: run this where a student's code may run.
    Returns the rows."""
    submissions = sorted(folder.glob("*.ipynb"))
    if not submissions:
        raise ValueError(f"{folder}: no submitted notebooks (*.ipynb)")
    worth = possible_points(hidden, public)
    graded: dict[Path, list[str] | str] = {}
    for submission in submissions:
        try:
            graded[submission] = assignment_questions(read_submission(submission), submission)
        except ValueError as problem:
            graded[submission] = str(problem)
    asked_lists = [asked for asked in graded.values() if isinstance(asked, list)]
    columns = [q for q in worth if any(q in asked for asked in asked_lists)]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for submission, asked in graded.items():
            row: dict[str, object] = {"submission": submission.name}
            scores, error = {}, asked if isinstance(asked, str) else ""
            if not error:
                autograder = Path(scratch) / f"{'-'.join(asked)}.zip"
                if not autograder.exists():
                    write_autograder(autograder, hidden, public, only=asked)
                try:
                    scores = grade_notebook(submission, autograder)
                except ValueError as problem:
                    error = str(problem)
                except Exception as problem:  # e.g. a kernel that did not start: say it, go on
                    error = f"{submission}: not graded ({type(problem).__name__}: {problem})"
                    error = " ".join(error.split())
            row.update({name: scores.get(name, 0.0) for name in columns})
            possible = sum(worth[q] for q in asked) if not isinstance(asked, str) else 0.0
            row.update(total=sum(scores.values()), possible=possible, error=error)
            rows.append(row)
            print(f"{submission.name}: {row['total']:g} / {possible:g} {error}".rstrip())
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def check_solution(question: str, env: dict, hidden: Path | None = None) -> float:
    """Run the public and hidden tests of ``question`` on the variables ``env`` (a notebook's
    ``globals()``); print the points and return them; raise ``AssertionError`` naming the
    failed test cases unless every point is earned. For the instructors' solution cells:
    the book build fails on a solution the grader would mark down. Without the hidden tests
    (a copy of the library installed without the book) only the public tests run."""
    from otter.test_files import ExceptionTestFile

    hidden = checkout_hidden_tests() if hidden is None else hidden
    text = question_tests(question, hidden if hidden.is_dir() else None)
    tests = ExceptionTestFile.from_string(text, path=f"{question}.py")
    tests.run(env)
    failed = [r.test_case.name + ": " + r.message for r in tests.test_case_results if not r.passed]
    which = "public and hidden" if hidden.is_dir() else "public (no hidden tests here)"
    print(f"{question}: {tests.score:g} / {tests.possible:g} points ({which} tests)")
    if failed:
        raise AssertionError("\n".join(failed))
    return float(tests.score)
