"""Assignment 12.3, hidden tests (instructors' source only): one point per run, against the
library's collapse verdict on the histories the notebook trained."""

from otter.test_files import test_case


def _collapsed(histories, label):
    from adfl_teach.diagnostics import collapse_signature

    return collapse_signature(histories[label]) is not None


@test_case(points=1, hidden=True)
def run_a(collapsed_runs, histories):
    assert collapsed_runs["A"] == _collapsed(histories, "A")


@test_case(points=1, hidden=True)
def run_b(collapsed_runs, histories):
    assert collapsed_runs["B"] == _collapsed(histories, "B")
