"""Evaluation of a trained model (sec. 3.1): the ten-crop average, accuracy on expressions.

The paper's accuracy counts the non-neutral images of the test fold
(docs/implementation-notes.md, "Classes"); each image's prediction is the average of the
classifier's logits over its ten crops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from adfl_teach.config import Config
from adfl_teach.crops import NUM_CROPS, ten_crops
from adfl_teach.data.imageset import ImageSet
from adfl_teach.losses import non_neutral_mask


def predicted_classes(
    logits: torch.Tensor, neutral_index: int, neutral_is_class: bool = False
) -> torch.Tensor:
    """Head outputs ``(B, N-1)`` -> class indices over all N classes (neutral never predicted
    unless it is a class of the heads, ``(B, N)`` outputs)."""
    pred = logits.argmax(dim=1)
    if neutral_is_class:
        return pred
    return pred + (pred >= neutral_index).long()


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


@torch.no_grad()
def predict_logits(
    model: nn.Module, images: torch.Tensor, config: Config, batch_size: int = 128, device=None
) -> torch.Tensor:
    """Classifier logits averaged over the ten crops: ``(N, 3, H, W)`` uint8 -> ``(N, C)``.

    The images go to the model's device once; the crops are cut there.
    """
    device = device or next(model.parameters()).device
    images = images.to(device)
    was_training = model.training
    model.eval()
    chunks = []
    for start in range(0, images.shape[0], batch_size):
        batch = images[start : start + batch_size]
        crops = ten_crops(batch, config.data.crop)  # (10, B, 3, h, w)
        logits = model(crops.flatten(0, 1)).classifier_logits.float()
        chunks.append(logits.view(NUM_CROPS, batch.shape[0], -1).mean(0).cpu())
    model.train(was_training)
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
