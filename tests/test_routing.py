"""Gradient routing, row by row of the paper's table (sec. 2.2-2.4, ``model.ROUTING``).

For each loss term alone: backward, then assert which parameter groups receive non-zero
gradients (every parameter tensor of the group) and which receive none at all.
"""

import os

import pytest
import torch

from adfl_teach.acceleration import autocast, prepare_images, prepare_model
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
# The speed options a CPU can run (adfl_teach.acceleration); none may change the routing.
OPTIONS = {
    "float32": {},
    "channels_last": {"channels_last": True},
    "bf16": {"amp": "bf16"},
}
COMPILE_VARIABLE = "ADFL_TEST_COMPILE"


def gradients_by_group(model, loss):
    model.zero_grad(set_to_none=True)
    loss.backward(retain_graph=True)
    result = {}
    for name, params in parameter_groups(model).items():
        result[name] = [0.0 if p.grad is None else float(p.grad.abs().sum()) for p in params]
    return result


def smoke_model(**model_changes):
    torch.manual_seed(0)
    return create_model("adfl", 8, 0, SMOKE.replace(model=model_changes))


def all_terms(model, loss_config=None, options=None):
    """Every term of the objective, computed the way a training step does under ``options``."""
    cfg = SMOKE.replace(**(options or {}))
    step_model = prepare_model(model, cfg)
    images = prepare_images(torch.randn(len(LABELS), 3, *SMOKE.data.crop), cfg)
    with autocast(cfg, images.device):
        return adfl_objective(step_model(images), LABELS, loss_config)


def run_term(term, model=None, loss_config=None, residue="features", options=None):
    model = model or smoke_model(residue=residue)
    return gradients_by_group(model, all_terms(model, loss_config, options)[term])


def assert_row(grads, expected, term):
    assert set(grads) == set(PARTS)
    for group, norms in grads.items():
        if group in expected:
            assert all(n > 0 for n in norms), f"{term} must update every tensor of {group}"
        else:
            assert all(n == 0 for n in norms), f"{term} must not update {group}"


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("residue", ["features", "maps"])
@pytest.mark.parametrize("term", sorted(ROUTING))
def test_each_loss_updates_exactly_its_row_of_the_table(term, residue, option):
    grads = run_term(term, residue=residue, options=OPTIONS[option])
    assert_row(grads, ROUTING[term], term)


@pytest.mark.skipif(
    os.environ.get(COMPILE_VARIABLE) != "1",
    reason=f"torch.compile takes minutes per model on a 2-core CPU; {COMPILE_VARIABLE}=1 runs it",
)
def test_the_routing_holds_under_torch_compile():
    model = smoke_model()
    terms = all_terms(model, options={"compile": True})
    for term, expected in ROUTING.items():
        assert_row(gradients_by_group(model, terms[term]), expected, term)


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


@pytest.mark.parametrize("term", sorted(ROUTING))
def test_the_routing_holds_with_standardized_features(term):
    model = smoke_model(standardize_features=True)
    assert isinstance(model.neutral_standardizer, torch.nn.BatchNorm1d)
    assert_row(run_term(term, model=model), ROUTING[term], term)


def test_standardized_f_n_cannot_fool_the_dispeller_by_shrinking():
    images = torch.randn(8, 3, *SMOKE.data.crop)
    for standardize, unchanged in ((True, True), (False, False)):
        model = smoke_model(standardize_features=standardize)
        before = model(images).dispeller_logits
        with torch.no_grad():  # B_n's output shrinks to half
            model.neutral_branch.fc.weight.mul_(0.5)
            model.neutral_branch.fc.bias.mul_(0.5)
        after = model(images).dispeller_logits
        assert torch.allclose(before, after, atol=1e-3) == unchanged
