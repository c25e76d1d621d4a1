"""Exercise 7.2, hidden tests (instructors' source only): one point per scale, to 2 %."""

from otter.test_files import test_case


def _agrees(ams_floors, s):
    import math

    floor = math.log(1 + 6 * math.exp(-s * (1 - 0.35)))
    assert math.isclose(ams_floors[s], floor, rel_tol=0.02), f"s = {s}"


@test_case(points=1, hidden=True)
def scale_1(ams_floors):
    _agrees(ams_floors, 1)


@test_case(points=1, hidden=True)
def scale_4(ams_floors):
    _agrees(ams_floors, 4)


@test_case(points=1, hidden=True)
def scale_16(ams_floors):
    _agrees(ams_floors, 16)


@test_case(points=1, hidden=True)
def scale_30(ams_floors):
    _agrees(ams_floors, 30)
