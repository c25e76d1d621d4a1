"""Assignment 12.1, public tests: the answer's form (``grader.check("q12_1")``)."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q12_1"
VARIANTS = ("no-adversary", "no-entropy", "residual-trains-branches")


@test_case(points=1)
def a_set_of_part_names_per_variant(reached_parts):
    from adfl_teach.model import PARTS

    assert reached_parts is not None, "not answered yet: set reached_parts = {...} above"
    assert isinstance(reached_parts, dict), "reached_parts is a dict {variant: set of parts}"
    assert set(reached_parts) == set(VARIANTS), f"the keys are the variants {VARIANTS}"
    for variant, parts in reached_parts.items():
        unknown = set(parts) - set(PARTS)
        assert not unknown, f"{variant}: {sorted(unknown)} are not part names (see PARTS)"
