"""The ten crops of sec. 3.1: four corners and the centre of the aligned face and of its mirror.

The aligned face lives on a ``canvas`` (128x110 in the paper, height x width); each crop is
``crop`` (112x96). Crop ``k`` for ``k`` in 0..4 is (top-left, top-right, bottom-left,
bottom-right, centre) of the image; ``k + 5`` is the same box on the horizontally mirrored
image. This is the order of ``torchvision.transforms.v2.TenCrop``, which the tests check
against.
"""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=32)
def _box_table(canvas: tuple[int, int], crop: tuple[int, int], device: torch.device):
    """:func:`crop_boxes` as a ``(10, 3)`` long tensor on ``device``, made once per device."""
    return torch.tensor(crop_boxes(canvas, crop), dtype=torch.long, device=device)


def take_crops(
    images: torch.Tensor, crop_index: torch.Tensor, crop: tuple[int, int]
) -> torch.Tensor:
    """Cut crop ``crop_index[b]`` out of ``images[b]``, on the images' device.

    images: ``(B, C, H, W)`` on the canvas; crop_index: ``(B,)`` integers in 0..9 (same
    device). Returns ``(B, C, h, w)``. A mirrored crop is the same box cut from the flipped
    image, exactly as TenCrop does (mirror first, then the box): column ``j`` of the box
    reads column ``W - 1 - (left + j)`` of the image. Two gathers for the whole batch (rows,
    then columns), so no step waits for the host.
    """
    h, w = crop
    b, c, height, width = images.shape
    boxes = _box_table((height, width), tuple(crop), images.device)[crop_index]
    top, left, mirrored = boxes.unbind(1)
    rows = top[:, None] + torch.arange(h, device=images.device)  # (B, h)
    cols = left[:, None] + torch.arange(w, device=images.device)  # (B, w)
    cols = torch.where(mirrored[:, None].bool(), width - 1 - cols, cols)
    out = torch.gather(images, 2, rows[:, None, :, None].expand(b, c, h, width))
    return torch.gather(out, 3, cols[:, None, None, :].expand(b, c, h, w))


def ten_crops(images: torch.Tensor, crop: tuple[int, int]) -> torch.Tensor:
    """All ten crops: ``(B, C, H, W)`` -> ``(10, B, C, h, w)`` (used at evaluation)."""
    b = images.shape[0]
    return torch.stack(
        [
            take_crops(images, torch.full((b,), k, device=images.device), crop)
            for k in range(NUM_CROPS)
        ]
    )
