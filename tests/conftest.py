"""Shared fixtures. Tests run on CPU with few threads so results are reproducible."""

import numpy as np
import pytest
import torch

from adfl_teach.data.imageset import ImageSet

torch.set_num_threads(2)


def striped_imageset(n: int, seed: int, num_classes: int = 5, canvas=(64, 55)) -> ImageSet:
    """Images whose class is a bright horizontal stripe at a class-specific height.

    Class 0 (neutral) has no stripe. Subjects cycle through ``S00..S06``.
    """
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    labels = labels[torch.randperm(n, generator=g)]
    images = torch.randint(60, 120, (n, 3, *canvas), generator=g)
    for k in range(1, num_classes):
        top = 6 + 10 * k
        images[labels == k, :, top : top + 6, 8:47] += 110
    subjects = np.array([f"S{i % 7:02d}" for i in range(n)])
    return ImageSet(images.clamp(0, 255).to(torch.uint8), labels, subjects)


@pytest.fixture
def striped():
    return striped_imageset
