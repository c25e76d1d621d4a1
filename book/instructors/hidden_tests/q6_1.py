"""Exercise 6.1, hidden tests (instructors' source only): measured on the notebook's model."""

from otter.test_files import test_case


@test_case(points=2, hidden=True)
def the_parts_the_live_dispeller_loss_reaches(unfrozen_reached, model, images, mask):
    from adfl_teach import losses
    from adfl_teach.model import parts_reached

    norms = parts_reached(model, losses.l_n(model.dispeller(model(images).f_n), mask))
    assert set(unfrozen_reached) == {part for part, norm in norms.items() if norm > 0}
