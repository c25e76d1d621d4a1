"""Exercise 6.1, public tests: the answer's form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q6_1"


@test_case(points=1)
def a_set_of_part_names(unfrozen_reached):
    from adfl_teach.model import PARTS

    assert unfrozen_reached is not None, "not answered yet: set unfrozen_reached above"
    unknown = set(unfrozen_reached) - set(PARTS)
    assert not unknown, f"{sorted(unknown)} are not part names (see PARTS)"
