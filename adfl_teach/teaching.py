"""Small helpers the chapters use to *show* the library at work; none of them trains.

* :func:`output_shapes`: the output shape of named sub-modules in one forward pass
  (chapter 4's table of Table 1).
"""

from __future__ import annotations

import torch
from torch import nn


def output_shapes(
    model: nn.Module, images: torch.Tensor, modules: dict[str, nn.Module]
) -> dict[str, tuple[int, ...]]:
    """Run ``model(images)`` once, without gradients, and record the output shape of each
    module in ``modules`` (``{name: sub-module}``) with forward hooks.

    A sub-module that returns a tuple (a branch returns ``(maps, features)``) is recorded
    by its last element. The hooks are removed again; the model is left unchanged.
    """
    shapes: dict[str, tuple[int, ...]] = {}

    def record(name):
        def hook(module, inputs, output):  # a hook that returns None keeps the output
            last = output[-1] if isinstance(output, tuple) else output
            shapes[name] = tuple(last.shape)

        return hook

    hooks = [module.register_forward_hook(record(name)) for name, module in modules.items()]
    try:
        with torch.no_grad():
            model(images)
    finally:
        for hook in hooks:
            hook.remove()
    missing = set(modules) - set(shapes)
    if missing:
        raise ValueError(f"these modules did not run in the forward pass: {sorted(missing)}")
    return {name: shapes[name] for name in modules}
