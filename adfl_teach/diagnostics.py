"""Diagnostics of the adversarial game (sec. 2.3): is the dispeller fooled, and how?

These numbers are not in the paper's objective; they make the game between B_n and the
dispeller observable in the training history.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def dispeller_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Mean entropy (nats) of the dispeller's softmax over ``(B, N)`` logits; ``log N`` when
    fully fooled (uniform output), 0 when it is certain."""
    log_p = F.log_softmax(logits.float(), dim=1)
    return -(log_p.exp() * log_p).sum(dim=1).mean()
