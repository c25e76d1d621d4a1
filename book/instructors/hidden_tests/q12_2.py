"""Assignment 12.2, hidden tests (instructors' source only): eq. (4) on batches the student
never sees, against a float64 reference written here, one point per behaviour; and the
function must compute the loss itself, not call the library's."""

from otter.test_files import test_case


def _reference(logits, labels, neutral_index):
    import torch

    logits = logits.double()
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    per_sample = -log_p.mean(dim=1)
    expression = labels != neutral_index
    if not expression.any():
        return torch.zeros((), dtype=torch.float64)
    return per_sample[expression].mean()


def _agrees(my_l_n, logits, labels, neutral_index):
    import torch

    got = torch.as_tensor(my_l_n(logits, labels, neutral_index)).double()
    want = _reference(logits, labels, neutral_index)
    assert got.shape == () and torch.isfinite(got), f"got {got.tolist()}"
    assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), f"got {got.item():.6f}"


@test_case(points=1, hidden=True)
def mean_over_the_expression_samples_only(my_l_n):
    import torch

    g = torch.Generator().manual_seed(2026)
    labels = torch.tensor([0, 0, 0, 4, 2, 0, 6, 0, 1])
    _agrees(my_l_n, 3 * torch.randn(9, 7, generator=g), labels, 0)


@test_case(points=1, hidden=True)
def neutral_at_another_index(my_l_n):
    import torch

    g = torch.Generator().manual_seed(7)
    labels = torch.tensor([5, 5, 1, 0, 5, 3])
    _agrees(my_l_n, torch.randn(6, 6, generator=g), labels, 5)


@test_case(points=1, hidden=True)
def an_all_neutral_batch_gives_exactly_zero(my_l_n):
    import torch

    value = torch.as_tensor(my_l_n(torch.randn(5, 6), torch.full((5,), 2), 2))
    assert value.shape == () and float(value) == 0.0, (
        f"got {value.tolist()}, expected 0"
    )


@test_case(points=1, hidden=True)
def large_logits_stay_finite(my_l_n):
    import torch

    g = torch.Generator().manual_seed(11)
    labels = torch.tensor([1, 2, 0, 3])
    _agrees(my_l_n, 500 * torch.randn(4, 5, generator=g), labels, 0)


@test_case(points=1, hidden=True)
def computes_the_loss_itself(my_l_n):
    import torch
    from adfl_teach import losses

    assert "l_n" not in my_l_n.__code__.co_names, "my_l_n calls the library's l_n"
    saved = losses.l_n

    def refuse(*args, **kwargs):
        raise AssertionError("my_l_n calls adfl_teach.losses.l_n")

    losses.l_n = refuse
    try:
        g = torch.Generator().manual_seed(3)
        _agrees(my_l_n, torch.randn(4, 5, generator=g), torch.tensor([0, 1, 1, 4]), 0)
    finally:
        losses.l_n = saved
