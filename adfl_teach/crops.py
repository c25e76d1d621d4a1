"""The ten crops of sec. 3.1: four corners and the centre of the aligned face and of its mirror.

The aligned face lives on a ``canvas`` (128x110 in the paper, height x width); each crop is
``crop`` (112x96). Crop ``k`` for ``k`` in 0..4 is (top-left, top-right, bottom-left,
bottom-right, centre) of the image; ``k + 5`` is the same box on the horizontally mirrored
image. This is the order of ``torchvision.transforms.v2.TenCrop``, which the tests check
against.
"""

from __future__ import annotations

import torch

NUM_CROPS = 10
CROP_NAMES = (
    "top-left",
    "top-right",
    "bottom-left",
    "bottom-right",
    "centre",
    "mirrored top-left",
    "mirrored top-right",
    "mirrored bottom-left",
    "mirrored bottom-right",
    "mirrored centre",
)


def crop_boxes(canvas: tuple[int, int], crop: tuple[int, int]) -> list[tuple[int, int, bool]]:
    """The ten crops as ``(top, left, mirrored)``; boxes are ``crop`` (height, width) in size.

    Corner and centre offsets follow torchvision's ``FiveCrop`` (centre rounded to nearest).
    """
    (ch, cw), (h, w) = canvas, crop
    if h > ch or w > cw:
        raise ValueError(f"crop {crop} does not fit in canvas {canvas}")
    top_c = int(round((ch - h) / 2.0))
    left_c = int(round((cw - w) / 2.0))
    five = [(0, 0), (0, cw - w), (ch - h, 0), (ch - h, cw - w), (top_c, left_c)]
    return [(t, left, False) for t, left in five] + [(t, left, True) for t, left in five]


def take_crops(
    images: torch.Tensor, crop_index: torch.Tensor, crop: tuple[int, int]
) -> torch.Tensor:
    """Cut crop ``crop_index[b]`` out of ``images[b]``.

    images: ``(B, C, H, W)`` on the canvas; crop_index: ``(B,)`` integers in 0..9.
    Returns ``(B, C, h, w)``. The mirrored crops are cut from the flipped image, exactly as
    TenCrop does (mirror first, then the same box).
    """
    h, w = crop
    boxes = crop_boxes(tuple(images.shape[-2:]), crop)
    out = images.new_empty((images.shape[0], images.shape[1], h, w))
    for k, (top, left, mirrored) in enumerate(boxes):
        sel = (crop_index == k).nonzero(as_tuple=True)[0]
        if sel.numel() == 0:
            continue
        src = images[sel]
        if mirrored:
            src = src.flip(-1)
        out[sel] = src[..., top : top + h, left : left + w]
    return out


def ten_crops(images: torch.Tensor, crop: tuple[int, int]) -> torch.Tensor:
    """All ten crops: ``(B, C, H, W)`` -> ``(10, B, C, h, w)`` (used at evaluation)."""
    b = images.shape[0]
    return torch.stack(
        [take_crops(images, torch.full((b,), k, dtype=torch.long), crop) for k in range(NUM_CROPS)]
    )
