"""Assignment 12.5, hidden tests (instructors' source only): the comparison, recomputed from
the ablation rows of the notebook's run."""

from otter.test_files import test_case


@test_case(points=2, hidden=True)
def the_change_against_the_fold_spread(beyond_spread, rows):
    change = rows["no-entropy"]["change_from_paper"]
    spread = rows["paper"]["std_fold_accuracy"]
    assert beyond_spread == (abs(change) > spread)
