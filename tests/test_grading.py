"""Autograding with otter-grader: public tests for students, hidden tests for the grader.

``adfl_teach.teaching.grading`` joins each question's public tests (installed with the
package) and hidden tests (``book/instructors/hidden_tests``, the instructors' source) and
grades a folder of submitted notebooks into a CSV with ``otter run`` (no docker, no
network). The slow test at the end grades a correct, a partial and an empty submission of
chapter 12 (its questions that need no training) in the smoke preset.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import nbformat
import pytest
import torch.nn.functional as F

otter = pytest.importorskip("otter")

from adfl_teach import classes, losses  # noqa: E402
from adfl_teach.teaching import grading  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = ROOT / grading.HIDDEN_FOLDER
STUDENTS_12 = ROOT / "book" / "students" / "12_exercises.ipynb"
CHAPTER_12 = ROOT / "book" / "12_exercises.ipynb"


def points(question: str, env: dict) -> dict[str, bool]:
    """Which test cases of ``question`` (public and hidden) pass on ``env``."""
    from otter.test_files import ExceptionTestFile

    tests = ExceptionTestFile.from_string(grading.question_tests(question, HIDDEN), question)
    tests.run(env)
    return {r.test_case.body.test_func.__name__: r.passed for r in tests.test_case_results}


def solution_l_n(fooled_logits, labels, neutral_index):
    expression = labels != neutral_index
    per_sample = -F.log_softmax(fooled_logits, dim=1).mean(dim=1)
    return (per_sample * expression).sum() / expression.sum().clamp(min=1)


def test_every_question_has_public_tests_and_the_hidden_ones_are_marked_hidden():
    tests = grading.autograder_tests(HIDDEN)
    assert {"q12_1", "q12_2", "q12_3", "q12_4", "q12_5", "q12_6"} <= set(tests)
    worth = grading.possible_points(HIDDEN)
    assert worth["q12_1"] == 4 and worth["q12_2"] == 7 and worth["q12_5"] == 3


def test_hidden_tests_are_not_installed_with_the_package():
    assert not list(grading.PUBLIC_TESTS.parent.rglob("hidden_tests"))
    public = "\n".join(p.read_text() for p in grading.PUBLIC_TESTS.glob("*.py"))
    assert "hidden=True" not in public


def test_a_hidden_file_with_a_visible_case_or_without_public_tests_is_refused(tmp_path):
    (tmp_path / "q12_5.py").write_text(
        "from otter.test_files import test_case\n\n\n@test_case(points=1)\n"
        "def shown(beyond_spread):\n    assert beyond_spread\n"
    )
    with pytest.raises(ValueError, match=r"q12_5.py: test cases \['q12_5 - 2'\] are not marked"):
        grading.autograder_tests(tmp_path)
    (tmp_path / "q12_5.py").unlink()
    (tmp_path / "q99_1.py").write_text("name = 'q99_1'\n")
    with pytest.raises(ValueError, match=r"hidden tests \['q99_1.py'\] have no public tests"):
        grading.autograder_tests(tmp_path)
    with pytest.raises(ValueError, match="no folder of hidden tests"):
        grading.autograder_tests(tmp_path / "missing")


def test_a_broken_hidden_file_is_named_in_one_line(tmp_path):
    (tmp_path / "q12_1.py").write_text("def broken(:\n")
    with pytest.raises(ValueError, match=r"q12_1.py: not an otter test file \(SyntaxError"):
        grading.question_tests("q12_1", tmp_path)


def test_the_l_n_solution_earns_every_point():
    assert all(points("q12_2", {"my_l_n": solution_l_n}).values())


def test_unanswered_questions_earn_nothing_and_say_so():
    def unanswered(fooled_logits, labels, neutral_index):
        raise NotImplementedError("your code")

    assert not any(points("q12_2", {"my_l_n": unanswered}).values())
    assert not any(points("q12_1", {"reached_parts": None}).values())


@pytest.mark.parametrize(
    "mistake, lost",
    [
        # the mean over the whole batch, zeros kept (chapter 5's other reading)
        (
            lambda x, y, n: (-F.log_softmax(x, 1).mean(1) * (y != n)).mean(),
            {
                "uniform_outputs_give_log_n",  # the public example already shows it
                "mean_over_the_expression_samples_only",
                "neutral_at_another_index",
                "large_logits_stay_finite",
                "computes_the_loss_itself",
            },
        ),
        # the mean over the expressions without a guard: 0/0 = NaN for an all-neutral batch
        (
            lambda x, y, n: -F.log_softmax(x, 1).mean(1)[y != n].mean(),
            {"an_all_neutral_batch_gives_exactly_zero"},
        ),
        # log of softmax: -inf for large logits
        (
            lambda x, y, n: (
                -(x.softmax(1).log().mean(1) * (y != n)).sum() / (y != n).sum().clamp(min=1)
            ),
            {"large_logits_stay_finite"},
        ),
        # neutral taken to be index 0 whatever the argument says
        (
            lambda x, y, n: solution_l_n(x, y, 0),
            {"neutral_at_another_index", "an_all_neutral_batch_gives_exactly_zero"},
        ),
        # the library does the work (passes every behaviour, earns no point for it)
        (
            lambda x, y, n: losses.l_n(x, classes.non_neutral_mask(y, n)),
            {"computes_the_loss_itself"},
        ),
    ],
    ids=["zeros-kept", "nan-when-all-neutral", "log-of-softmax", "neutral-fixed", "library"],
)
def test_hidden_l_n_tests_find_each_mistake_on_inputs_the_student_never_sees(mistake, lost):
    results = points("q12_2", {"my_l_n": mistake})
    assert {name for name, passed in results.items() if not passed} == lost


def test_check_solution_raises_naming_the_failed_case(capsys):
    with pytest.raises(AssertionError, match="q12_5 - 2"):
        grading.check_solution(
            "q12_5",
            {
                "beyond_spread": True,
                "rows": {
                    "no-entropy": {"change_from_paper": 0.001},
                    "paper": {"std_fold_accuracy": 0.02},
                },
            },
            HIDDEN,
        )
    assert "q12_5: 1 / 3 points (public and hidden tests)" in capsys.readouterr().out


# --- grading a folder of submissions (executes notebooks: a kernel each) -------------------

# The cells of chapter 12 up to the check of 12.2: the questions that need no training.
LAST_CELL = "c12a0011"
ANSWER_CELLS = {"q12_1": "c12a0004", "q12_2": "c12a0010"}
SOLUTION_CELLS = {"q12_1": "c12a0007", "q12_2": "c12a0013"}


def submission(answers: dict[str, str]) -> nbformat.NotebookNode:
    """The students' chapter 12 up to 12.2's check, with ``answers`` (cell id -> source)."""
    nb = nbformat.read(STUDENTS_12, as_version=4)
    ids = [c.get("id") for c in nb.cells]
    nb.cells = nb.cells[: ids.index(LAST_CELL) + 1]
    for cell in nb.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell.get("id")]
    return nb


def solution_source(question: str) -> str:
    """The instructors' solution cell of ``question``, without its self-check."""
    nb = nbformat.read(CHAPTER_12, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == SOLUTION_CELLS[question])
    return "\n".join(line for line in cell.source.splitlines() if "check_solution" not in line)


@pytest.mark.slow
def test_grading_a_folder_gives_points_per_question_to_three_submissions(tmp_path, monkeypatch):
    monkeypatch.setenv("ADFL_PRESET", os.environ.get("ADFL_PRESET") or "smoke")
    monkeypatch.setenv("ADFL_PROGRESS", "0")
    monkeypatch.setenv("ADFL_HOME", str(tmp_path / "home"))
    # the kernels import this checkout's package, not whichever copy pip last installed
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    folder = tmp_path / "submissions"
    folder.mkdir()
    correct = {ANSWER_CELLS[q]: solution_source(q) for q in ANSWER_CELLS}
    partial = {
        # 12.1: two of three variants right; 12.2: NaN for an all-neutral batch
        ANSWER_CELLS["q12_1"]: solution_source("q12_1")
        + '\nreached_parts["residual-trains-branches"] = set()',
        ANSWER_CELLS["q12_2"]: (
            "import torch.nn.functional as F\n\n\ndef my_l_n(fooled_logits, labels, neutral_index):\n"
            "    per_sample = -F.log_softmax(fooled_logits, dim=1).mean(dim=1)\n"
            "    return per_sample[labels != neutral_index].mean()\n"
        ),
    }
    for name, answers in (("correct", correct), ("partial", partial), ("empty", {})):
        nbformat.write(submission(answers), folder / f"{name}.ipynb")
    (folder / "broken.ipynb").write_text("{ not json")
    out = tmp_path / "scores.csv"
    grading.grade_folder(folder, out, HIDDEN)
    rows = {row["submission"]: row for row in csv.DictReader(out.open())}
    score = {
        name: {q: float(rows[f"{name}.ipynb"][q]) for q in ("q12_1", "q12_2", "q12_3")}
        for name in ("correct", "partial", "empty")
    }
    assert not any(rows[f"{n}.ipynb"]["error"] for n in score), rows
    assert score["correct"] == {"q12_1": 4, "q12_2": 7, "q12_3": 0}
    assert score["partial"] == {"q12_1": 3, "q12_2": 6, "q12_3": 0}
    assert score["empty"] == {"q12_1": 0, "q12_2": 0, "q12_3": 0}
    totals = [float(rows[f"{n}.ipynb"]["total"]) for n in ("correct", "partial", "empty")]
    assert totals == [11, 9, 0]
    worth = grading.possible_points(HIDDEN)
    chapter_12 = sum(points for q, points in worth.items() if q.startswith("q12_"))
    assert float(rows["correct.ipynb"]["possible"]) == chapter_12 == 20
    assert "q4_1" not in rows["correct.ipynb"]  # only chapter 12's questions are graded
    assert "broken.ipynb: not a notebook" in rows["broken.ipynb"]["error"]
    assert float(rows["broken.ipynb"]["total"]) == 0


def test_the_grade_command_names_a_folder_without_notebooks(tmp_path, capsys):
    from adfl_teach import cli

    assert cli.main(["grade", str(tmp_path), "--hidden", str(HIDDEN)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"adfl-teach grade: error: {tmp_path}: no submitted notebooks (*.ipynb)"


def rubric_rows(text: str) -> list[str]:
    start = text.index("| criterion | 0 points | 1 point | 2 points |")
    return [line for line in text[start:].splitlines()[:7] if line.startswith("|")]


def test_the_instructors_page_has_chapter_12s_rubric_and_the_grading_command():
    page = (ROOT / "book" / "instructors.md").read_text()
    chapter = "\n".join(c.source for c in nbformat.read(CHAPTER_12, as_version=4).cells)
    assert rubric_rows(page) == rubric_rows(chapter) and len(rubric_rows(page)) == 7
    assert "adfl-teach grade submissions/ --out scores.csv" in page
    assert "- file: book/instructors" in (ROOT / "_toc.yml").read_text()
    for question in grading.questions():
        assert f"`{question}`" in page or question.startswith("q12_"), question


def test_a_submission_is_graded_on_the_questions_of_its_chapter(tmp_path):
    nb = nbformat.read(STUDENTS_12, as_version=4)
    assert grading.assignment_questions(nb, STUDENTS_12) == [f"q12_{k}" for k in range(1, 7)]
    nb.metadata.pop("adfl_teach")  # a copy without the metadata: its checks name them
    nb.cells = [c for c in nb.cells if 'grader.check("q12_6")' not in c.source]
    assert grading.assignment_questions(nb, STUDENTS_12)[-1] == "q12_5"
    nb.cells = [c for c in nb.cells if "grader.check" not in c.source]
    with pytest.raises(ValueError, match="12_exercises.ipynb: no graded questions"):
        grading.assignment_questions(nb, STUDENTS_12)


def test_a_notebook_that_cannot_be_graded_is_named_and_the_others_are_graded(tmp_path, monkeypatch):
    for name in ("a", "b"):
        nbformat.write(nbformat.read(STUDENTS_12, as_version=4), tmp_path / f"{name}.ipynb")

    def grade(submission, autograder):
        if submission.name == "a.ipynb":
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return {"q12_1": 4.0}

    monkeypatch.setattr(grading, "grade_notebook", grade)
    rows = grading.grade_folder(tmp_path, tmp_path / "scores.csv", HIDDEN)
    assert rows[0]["error"] == (
        f"{tmp_path / 'a.ipynb'}: not graded (RuntimeError: Kernel didn't respond in 60 seconds)"
    )
    assert rows[0]["total"] == 0 and rows[1]["total"] == 4 and rows[1]["error"] == ""
