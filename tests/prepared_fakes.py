"""A prepared dataset (the format training reads) written straight from an ImageSet.

This skips detection and alignment so that the cross-validation tests exercise only
cross-validation; the protocol tests cover the way from native layouts to this format.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import torch

from adfl_teach.data.folds import assign_folds
from adfl_teach.data.imageset import ImageSet


def write_prepared(root: Path, data, classes) -> Path:
    """Write ``data`` (an ImageSet on the 128x110 canvas or smaller) as a prepared dataset;
    folds by the modulo rule over sorted subjects; each image its own one-frame sequence."""
    root.mkdir(parents=True)
    folds = assign_folds(sorted(set(data.subjects.tolist())))
    rows = []
    for i in range(len(data)):
        subject = str(data.subjects[i])
        rel = f"images/{subject}/{i:04d}.png"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        rgb = data.images[i].permute(1, 2, 0).numpy()
        cv2.imwrite(str(root / rel), np.ascontiguousarray(rgb[:, :, ::-1]))
        label = int(data.labels[i])
        rows.append([rel, subject, f"{i:04d}", 0, label, classes[label], folds[subject]])
    with (root / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["path", "subject", "sequence", "frame", "label", "label_name", "fold"])
        writer.writerows(rows)
    info = {"classes": list(classes), "neutral_index": 0, "protocol": "ckplus", "source": "fake"}
    (root / "dataset.json").write_text(json.dumps(info), encoding="utf-8")
    return root


def small_imageset(subjects: int = 10, per_subject: int = 3, canvas=(32, 28), seed: int = 0):
    """Random uint8 faces, ``per_subject`` per subject ``S000 ..``, labels cycling over 5
    classes (so every fold holds images of several classes)."""
    g = torch.Generator().manual_seed(seed)
    n = subjects * per_subject
    images = torch.randint(0, 256, (n, 3, *canvas), generator=g, dtype=torch.uint8)
    labels = torch.arange(n) % 5
    return ImageSet(images, labels, np.array([f"S{i // per_subject:03d}" for i in range(n)]))
