"""Exercise 4.2, hidden tests (instructors' source only): counted on the notebook's model."""

from otter.test_files import test_case


def _count(module):
    return sum(p.numel() for p in module.parameters())


@test_case(points=1, hidden=True)
def the_convolution_with_batchnorm_and_prelu(conv_params, model):
    assert conv_params == _count(model.expression_branch.conv[0])


@test_case(points=1, hidden=True)
def the_branch_fc_at_112x96(fc_params, model):
    assert fc_params == _count(model.expression_branch.fc)
