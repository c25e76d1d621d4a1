"""Exercise 4.1, hidden tests (instructors' source only): measured on the notebook's models."""

from otter.test_files import test_case


@test_case(points=1, hidden=True)
def the_branch_output_at_56x48(branch_shape, small, small_images):
    from adfl_teach.teaching import demos

    parts = {"branch": small.expression_branch.conv}
    assert (
        tuple(branch_shape) == demos.output_shapes(small, small_images, parts)["branch"]
    )


@test_case(points=1, hidden=True)
def the_fc_shrink_factor(fc_shrink, model, small):
    import math

    factor = (
        model.expression_branch.fc.in_features / small.expression_branch.fc.in_features
    )
    assert math.isclose(fc_shrink, factor, rel_tol=1e-3)
