"""``adfl-teach grade SUBMISSIONS``: grade a folder of submitted notebooks into a CSV.

Teaching tooling, beyond the paper: :func:`adfl_teach.teaching.grading.grade_folder` joins
each graded question's public tests (installed with the package) and hidden tests (the
instructors' ``book/instructors/hidden_tests``) and grades every notebook with otter-grader
(``otter run``: each notebook executed in a fresh kernel, no docker, no network).
"""

from __future__ import annotations

from pathlib import Path

from adfl_teach.teaching import grading


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "grade",
        help="grade a folder of submitted notebooks (otter-grader) into a CSV",
        description="Executes every SUBMISSIONS/*.ipynb with otter-grader against the public "
        "and hidden tests of the graded questions and writes one CSV row per notebook: the "
        "points of each question, total, possible and error. The notebooks run here: grade "
        "where a student's code may run. Sizes follow $ADFL_PRESET, as in the notebook; "
        "runs the notebooks train are cached in $ADFL_HOME, so they train once per class.",
    )
    p.add_argument("submissions", type=Path, help="folder of submitted .ipynb notebooks")
    p.add_argument("--out", type=Path, default=Path("scores.csv"), help="the CSV to write")
    p.add_argument(
        "--hidden",
        type=Path,
        default=None,
        help="folder of hidden tests (default: the checkout's book/instructors/hidden_tests)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    hidden = args.hidden or grading.checkout_hidden_tests()
    grading.grade_folder(args.submissions, args.out, hidden)
    print(f"scores: {args.out}")
    return 0
