"""The optimizer and the learning-rate schedule (sec. 3.1's "initial learning rate")."""

import pytest
import torch

from adfl_teach.config import get_preset
from adfl_teach.optimization import make_scheduler


def learning_rates(schedule: str, epochs: int = 8, lr: float = 1.0) -> list[float]:
    cfg = get_preset("smoke").replace(optim={"schedule": schedule, "epochs": epochs, "lr": lr})
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = make_scheduler(optimizer, cfg)
    rates = []
    for _ in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


def test_constant_schedule_keeps_the_initial_rate():
    assert learning_rates("constant") == [1.0] * 8


def test_step_schedule_divides_by_ten_at_one_half_and_three_quarters():
    assert learning_rates("step") == pytest.approx([1, 1, 1, 1, 0.1, 0.1, 0.01, 0.01])


def test_cosine_schedule_anneals_from_the_initial_rate_towards_zero():
    rates = learning_rates("cosine")
    assert rates[0] == 1.0 and rates[4] == pytest.approx(0.5)
    assert all(a > b for a, b in zip(rates, rates[1:])) and rates[-1] < 0.05
