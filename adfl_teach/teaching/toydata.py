"""Tiny procedural images for tests and chapters: the class is a stripe's height.

Learnable in a few epochs by the smoke-sized model, so a test or a chapter can show training
work in seconds. Not faces; for the synthetic face database see :mod:`adfl_teach.synth`.
"""

from __future__ import annotations

import numpy as np
import torch

from adfl_teach.data.imageset import ImageSet


def striped_imageset(
    n: int, seed: int, num_classes: int = 5, canvas: tuple[int, int] = (64, 55)
) -> ImageSet:
    """``n`` images whose class is a bright horizontal stripe at a class-specific height.

    Class 0 (neutral) has no stripe; class ``k`` has a 6-pixel stripe at row ``6 + 10 k`` on a
    noisy grey background. Labels are balanced and shuffled; subjects cycle through
    ``S00..S06``. ``canvas`` is (height, width), at least ``10 * num_classes + 2`` rows high
    and 47 columns wide.
    """
    if canvas[0] < 10 * num_classes + 2 or canvas[1] < 47:
        raise ValueError(f"canvas {canvas} too small for {num_classes} striped classes")
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    labels = labels[torch.randperm(n, generator=g)]
    images = torch.randint(60, 120, (n, 3, *canvas), generator=g)
    for k in range(1, num_classes):
        top = 6 + 10 * k
        images[labels == k, :, top : top + 6, 8:47] += 110
    subjects = np.array([f"S{i % 7:02d}" for i in range(n)])
    return ImageSet(images.clamp(0, 255).to(torch.uint8), labels, subjects)
