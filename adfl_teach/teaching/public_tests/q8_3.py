"""Exercise 8.3, public tests: the answer's form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q8_3"
ASKED = {"splitter", "expression_branch", "shared"}


@test_case(points=1)
def a_subset_of_the_three_parts(same_first_step):
    assert same_first_step is not None, "not answered yet: set same_first_step above"
    assert set(same_first_step) <= ASKED, f"same_first_step is a subset of {sorted(ASKED)}"
