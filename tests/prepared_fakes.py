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

from adfl_teach.data.folds import assign_folds


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
    with (root / "manifest.csv").open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["path", "subject", "sequence", "frame", "label", "label_name", "fold"])
        writer.writerows(rows)
    info = {"classes": list(classes), "neutral_index": 0, "protocol": "ckplus", "source": "fake"}
    (root / "dataset.json").write_text(json.dumps(info))
    return root
