"""Preparation: a database in its native layout -> the prepared format (sec. 3.1 + 3.2).

For every frame a protocol selects (:mod:`adfl_teach.data.protocols`): read it, find five
landmarks (:mod:`adfl_teach.preprocess.detectors`), align onto the 128x110 canvas
(:mod:`adfl_teach.preprocess.align`), write a PNG; then write ``manifest.csv`` with 10
subject-independent folds (:mod:`adfl_teach.data.folds`) and ``dataset.json``
(:mod:`adfl_teach.data.prepared` describes the format). The ten 112x96 crops are *not* stored:
they are cut on the fly from the canvas at training time (:mod:`adfl_teach.crops`).

Everything is written into a marked sibling folder ``.<out>.partial-<pid>`` that is renamed
to ``out`` only at the very end, so an interrupted or failed run never leaves something that
looks like a complete dataset; ``overwrite`` replaces only a folder this command made
(:mod:`adfl_teach.data.output`). Frames whose landmarks or aligned face are degenerate count
as "no usable face" (:func:`adfl_teach.preprocess.align.align_usable_face`); landmarks a
little outside a tight crop are not degenerate (the alignment pads). Before any detection,
one person under two subject ids is refused (:mod:`adfl_teach.data.identity`). Images are
read and written by Python and only decoded by OpenCV, so any file name works
(:mod:`adfl_teach.data.imagefiles`).
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adfl_teach.data.folds import (
    FOLD_SCHEMES,
    NUM_FOLDS,
    assign_folds,
    check_folds,
    count_table,
    format_counts,
)
from adfl_teach.data.identity import check_identities
from adfl_teach.data.imagefiles import printable, write_png
from adfl_teach.data.output import OwnedFolder
from adfl_teach.data.prepared import COLUMNS, DATASET_JSON, FORMAT_VERSION, MANIFEST, DatasetError
from adfl_teach.data.protocols import get_protocol
from adfl_teach.data.protocols.base import read_sequence_list, safe_name
from adfl_teach.preprocess.align import CANVAS, CANVAS_TEMPLATE, align_usable_face
from adfl_teach.preprocess.detectors import FaceDetector, FaceNotFoundError, get_detector
from adfl_teach.runtime import progress_bar

#: The output folder of ``adfl-teach prepare`` (marked; see :mod:`adfl_teach.data.output`).
PREPARED_FOLDER = OwnedFolder("prepare", frozenset({MANIFEST, DATASET_JSON, "images", "cache"}))


@dataclass
class PrepareReport:
    """What :func:`prepare` did (also stored in ``dataset.json``)."""

    out: Path
    protocol: str
    detector: str
    classes: tuple[str, ...]
    counts: dict
    skipped: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def format(self, labels=None, folds=None) -> str:
        lines = [
            f"prepared {self.protocol} -> {self.out}",
            f"  {self.counts['total']} aligned faces, detector {self.detector}, "
            f"{self.seconds:.1f} s",
        ]
        if labels is not None:
            lines.append(format_counts(self.classes, labels, folds))
        if self.excluded:
            lines.append(f"  left out by the protocol: {len(self.excluded)} (see dataset.json)")
        if self.reordered:
            lines.append(
                f"  landmarks reordered in {len(self.reordered)} frames: the file listed a "
                "right eye or mouth corner before the left one (mirrored markup?); assumed "
                f"left = smaller x (dataset.json 'reordered_landmarks'), e.g. {self.reordered[0]}"
            )
        if self.skipped:
            lines.append(f"  skipped, no (usable) face found: {len(self.skipped)}")
            lines += [f"    {s['path']}: {s['reason']}" for s in self.skipped[:20]]
            if len(self.skipped) > 20:
                lines.append(f"    ... and {len(self.skipped) - 20} more (see dataset.json)")
        return "\n".join(lines)


def prepare(
    protocol: str,
    src: str | Path,
    out: str | Path,
    detector: str | FaceDetector | None = None,
    skip_missing_faces: bool = False,
    fold_scheme: str = "modulo",
    sequences: str | Path | list[str] | None = None,
    overwrite: bool = False,
    progress: bool = True,
    verbose: bool = False,
) -> Path:
    """Prepare ``protocol`` (``ckplus``, ``mmi``, ``oulu``) from ``src`` into ``out``.

    Args:
        detector: ``"mtcnn"`` (the paper's), ``"opencv"``, ``"landmarks"``, a detector object,
            or None for the protocol's default: MTCNN, except CK+ copies that include
            ``Landmarks/`` use those (exact and fast).
        skip_missing_faces: leave out frames where no face is found (listed in
            ``dataset.json`` ``skipped`` and in the report) instead of stopping with
            :class:`~adfl_teach.preprocess.detectors.FaceNotFoundError`.
        fold_scheme: ``modulo`` (default) or ``contiguous`` (:mod:`adfl_teach.data.folds`).
        sequences: a file with one sequence id per line (or a list): only those are used. For
            MMI this selects the paper's 209 front-view sessions.
        overwrite: replace a prepared dataset that ``prepare`` made at ``out`` (its marker
            proves it); a folder it did not make is never deleted (FileExistsError).
        verbose: print the report (counts per class and fold, time, skipped files).

    Returns ``out``. Raises :class:`~adfl_teach.data.prepared.DatasetError` naming the file
    for bad input (see each protocol module).
    """
    start = time.perf_counter()
    proto = get_protocol(protocol)
    out = Path(out)
    if fold_scheme not in FOLD_SCHEMES:
        raise ValueError(f"unknown fold scheme {fold_scheme!r}; choose from {FOLD_SCHEMES}")
    PREPARED_FOLDER.check(out, overwrite)
    root, collection, sequence_file = _collect(proto, src, sequences)
    check_identities(collection.samples)  # one person under two subject ids: refused
    det = get_detector(detector or proto.default_detector(root))
    with PREPARED_FOLDER.building(out, overwrite) as partial:
        rows, skipped, reordered = _align_all(
            collection.samples, det, partial, skip_missing_faces, progress
        )
        folds = _assign_folds(rows, proto, src, fold_scheme)
        labels, fold_arr = (np.array([r[key] for r in rows]) for key in ("label", "fold"))
        report = PrepareReport(
            out=out,
            protocol=proto.name,
            detector=getattr(det, "name", type(det).__name__),
            classes=proto.classes,
            counts=count_table(proto.classes, labels, fold_arr),
            skipped=skipped,
            excluded=collection.excluded,
            reordered=reordered,
        )
        _write_manifest(partial / MANIFEST, rows)
        report.seconds = time.perf_counter() - start
        _write_info(
            partial / DATASET_JSON, report, proto, src, root, fold_scheme, folds, sequence_file
        )
    if verbose:
        print(printable(report.format(labels, fold_arr)))
    return out


def _collect(proto, src, sequences):
    """``(root, collection, sequence list file or None)``: the frames the protocol selects."""
    root = proto.find_root(src)
    sequence_file = None
    if isinstance(sequences, (str, Path)):
        sequence_file = str(sequences)
        sequences = read_sequence_list(sequences)
    collection = proto.collect(root, sequences=sequences)
    if not collection.samples:
        raise DatasetError(f"{src}: no labelled {proto.title} sequences found")
    return root, collection, sequence_file


def _assign_folds(rows: list[dict], proto, src, fold_scheme: str) -> dict[str, int]:
    """Give every row its fold and label name; every fold must hold test images."""
    if not rows:
        raise DatasetError(f"{src}: no usable face in any selected frame")
    try:
        folds = assign_folds([r["subject"] for r in rows], NUM_FOLDS, fold_scheme)
        check_folds([folds[r["subject"]] for r in rows], NUM_FOLDS)
    except ValueError as err:
        raise DatasetError(f"{src}: {err}") from err
    for row in rows:
        row["fold"] = folds[row["subject"]]
        row["label_name"] = proto.classes[row["label"]]
    return folds


def _align_all(samples, detector, partial: Path, skip: bool, progress: bool):
    """Detect and align every sample into ``partial/images``; ``(manifest rows, skipped,
    keys of the frames whose given landmarks were reordered)``."""
    rows, skipped, reordered = [], [], []
    for sample in progress_bar(samples, desc="detect + align", unit="img", enabled=progress):
        image = sample.read()
        try:
            detection = detector.detect(image, sample.key)
            aligned = align_usable_face(image, detection.landmarks5, sample.key, CANVAS)
        except FaceNotFoundError as err:
            if not skip:
                raise
            skipped.append({"path": sample.key, "reason": err.reason})
            continue
        if getattr(detection, "reordered", False):
            reordered.append(sample.key)
        rel = Path(
            "images",
            safe_name(sample.subject),
            safe_name(sample.sequence),
            f"{safe_name(sample.name)}.png",
        )
        (partial / rel).parent.mkdir(parents=True, exist_ok=True)
        write_png(partial / rel, aligned)
        rows.append(
            {
                "path": rel.as_posix(),
                "subject": sample.subject,
                "sequence": sample.sequence,
                "frame": sample.frame,
                "label": sample.label,
            }
        )
    return rows, skipped, reordered


def _write_manifest(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_info(path, report, proto, src, root, fold_scheme, folds, sequence_file) -> None:
    info = {
        "format_version": FORMAT_VERSION,
        "protocol": proto.name,
        "source": str(Path(src).resolve()),
        "source_root": str(Path(root).resolve()),
        "classes": list(proto.classes),
        "neutral_index": 0,
        "counts": report.counts,
        "num_subjects": len(folds),
        "fold_scheme": fold_scheme,
        "num_folds": NUM_FOLDS,
        "subject_folds": folds,
        "detector": report.detector,
        "sequence_list": sequence_file,
        "template": {
            "canvas_hw": list(CANVAS),
            "points_xy": np.round(CANVAS_TEMPLATE, 4).tolist(),
            "names": [
                "left eye",
                "right eye",
                "nose tip",
                "left mouth corner",
                "right mouth corner",
            ],
            "convention": "SphereFace 112x96 template minus 1 (MATLAB 1-based -> 0-based), "
            "shifted by (+7, +8) onto the 128x110 canvas; least-squares similarity",
        },
        "skipped": report.skipped,
        "excluded": report.excluded,
        "reordered_landmarks": report.reordered,
        "seconds": round(report.seconds, 2),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
