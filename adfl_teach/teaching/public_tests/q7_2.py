"""Exercise 7.2, public tests: the answer's form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q7_2"


@test_case(points=1)
def a_floor_per_scale(ams_floors):
    assert ams_floors is not None, "not answered yet: set ams_floors above"
    assert isinstance(ams_floors, dict) and set(ams_floors) == {1, 4, 16, 30}, (
        "ams_floors is a dict {s: smallest loss} for s in 1, 4, 16, 30"
    )
