"""Exercise 4.2, public tests: the answers' form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q4_2"


@test_case(points=1)
def two_counts(conv_params, fc_params):
    assert conv_params is not None and fc_params is not None, (
        "not answered yet: set conv_params and fc_params above"
    )
    assert isinstance(conv_params, int) and isinstance(fc_params, int), "counts are ints"
