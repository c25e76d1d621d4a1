"""Exercise 8.3, hidden tests (instructors' source only): one point per part, measured with the
notebook's first_adam_step."""

from otter.test_files import test_case


def _same(first_adam_step, part):
    import torch

    full, tenth = first_adam_step(lambda_d=1.0), first_adam_step(lambda_d=0.1)
    return bool(torch.allclose(full[part], tenth[part], atol=1e-5))


@test_case(points=1, hidden=True)
def splitter(same_first_step, first_adam_step):
    assert ("splitter" in same_first_step) == _same(first_adam_step, "splitter")


@test_case(points=1, hidden=True)
def expression_branch(same_first_step, first_adam_step):
    part = "expression_branch"
    assert (part in same_first_step) == _same(first_adam_step, part)


@test_case(points=1, hidden=True)
def shared(same_first_step, first_adam_step):
    assert ("shared" in same_first_step) == _same(first_adam_step, "shared")
