"""Small helpers the chapters use to *show* the library at work; none of them trains.

* :func:`output_shapes`: the output shape of named sub-modules in one forward pass
  (chapter 4's table of Table 1).
* :func:`ams_toy`: an AMS classifier trained on 2-D features (chapter 7's geometry).
* :func:`trace_batch`: one batch through the four losses, sample by sample (chapter 8).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from adfl_teach.classes import head_targets, non_neutral_mask
from adfl_teach.experiments.rundir import RESULT, RUN_JSON, fold_dir, run_seeds
from adfl_teach.layers import AMSClassifier
from adfl_teach.losses import adfl_objective, ams_logits, l_n
from adfl_teach.model import create_model, parts_reached


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


def trace_batch(out, labels: torch.Tensor, loss_config, class_names=None):
    """One batch through the four losses, sample by sample: a table for chapter 8.

    ``out``: an ADFL :class:`~adfl_teach.model.ModelOutput`; ``labels``: ``(B,)`` over the
    N classes; ``loss_config``: a :class:`~adfl_teach.config.LossConfig` (the margin).
    Returns a ``pandas.DataFrame`` with one row per sample: its label, whether it is
    neutral, its target over the N-1 expressions, and its value of each loss term, ``NaN``
    where the term masks the sample (eqs. 2, 4, 7: ``i = c``). The mean of each column
    (NaN skipped) is the library's value of that term.
    """
    import pandas as pd

    targets, mask = head_targets(labels, out.neutral_index, out.neutral_is_class)
    cosines = out.classifier_cosines
    with torch.no_grad():
        per_sample = {
            "l_d": F.cross_entropy(out.splitter_logits, targets, reduction="none"),
            "l_a": F.cross_entropy(out.dispeller_logits, labels, reduction="none"),
            "l_n": -F.log_softmax(out.fooled_dispeller_logits, dim=1).mean(dim=1),
            "l_r": F.cross_entropy(
                ams_logits(cosines, targets, loss_config.margin, out.scale),
                targets,
                reduction="none",
            ),
        }
    nan = torch.full_like(per_sample["l_d"], float("nan"))
    for term in ("l_d", "l_n", "l_r"):  # the terms whose equation has the i = c case
        per_sample[term] = torch.where(mask, per_sample[term], nan)
    names = [class_names[int(i)] if class_names else int(i) for i in labels]
    table = {
        "label": names,
        "neutral": (~mask).tolist(),
        "target": pd.array([int(t) if m else None for t, m in zip(targets, mask)], "Int64"),
    }
    table |= {term: values.tolist() for term, values in per_sample.items()}
    return pd.DataFrame(table)


def ams_toy(margin: float, scale: float = 10.0, steps: int = 200, seed: int = 0):
    """Chapter 7's 2-D toy: four noisy clusters of 2-D features around four directions, and
    an :class:`~adfl_teach.layers.AMSClassifier` whose weights (only they) are trained on
    them with eqs. (6)-(7) (no neutral class here, so no mask). The weights start 40 degrees
    off their clusters.

    Returns ``(features (200, 2), labels (200,), weights (4, 2), train accuracy)``.
    """
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(200) % 4
    angle = labels * (torch.pi / 2) + 0.5 + 0.45 * torch.randn(200, generator=g)
    features = torch.stack([angle.cos(), angle.sin()], 1) + 0.2 * torch.randn(200, 2, generator=g)
    head = AMSClassifier(2, 4)
    start = torch.arange(4) * (torch.pi / 2) + 1.2
    with torch.no_grad():
        head.weight.copy_(torch.stack([start.cos(), start.sin()], 1))
    optimizer = torch.optim.Adam(head.parameters(), lr=0.05)
    for _ in range(steps):
        loss = F.cross_entropy(ams_logits(head(features), labels, margin, scale), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = (head(features).argmax(1) == labels).float().mean().item()
    return features, labels, head.weight.detach(), accuracy


def source_blocks(function) -> list[str]:
    """The source of ``function`` (read with ``inspect``, never copied), dedented and cut
    into blocks at its blank lines: chapter 8 shows ``ADFL.forward`` block by block, each
    beside the equations it implements. Docstrings are left out."""
    source = textwrap.dedent(inspect.getsource(function))
    tree = ast.parse(source).body[0]
    first = tree.body[0]
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant):
        lines = source.splitlines()  # drop the docstring, keep the signature
        source = "\n".join(lines[: first.lineno - 1] + lines[first.end_lineno :])
    blocks = [block.strip("\n") for block in source.split("\n\n")]
    return [block for block in blocks if block.strip()]


# --- Chapter 12: checks of the assignments, always computed from the library. ---


def check(answer, truth, hint: str = "") -> bool | None:
    """Print whether ``answer`` equals ``truth`` and return True/False; ``None`` (and a
    reminder) while the answer is still ``None``. Never raises, so that an unanswered or
    wrong assignment does not stop the notebook."""
    if answer is None:
        print("not answered yet: set `answer = ...` in the cell above and run this cell again")
        return None
    if answer == truth:
        print("correct")
        return True
    print(f"not quite. {hint}".rstrip())
    return False


def parts_moved(config, term: str = "total", num_classes: int = 8, seed: int = 0):
    """The parts of a fresh ADFL, built under ``config``, to which ``term`` of eq. (8)
    (``"l_d"``, ``"l_a"``, ``"l_n"``, ``"l_r"`` or ``"total"``) sends a non-zero gradient on
    a random batch holding every class twice, neutral included. Returns a frozenset."""
    torch.manual_seed(seed)
    model = create_model("adfl", num_classes, 0, config)
    batch = 2 * num_classes
    images = torch.randint(0, 256, (batch, 3, *config.data.crop), dtype=torch.uint8)
    labels = torch.arange(batch) % num_classes
    loss = adfl_objective(model(images), labels, config.loss)[term]
    return frozenset(part for part, norm in parts_reached(model, loss).items() if norm > 0)


def l_n_cases(seed: int = 0):
    """Test batches for an implementation of eq. (4): ``(logits, labels, neutral_index)``.

    Mixed batches, one with neutral at index 3, an all-neutral batch (l_n = 0), a batch of
    one expression, and logits large enough that ``log(softmax(.))`` underflows."""
    g = torch.Generator().manual_seed(seed)
    mixed = torch.tensor([0, 1, 2, 3, 0, 5, 6, 7])
    return [
        (torch.randn(8, 8, generator=g), mixed, 0),
        (torch.randn(8, 8, generator=g), mixed, 3),
        (torch.randn(4, 7, generator=g), torch.zeros(4, dtype=torch.long), 0),
        (torch.randn(1, 7, generator=g), torch.tensor([4]), 0),
        (200 * torch.randn(8, 8, generator=g), mixed, 0),
    ]


def check_l_n(candidate) -> list[str]:
    """Run ``candidate(fooled_logits, labels, neutral_index)`` on :func:`l_n_cases` against
    :func:`adfl_teach.losses.l_n`; return what failed (an empty list: all passed)."""
    failures = []
    for k, (logits, labels, neutral) in enumerate(l_n_cases()):
        expected = l_n(logits, non_neutral_mask(labels, neutral))
        try:
            got = torch.as_tensor(candidate(logits, labels, neutral), dtype=expected.dtype)
        except Exception as error:  # a student's code may fail in any way: report it
            failures.append(f"case {k}: raised {type(error).__name__}: {error}")
            continue
        if got.shape != () or not torch.allclose(got, expected, rtol=1e-4, atol=1e-5):
            failures.append(f"case {k}: got {got.tolist()}, expected {expected.item():.6f}")
    return failures


def check_report_run(run, min_seeds: int = 3, folds=range(10), model: str = "adfl") -> bool:
    """Chapter 12.6: is the ablation run ``run`` (an ``adfl-teach ablate --out`` folder,
    one sub-folder per variant) complete? Every variant needs ``min_seeds`` seeds with a
    ``result.json`` for each of ``folds``. Prints one line per variant; returns True/False."""
    run = Path(run)
    variants = sorted(path.parent for path in run.glob(f"*/{RUN_JSON}"))
    if len(variants) < 2:
        print(f"{run}: {len(variants)} variant runs (*/{RUN_JSON}); a comparison needs two")
        return False
    complete = True
    for folder in variants:
        seeds = run_seeds(folder)

        def missing(seed, folder=folder):
            return [k for k in folds if not (fold_dir(folder, model, k, seed) / RESULT).is_file()]

        done = [seed for seed in seeds if not missing(seed)]
        ok = len(done) >= min_seeds
        complete &= ok
        gaps = {seed: missing(seed) for seed in seeds if missing(seed)}
        note = "complete" if ok else f"needs {min_seeds} complete seeds; missing {gaps}"
        print(f"{folder.name:<26} seeds {seeds}: {note}")
    return complete
