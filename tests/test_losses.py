"""Loss values: neutral masking, all-neutral batches, AMS by hand, l_n's minimum."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from adfl_teach.classes import expression_targets, head_targets
from adfl_teach.config import get_preset
from adfl_teach.layers import AMSClassifier
from adfl_teach.losses import (
    adfl_objective,
    ams_logits,
    l_a,
    l_d,
    l_n,
    l_r,
    total_loss,
)
from adfl_teach.model import ADFL

SMOKE_MODEL = get_preset("smoke").model


def test_expression_targets_skip_the_neutral_index():
    labels = torch.tensor([0, 1, 2, 7])
    assert expression_targets(labels, 0).tolist() == [-1, 0, 1, 6]
    assert expression_targets(torch.tensor([0, 3, 4, 6]), 3).tolist() == [0, -1, 3, 5]


def test_neutral_samples_do_not_change_masked_terms():
    torch.manual_seed(0)
    logits7 = torch.randn(4, 7)
    logits8 = torch.randn(4, 8)
    labels = torch.tensor([0, 2, 0, 5])
    targets, mask = head_targets(labels, neutral_index=0)
    assert mask.tolist() == [False, True, False, True]
    changed7, changed8 = logits7.clone(), logits8.clone()
    changed7[[0, 2]] += 5 * torch.randn(2, 7)
    changed8[[0, 2]] += 5 * torch.randn(2, 8)
    assert torch.allclose(l_d(logits7, targets, mask), l_d(changed7, targets, mask))
    assert torch.allclose(l_n(logits8, mask), l_n(changed8, mask))
    cos, changed_cos = logits7.tanh(), changed7.tanh()
    assert torch.allclose(l_r(cos, targets, mask), l_r(changed_cos, targets, mask))
    # l_a is computed on every sample (neutral included)
    assert not torch.allclose(l_a(logits8, labels), l_a(changed8, labels))
    # and l_d is the mean over the two non-neutral samples only
    expected = F.cross_entropy(logits7[[1, 3]], torch.tensor([1, 4]))
    assert torch.allclose(l_d(logits7, targets, mask), expected)


def test_neutral_as_a_class_keeps_the_labels_and_masks_nothing():
    labels = torch.tensor([0, 2, 0, 5])
    targets, mask = head_targets(labels, neutral_index=0, neutral_is_class=True)
    assert torch.equal(targets, labels) and bool(mask.all())
    logits = torch.randn(4, 6)
    assert torch.allclose(l_d(logits, targets, mask), F.cross_entropy(logits, labels))


def test_all_neutral_batch_gives_zero_not_nan_and_backward_works():
    model = ADFL(8, config=SMOKE_MODEL, input_size=(48, 48))
    out = model(torch.randn(3, 3, 48, 48))
    terms = adfl_objective(out, torch.zeros(3, dtype=torch.long))
    for name in ("l_d", "l_n", "l_r"):
        assert terms[name].item() == 0.0
    assert torch.isfinite(terms["total"]) and terms["l_a"].item() > 0
    terms["total"].backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_ams_matches_a_hand_computation():
    torch.manual_seed(1)
    clf = AMSClassifier(4, 3)
    f = torch.randn(2, 4)
    targets = torch.tensor([2, 0])
    m, s = 0.35, 30.0
    cos = clf(f)
    fn = f.numpy() / np.linalg.norm(f.numpy(), axis=1, keepdims=True)
    w = clf.weight.detach().numpy()
    wn = w / np.linalg.norm(w, axis=1, keepdims=True)
    hand_cos = fn @ wn.T
    assert np.allclose(cos.detach().numpy(), hand_cos, atol=1e-6)
    hand_logits = s * hand_cos
    hand_logits[0, 2] -= s * m  # margin on the target logit only
    hand_logits[1, 0] -= s * m
    assert np.allclose(ams_logits(cos, targets, m, s).detach().numpy(), hand_logits, atol=1e-4)
    hand_loss = np.mean(
        [np.log(np.exp(row).sum()) - row[t] for row, t in zip(hand_logits, targets.tolist())]
    )
    # l_r on labels over 4 classes with neutral 0: targets 2, 0 are labels 3, 1
    head, mask = head_targets(torch.tensor([3, 1]), neutral_index=0)
    assert head.tolist() == targets.tolist()
    loss = l_r(cos, head, mask, margin=m, scale=s)
    assert loss.item() == pytest.approx(hand_loss, rel=1e-5)


def test_ams_features_and_weights_are_normalised():
    clf = AMSClassifier(4, 3)
    f = torch.randn(5, 4)
    assert torch.allclose(clf(f), clf(10 * f), atol=1e-6)
    assert clf(f).abs().max() <= 1 + 1e-6


@pytest.mark.parametrize("n", [7, 8])
def test_l_n_is_log_n_at_uniform_and_larger_elsewhere(n):
    mask = torch.ones(3, dtype=torch.bool)
    uniform = torch.full((3, n), 0.7)
    assert l_n(uniform, mask).item() == pytest.approx(math.log(n), abs=1e-6)
    torch.manual_seed(0)
    for _ in range(5):
        assert l_n(3 * torch.randn(3, n), mask).item() > math.log(n)


def test_l_n_is_finite_for_extreme_logits():
    logits = torch.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    value = l_n(logits, torch.tensor([True]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()


def test_total_is_equation_8():
    t = [torch.tensor(v) for v in (1.0, 2.0, 3.0, 4.0)]
    assert total_loss(*t).item() == 1 + 10 * (2 + 3) + 4
    assert total_loss(*t, lambda_d=2, lambda_n=0, lambda_r=0.5).item() == 2 + 2
