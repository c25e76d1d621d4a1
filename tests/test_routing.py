"""Gradient routing, row by row of the NOTES.md table (sec. 2.2-2.4).

For each loss term alone: backward, then assert which parameter groups receive non-zero
gradients (every parameter tensor of the group) and which receive none at all.
"""

import pytest
import torch

from adfl_teach import ADFL
from adfl_teach.config import LossConfig, ModelConfig
from adfl_teach.losses import adfl_objective
from adfl_teach.model import parameter_groups

GROUPS = {
    "shared",
    "expression_branch",
    "neutral_branch",
    "splitter",
    "dispeller",
    "residual_fc",
    "classifier",
}
# loss -> the groups it must update; every other group must get exactly zero gradient.
TABLE = {
    "l_d": {"splitter", "expression_branch", "shared"},
    "l_a": {"dispeller"},
    "l_n": {"neutral_branch", "shared"},
    "l_r": {"residual_fc", "classifier"},
}
SMALL = ModelConfig(widths=(8, 16, 16, 32), units=(1, 1, 1, 1), feature_dim=32)


def gradients_by_group(model, loss):
    model.zero_grad(set_to_none=True)
    loss.backward()
    result = {}
    for name, params in parameter_groups(model).items():
        result[name] = [0.0 if p.grad is None else float(p.grad.abs().sum()) for p in params]
    return result


def run_term(term, model=None, loss_config=None, residue="features"):
    torch.manual_seed(0)
    cfg = ModelConfig(**{**SMALL.__dict__, "residue": residue})
    model = model or ADFL(num_classes=8, neutral_index=0, config=cfg, input_size=(48, 48))
    images = torch.randn(6, 3, 48, 48)
    labels = torch.tensor([0, 1, 2, 3, 7, 0])
    terms = adfl_objective(model(images), labels, loss_config)
    return gradients_by_group(model, terms[term])


@pytest.mark.parametrize("residue", ["features", "maps"])
@pytest.mark.parametrize("term", sorted(TABLE))
def test_each_loss_updates_exactly_its_row_of_the_table(term, residue):
    grads = run_term(term, residue=residue)
    assert set(grads) == GROUPS
    for group, norms in grads.items():
        if group in TABLE[term]:
            assert all(n > 0 for n in norms), f"{term} must update every tensor of {group}"
        else:
            assert all(n == 0 for n in norms), f"{term} must not update {group}"


def test_total_loss_reaches_every_group():
    grads = run_term("total")
    assert all(all(n > 0 for n in norms) for norms in grads.values())


def test_residual_trains_branches_variant_lets_l_r_into_the_branches():
    torch.manual_seed(0)
    model = ADFL(8, config=SMALL, input_size=(48, 48), residual_trains_branches=True)
    grads = run_term("l_r", model=model)
    for group in ("residual_fc", "classifier", "expression_branch", "neutral_branch", "shared"):
        assert all(n > 0 for n in grads[group]), group
    for group in ("splitter", "dispeller"):
        assert all(n == 0 for n in grads[group]), group


def test_no_entropy_variant_removes_l_n_from_the_total_only():
    on = run_term("total")
    off = run_term("total", loss_config=LossConfig(use_entropy=False))
    # Without l_n, the neutral branch only hears l_r (which does not reach it): zero.
    assert all(n == 0 for n in off["neutral_branch"])
    assert all(n > 0 for n in on["neutral_branch"])


def test_parts_reached_reports_the_table_and_leaves_no_gradients():
    from adfl_teach.model import parts_reached

    torch.manual_seed(0)
    model = ADFL(num_classes=8, config=SMALL, input_size=(48, 48))
    terms = adfl_objective(model(torch.randn(6, 3, 48, 48)), torch.tensor([0, 1, 2, 3, 7, 0]))
    for term, expected in TABLE.items():
        norms = parts_reached(model, terms[term])
        assert {part for part, norm in norms.items() if norm > 0} == expected, term
    assert all(p.grad is None for p in model.parameters())
