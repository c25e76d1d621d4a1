"""The optimizer and the learning-rate schedule (sec. 3.1's "initial learning rate")."""

import pytest
import torch

from adfl_teach.config import get_preset
from adfl_teach.model import PARTS, create_model, parameter_groups
from adfl_teach.optimization import make_optimizer, make_scheduler, trained_parts
from adfl_teach.runtime import set_seed
from adfl_teach.training import train


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


def trained_and_initial(striped, loss_changes):
    cfg = get_preset("smoke").replace(optim={"epochs": 2}, loss=loss_changes)
    set_seed(cfg.seed)
    initial = create_model("adfl", 5, 0, cfg)
    trained = train("adfl", striped(64, 0), cfg, 5, progress=False).model
    return parameter_groups(initial), parameter_groups(trained)


def unchanged(before, after) -> bool:
    return all(torch.equal(a, b) for a, b in zip(before, after, strict=True))


def test_no_adversary_leaves_b_n_and_the_dispeller_exactly_at_initialisation(striped):
    initial, trained = trained_and_initial(striped, {"lambda_n": 0.0})
    assert unchanged(initial["neutral_branch"], trained["neutral_branch"])
    assert unchanged(initial["dispeller"], trained["dispeller"])
    assert not unchanged(initial["shared"], trained["shared"])  # the rest did train


def test_no_entropy_leaves_b_n_at_initialisation_but_trains_the_dispeller(striped):
    initial, trained = trained_and_initial(striped, {"use_entropy": False})
    assert unchanged(initial["neutral_branch"], trained["neutral_branch"])
    assert not unchanged(initial["dispeller"], trained["dispeller"])


def test_the_optimizer_holds_exactly_the_parameters_of_the_routed_parts():
    cfg = get_preset("smoke").replace(loss={"lambda_n": 0.0})
    model = create_model("adfl", 5, 0, cfg)
    assert trained_parts(model, cfg) == set(PARTS) - {"neutral_branch", "dispeller"}
    held = {id(p) for group in make_optimizer(model, cfg).param_groups for p in group["params"]}
    groups = parameter_groups(model)
    for part in PARTS:
        inside = {id(p) in held for p in groups[part]}
        assert inside == {part in trained_parts(model, cfg)}, part
    baseline = create_model("baseline", 5, 0, cfg)
    assert len(make_optimizer(baseline, cfg).param_groups[0]["params"]) == len(
        list(baseline.parameters())
    )


def test_step_schedule_never_decays_before_the_first_epoch():
    assert learning_rates("step", epochs=1) == [1.0]
    assert learning_rates("step", epochs=2)[0] == 1.0
