"""Assignment 12.3, public tests: the answer's form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q12_3"


@test_case(points=1)
def true_or_false_for_each_run(collapsed_runs):
    assert collapsed_runs is not None, "not answered yet: set collapsed_runs = {...} above"
    assert isinstance(collapsed_runs, dict) and set(collapsed_runs) == {"A", "B"}, (
        'collapsed_runs is a dict {"A": True or False, "B": True or False}'
    )
    assert all(isinstance(v, bool) for v in collapsed_runs.values()), "values are True/False"
