"""Exercise 4.3, public tests: the answer's form."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q4_3"


@test_case(points=1)
def a_count(maps_fc_inputs):
    assert maps_fc_inputs is not None, "not answered yet: set maps_fc_inputs above"
    assert isinstance(maps_fc_inputs, int), "maps_fc_inputs is an int"
