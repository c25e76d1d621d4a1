"""Exercise 7.1, public tests: the answer's form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q7_1"


@test_case(points=1)
def a_margin(arc_bound_7):
    assert arc_bound_7 is not None, "not answered yet: set arc_bound_7 above"
    assert isinstance(arc_bound_7, float) and 0 < arc_bound_7 <= 2, (
        "arc_bound_7 is a margin m (a float; cosines differ by at most 2)"
    )
