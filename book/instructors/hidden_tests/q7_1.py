"""Exercise 7.1, hidden tests (instructors' source only)."""

from otter.test_files import test_case


@test_case(points=2, hidden=True)
def the_bound_for_seven_classes(arc_bound_7):
    import math

    assert abs(arc_bound_7 - (1 - math.cos(2 * math.pi / 7))) < 0.005
