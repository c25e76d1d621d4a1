"""The in-memory form training reads: aligned uint8 images with labels and subjects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class ImageSet:
    """Aligned faces on the canvas, ready for the ten crops.

    images:   ``(N, 3, H, W)`` uint8, H x W = the canvas (128x110 in the paper).
    labels:   ``(N,)`` int64 class indices in the dataset's class order (neutral included).
    subjects: ``(N,)`` subject identifiers (strings), for subject-independent folds and probes.
    """

    images: torch.Tensor
    labels: torch.Tensor
    subjects: np.ndarray

    def __post_init__(self) -> None:
        n = self.images.shape[0]
        if self.images.dtype != torch.uint8 or self.images.ndim != 4 or self.images.shape[1] != 3:
            raise ValueError(
                f"ImageSet.images must be uint8 (N, 3, H, W), got {tuple(self.images.shape)} "
                f"{self.images.dtype}"
            )
        if self.labels.shape != (n,) or len(self.subjects) != n:
            raise ValueError(
                f"ImageSet: {n} images but labels {tuple(self.labels.shape)} and "
                f"{len(self.subjects)} subjects"
            )
        self.labels = self.labels.long()
        self.subjects = np.asarray(self.subjects).astype(str)

    def __len__(self) -> int:
        return self.images.shape[0]

    def subset(self, index) -> ImageSet:
        """The images at ``index`` (boolean mask or integer indices)."""
        index = torch.as_tensor(np.asarray(index))
        if index.dtype == torch.bool:
            index = index.nonzero(as_tuple=True)[0]
        return ImageSet(self.images[index], self.labels[index], self.subjects[index.numpy()])
