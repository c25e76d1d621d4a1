"""Evaluation of a trained model (sec. 3.1): the ten-crop average, accuracy on expressions.

The paper's accuracy counts the non-neutral images of the test fold
(docs/implementation-notes.md, "Classes"); each image's prediction is the average of the
classifier's logits over its ten crops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from adfl_teach.classes import non_neutral_mask, predicted_classes
from adfl_teach.config import Config
from adfl_teach.crops import NUM_CROPS, ten_crops
from adfl_teach.data.imageset import ImageSet


@dataclass
class EvalResult:
    """Ten-crop evaluation on the non-neutral images of a set (the paper's accuracy)."""

    accuracy: float
    num_images: int
    predictions: list[int]
    targets: list[int]
    confusion: list[list[int]]  # rows: true class, columns: predicted class (N x N)
    subjects: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "num_images": self.num_images,
            "predictions": self.predictions,
            "targets": self.targets,
            "subjects": self.subjects,
            "confusion": self.confusion,
        }


#: Images per forward pass when a trained model is read (ten crops each, so 1,280 crops).
EVAL_BATCH = 128


@contextmanager
def evaluation_mode(model: nn.Module) -> Iterator[nn.Module]:
    """``model.eval()`` for the block, then the mode it had (training goes on after)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def crop_batches(
    model: nn.Module,
    images: torch.Tensor,
    cut: Callable[[torch.Tensor], torch.Tensor],
    batch_size: int = EVAL_BATCH,
    device=None,
) -> Iterator[tuple[slice, object]]:
    """The one loop that reads a model: for each batch of ``images`` (``(N, 3, H, W)``
    uint8, sent to the model's device once), yield ``(its slice, model(cut(batch)))`` in
    evaluation mode and without gradients; the model's mode is restored at the end.
    ``cut``: ``(B, 3, H, W)`` -> ``(k B, 3, h, w)``, e.g. :func:`ten_crops_flat`."""
    device = device or next(model.parameters()).device
    images = images.to(device)
    with evaluation_mode(model), torch.no_grad():
        for start in range(0, images.shape[0], batch_size):
            where = slice(start, start + batch_size)
            yield where, model(cut(images[where]))


def ten_crops_flat(crop: tuple[int, int]) -> Callable[[torch.Tensor], torch.Tensor]:
    """``(B, 3, H, W)`` -> the ten crops ``(10 B, 3, h, w)``, crop-major (as
    :func:`~adfl_teach.crops.ten_crops` orders them)."""
    return lambda batch: ten_crops(batch, crop).flatten(0, 1)


def predict_logits(
    model: nn.Module,
    images: torch.Tensor,
    config: Config,
    batch_size: int = EVAL_BATCH,
    device=None,
) -> torch.Tensor:
    """Classifier logits averaged over the ten crops: ``(N, 3, H, W)`` uint8 -> ``(N, C)``.

    The images go to the model's device once; the crops are cut there.
    """
    chunks = []
    cut = ten_crops_flat(config.data.crop)
    for _, out in crop_batches(model, images, cut, batch_size, device):
        logits = out.classifier_logits.float()  # (10 B, C)
        chunks.append(logits.view(NUM_CROPS, -1, logits.shape[1]).mean(0).cpu())
    return torch.cat(chunks) if chunks else torch.empty(0)


def evaluate(model: nn.Module, data: ImageSet, config: Config, device=None) -> EvalResult:
    """Accuracy over the non-neutral images, ten-crop averaged (sec. 3.1; "Classes" in
    docs/implementation-notes.md)."""
    neutral = model.neutral_index
    subset = data.subset(non_neutral_mask(data.labels, neutral))
    n = model.num_classes
    confusion = np.zeros((n, n), dtype=np.int64)
    if len(subset) == 0:
        return EvalResult(float("nan"), 0, [], [], confusion.tolist())
    logits = predict_logits(model, subset.images, config, device=device)
    pred = predicted_classes(logits, neutral, model.neutral_is_class)
    np.add.at(confusion, (subset.labels.numpy(), pred.numpy()), 1)
    correct = (pred == subset.labels).sum().item()
    return EvalResult(
        accuracy=correct / len(subset),
        num_images=len(subset),
        predictions=pred.tolist(),
        targets=subset.labels.tolist(),
        confusion=confusion.tolist(),
        subjects=subset.subjects.tolist(),
    )
