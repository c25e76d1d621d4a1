"""Assignment 12.5, public tests: the answer's form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q12_5"


@test_case(points=1)
def true_or_false(beyond_spread):
    assert beyond_spread is not None, "not answered yet: set beyond_spread = True or False"
    assert isinstance(beyond_spread, bool), "beyond_spread is True or False"
