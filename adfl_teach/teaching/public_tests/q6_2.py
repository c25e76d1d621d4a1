"""Exercise 6.2, public tests: the answers' form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q6_2"


@test_case(points=1)
def two_numbers(collapsed_l_a, collapsed_l_n):
    assert collapsed_l_a is not None and collapsed_l_n is not None, (
        "not answered yet: set collapsed_l_a and collapsed_l_n above"
    )
    assert all(isinstance(v, (int, float)) for v in (collapsed_l_a, collapsed_l_n)), (
        "both are numbers (floats), in nats"
    )
