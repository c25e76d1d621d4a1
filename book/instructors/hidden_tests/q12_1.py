"""Assignment 12.1, hidden tests (instructors' source only): one point per variant, against
the parts that the library measures the variant's total loss to reach."""

from otter.test_files import test_case


def _measured(variant, cfg):
    from adfl_teach import ablations
    from adfl_teach.teaching import demos

    return set(demos.parts_moved(ablations.get_variant(variant).apply(cfg)))


@test_case(points=1, hidden=True)
def no_adversary_parts(reached_parts, cfg):
    assert set(reached_parts["no-adversary"]) == _measured("no-adversary", cfg)


@test_case(points=1, hidden=True)
def no_entropy_parts(reached_parts, cfg):
    assert set(reached_parts["no-entropy"]) == _measured("no-entropy", cfg)


@test_case(points=1, hidden=True)
def residual_trains_branches_parts(reached_parts, cfg):
    variant = "residual-trains-branches"
    assert set(reached_parts[variant]) == _measured(variant, cfg)
