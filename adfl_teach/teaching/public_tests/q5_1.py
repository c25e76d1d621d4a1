"""Exercise 5.1, public tests: the answers' form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q5_1"


@test_case(points=1)
def a_flag_per_label_and_the_targets_that_count(mmi_counted, mmi_kept_targets):
    assert mmi_counted is not None and mmi_kept_targets is not None, (
        "not answered yet: set mmi_counted and mmi_kept_targets above"
    )
    assert len(mmi_counted) == 4 and all(isinstance(v, bool) for v in mmi_counted), (
        "mmi_counted: one True/False per label of [0, 3, 4, 6]"
    )
    assert all(isinstance(v, int) for v in mmi_kept_targets), "mmi_kept_targets: a list of ints"
