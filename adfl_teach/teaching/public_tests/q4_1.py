"""Exercise 4.1, public tests: the answers' form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q4_1"


@test_case(points=1)
def a_shape_and_a_factor(branch_shape, fc_shrink):
    assert branch_shape is not None and fc_shrink is not None, (
        "not answered yet: set branch_shape and fc_shrink above"
    )
    assert isinstance(branch_shape, tuple) and len(branch_shape) == 4, (
        "branch_shape is a tuple (B, C, H, W)"
    )
    assert isinstance(fc_shrink, (int, float)) and fc_shrink > 1, "fc_shrink is a number > 1"
