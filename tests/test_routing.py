"""Gradient routing, row by row of the paper's table (sec. 2.2-2.4, ``model.ROUTING``).

For each loss term alone: backward, then assert which parameter groups receive non-zero
gradients (every parameter tensor of the group) and which receive none at all.
"""

import pytest
import torch

from adfl_teach.config import LossConfig, get_preset
from adfl_teach.losses import active_terms, adfl_objective
from adfl_teach.model import (
    BRANCH_PARTS,
    PARTS,
    ROUTING,
    create_model,
    parameter_groups,
    parts_reached,
    parts_updated,
)

SMOKE = get_preset("smoke")
LABELS = torch.tensor([0, 1, 2, 3, 7, 0])


def gradients_by_group(model, loss):
    model.zero_grad(set_to_none=True)
    loss.backward()
    result = {}
    for name, params in parameter_groups(model).items():
        result[name] = [0.0 if p.grad is None else float(p.grad.abs().sum()) for p in params]
    return result


def smoke_model(**model_changes):
    torch.manual_seed(0)
    return create_model("adfl", 8, 0, SMOKE.replace(model=model_changes))


def run_term(term, model=None, loss_config=None, residue="features"):
    model = model or smoke_model(residue=residue)
    images = torch.randn(len(LABELS), 3, *SMOKE.data.crop)
    terms = adfl_objective(model(images), LABELS, loss_config)
    return gradients_by_group(model, terms[term])


def assert_row(grads, expected, term):
    assert set(grads) == set(PARTS)
    for group, norms in grads.items():
        if group in expected:
            assert all(n > 0 for n in norms), f"{term} must update every tensor of {group}"
        else:
            assert all(n == 0 for n in norms), f"{term} must not update {group}"


@pytest.mark.parametrize("residue", ["features", "maps"])
@pytest.mark.parametrize("term", sorted(ROUTING))
def test_each_loss_updates_exactly_its_row_of_the_table(term, residue):
    assert_row(run_term(term, residue=residue), ROUTING[term], term)


def test_total_loss_reaches_every_group():
    grads = run_term("total")
    assert all(all(n > 0 for n in norms) for norms in grads.values())


def test_residual_trains_branches_variant_lets_l_r_into_the_branches():
    model = smoke_model(residual_trains_branches=True)
    assert_row(run_term("l_r", model=model), ROUTING["l_r"] | BRANCH_PARTS, "l_r")
    assert model.routing["l_r"] == ROUTING["l_r"] | BRANCH_PARTS


def test_no_entropy_variant_removes_l_n_from_the_total_only():
    on = run_term("total")
    off = run_term("total", loss_config=LossConfig(use_entropy=False))
    # Without l_n, the neutral branch only hears l_r (which does not reach it): zero.
    assert all(n == 0 for n in off["neutral_branch"])
    assert all(n > 0 for n in on["neutral_branch"])


def test_parts_reached_reports_the_table_and_leaves_no_gradients():
    model = smoke_model()
    images = torch.randn(len(LABELS), 3, *SMOKE.data.crop)
    terms = adfl_objective(model(images), LABELS)
    for term, expected in ROUTING.items():
        norms = parts_reached(model, terms[term])
        assert {part for part, norm in norms.items() if norm > 0} == expected, term
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize(
    "loss_changes, untouched",
    [
        ({}, set()),
        ({"lambda_n": 0.0}, {"neutral_branch", "dispeller"}),
        ({"use_entropy": False}, {"neutral_branch"}),
        ({"lambda_d": 0.0}, {"splitter", "expression_branch"}),
    ],
)
def test_parts_updated_follow_the_active_terms(loss_changes, untouched):
    loss = SMOKE.replace(loss=loss_changes).loss
    model = smoke_model()
    assert parts_updated(model, active_terms(loss)) == set(PARTS) - untouched
    grads = run_term("total", model=model, loss_config=loss)
    moved = {g for g, norms in grads.items() if any(n > 0 for n in norms)}
    assert moved == set(PARTS) - untouched
