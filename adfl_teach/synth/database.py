"""Whole databases: neutral-to-apex sequences written in the native CK+ layout.

The layout is exactly the one the CK+ protocol code reads (docs/implementation-notes.md,
"Protocols"), so a synthetic database is prepared by the same code as the real one::

    OUT/cohn-kanade-images/S005/001/S005_001_00000001.png      frames from 1
    OUT/Emotion/S005/001/S005_001_00000012_emotion.txt         last frame; "   3.0000000e+00"
    OUT/Landmarks/S005/001/S005_001_00000001_landmarks.txt     5 lines "   x   y"
    OUT/ground_truth.csv   one row per frame: subject, label, AU intensities, landmarks
    OUT/subjects.json      identity parameters and expression style per subject
    OUT/synth.json         generator version, seed, knobs, counts
    OUT/.adfl-teach        marker: made by ``adfl-teach synth`` (``--overwrite`` may replace it)

``ground_truth.csv`` columns: ``path`` (relative to OUT), ``subject``, ``sequence``,
``frame`` (from 1), ``label`` / ``label_name`` (the *sequence's* CK+ code and name, as CK+
labels sequences; -1 / ``unlabelled`` without an Emotion file), ``expression`` (what the
face shows, a blend like ``anger+fear`` for unlabelled ones), ``ramp`` (0 at the neutral
first frame .. 1 at the apex), ``AU1 .. AU26`` (intensity, stronger side), ``lx0, ly0 ..
lx4, ly4`` (the 5 landmarks, image x, y: left eye, right eye, nose tip, left and right
mouth corner, "left" = smaller x) and ``angle``, ``scale`` (in-plane pose of the frame).

Like CK+, each sequence starts neutral and ends at the apex (intensity ramps as a
raised cosine), a few sequences have no Emotion file (``unlabelled_fraction``: in CK+ those
matched no prototype; here they show a blend of two expressions), and every subject has
at least one labelled sequence.

Determinism: the plan (which subject poses which expression) comes from one generator
seeded with ``(seed, 0)``; everything about subject ``i`` comes from its own generator
seeded with ``(seed, 1, i)``. Workers therefore never change the result, and the same
seed and knobs give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ..data.output import OwnedFolder
from ..runtime import progress_bar
from .aus import AUS, CODE_OF, EXPRESSIONS, au_totals, expression_aus, sample_style
from .config import SynthConfig
from .identity import sample_identity
from .layout import (
    EMOTION_DIR,
    GROUND_TRUTH_COLUMNS,
    IMAGES_DIR,
    LANDMARKS_DIR,
    format_ckplus_number,
    frame_name,
    subject_id,
)
from .render import jitter_nuisance, render_face, sample_nuisance

GENERATOR_VERSION = "1.0"


def ramp(n_frames: int) -> np.ndarray:
    """Expression intensity over a sequence: raised cosine from 0 (neutral) to 1 (apex)."""
    t = np.linspace(0.0, 1.0, n_frames)
    return 0.5 - 0.5 * np.cos(np.pi * t)


def plan_database(subjects: int, seed: int, config: SynthConfig) -> list[list[tuple[str, bool]]]:
    """Which expression each sequence of each subject shows, and whether it is labelled.

    Returns one list per subject of ``(expression, labelled)``; unlabelled sequences show a
    blend (``"anger+fear"``). Class counts follow ``config.class_weights`` by largest
    remainder, so every class is present whenever there are >= 7 labelled sequences.
    """
    rng = np.random.default_rng([seed, 0])
    mean = config.sequences_per_subject
    counts = [max(1, int(round(mean + rng.uniform(-1.0, 1.0)))) for _ in range(subjects)]
    slots = [(i, j) for i, n in enumerate(counts) for j in range(n)]
    candidates = [k for k, (_, j) in enumerate(slots) if j > 0]  # never a first sequence
    n_unlabelled = min(int(round(config.unlabelled_fraction * len(slots))), len(candidates))
    unlabelled = (
        set(rng.choice(candidates, size=n_unlabelled, replace=False).tolist())
        if n_unlabelled
        else set()
    )
    n_labelled = len(slots) - len(unlabelled)
    weights = np.asarray(config.class_weights, float)
    exact = weights / weights.sum() * n_labelled
    quota = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - quota), kind="stable")[: n_labelled - quota.sum()]:
        quota[k] += 1
    labels = [EXPRESSIONS[1 + k] for k in range(7) for _ in range(quota[k])]
    labels = [labels[k] for k in rng.permutation(len(labels))]
    plan: list[list[tuple[str, bool]]] = [[] for _ in range(subjects)]
    for k, (i, _) in enumerate(slots):
        if k in unlabelled:
            a, b = rng.choice(7, size=2, replace=False) + 1
            plan[i].append((f"{EXPRESSIONS[a]}+{EXPRESSIONS[b]}", False))
        else:
            plan[i].append((labels.pop(), True))
    return plan


def _sequence_aus(expression: str, intensity: float, style, rng, au_noise: float) -> dict:
    """Apex AU dict of one sequence: the prototype (or a blend) plus small unrelated AUs."""
    if "+" in expression:
        aus: dict = {}
        for part in expression.split("+"):
            for key, value in expression_aus(part, 0.6 * intensity, style).items():
                aus[key] = max(aus.get(key, 0.0), value)
    else:
        aus = expression_aus(expression, intensity, style)
    if au_noise > 0:
        for au in rng.choice(AUS, size=2, replace=False):
            au = int(au)
            aus[au] = aus.get(au, 0.0) + float(au_noise * rng.uniform(0.3, 1.5))
    return aus


def _write_png(path: Path, image: np.ndarray, compression: int) -> None:
    """Write RGB ``image`` as PNG; Huffman-only deflate suits noisy frames (fast, small)."""
    params = [cv2.IMWRITE_PNG_COMPRESSION, compression]
    if compression > 0:
        params += [cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY]
    ok, data = cv2.imencode(".png", image[:, :, ::-1], params)
    if not ok:
        raise OSError(f"could not encode PNG for {path}")
    path.write_bytes(data.tobytes())


def _render_subject(job: tuple) -> tuple[list[list], dict]:
    """Render and write all sequences of one subject (runs in a worker process)."""
    index, sequences, seed, config, root = job
    cv2.setNumThreads(1)
    root = Path(root)
    rng = np.random.default_rng([seed, 1, index])
    identity = sample_identity(rng, config)
    style = sample_style(rng, config.style_variety)
    subject = subject_id(index)
    fmin, fmax = config.frames_per_sequence
    rows: list[list] = []
    info = {"identity": identity.to_json(), "style": style.to_json(), "sequences": {}}
    for j, (expression, labelled) in enumerate(sequences, start=1):
        n_frames = int(rng.integers(fmin, fmax + 1))
        apex = config.intensity * float(rng.uniform(0.85, 1.1))
        apex_aus = _sequence_aus(expression, apex, style, rng, config.au_noise)
        base = sample_nuisance(rng, config.nuisance)
        seq_dir = f"{subject}/{j:03d}"
        for d in (IMAGES_DIR, LANDMARKS_DIR) + ((EMOTION_DIR,) if labelled else ()):
            (root / d / seq_dir).mkdir(parents=True, exist_ok=True)
        label = CODE_OF[expression] if labelled else -1
        for frame, r in enumerate(ramp(n_frames), start=1):
            aus = {k: v * r for k, v in apex_aus.items()}
            nuisance = jitter_nuisance(base, rng, config.nuisance)
            image, landmarks = render_face(identity, aus, nuisance, config)
            stem = frame_name(subject, j, frame)
            image_path = f"{IMAGES_DIR}/{seq_dir}/{stem}.png"
            _write_png(root / image_path, image, config.png_compression)
            lines = "".join(
                f"{format_ckplus_number(x)}{format_ckplus_number(y)}\n" for x, y in landmarks
            )
            (root / LANDMARKS_DIR / seq_dir / f"{stem}_landmarks.txt").write_text(lines)
            totals = au_totals(aus)
            rows.append(
                [image_path, subject, j, frame, label, expression if labelled else "unlabelled"]
                + [expression, f"{r:.4f}"]
                + [f"{totals[au]:.4f}" for au in AUS]
                + [f"{v:.3f}" for v in landmarks.reshape(-1)]
                + [f"{nuisance.angle:.3f}", f"{nuisance.scale:.4f}"]
            )
        if labelled:
            stem = frame_name(subject, j, n_frames)
            text = format_ckplus_number(float(label)) + "\n"
            (root / EMOTION_DIR / seq_dir / f"{stem}_emotion.txt").write_text(text)
        info["sequences"][f"{j:03d}"] = {
            "expression": expression,
            "labelled": labelled,
            "frames": n_frames,
            "apex_aus": {str(k): round(float(v), 4) for k, v in apex_aus.items()},
            "nuisance": {"angle": round(base.angle, 3), "scale": round(base.scale, 4)},
        }
    return rows, info


#: The output folder of ``adfl-teach synth`` (marked; see :mod:`adfl_teach.data.output`).
SYNTH_FOLDER = OwnedFolder(
    "synth",
    frozenset(
        {IMAGES_DIR, EMOTION_DIR, LANDMARKS_DIR, "ground_truth.csv", "subjects.json", "synth.json"}
    ),
)


def generate_database(
    out,
    subjects: int | None = None,
    seed: int = 0,
    config: SynthConfig | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> Path:
    """Generate a CK+-like database into directory ``out`` and return its path.

    Args:
        out: target directory. Written atomically: everything goes to a marked sibling
            ``.OUT.partial-<pid>`` first, renamed to ``out`` at the end
            (:mod:`adfl_teach.data.output`).
        subjects: number of subjects; overrides ``config.subjects`` when given.
        seed: integer seed; same seed and knobs give byte-identical files.
        config: :class:`~adfl_teach.synth.config.SynthConfig` knobs (default: ``SynthConfig()``).
        progress: show a ``tqdm`` progress bar over subjects.
        overwrite: replace an ``out`` that an earlier ``generate_database`` made (its
            marker file proves it); a folder the tool did not make is never deleted
            (FileExistsError naming its files).

    Returns:
        The absolute path of the finished database. Its ``synth.json`` holds the counts
        (subjects, sequences, labelled sequences per class, frames).
    """
    config = config or SynthConfig()
    if subjects is not None:
        config = replace(config, subjects=subjects)  # re-validates
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    seed = int(seed)
    out = Path(out).resolve()
    with SYNTH_FOLDER.building(out, overwrite) as tmp:
        plan = plan_database(config.subjects, seed, config)
        jobs = [(i, plan[i], seed, config, str(tmp)) for i in range(config.subjects)]
        _write_tables(tmp, _render_all(jobs, config.workers, progress), seed, config)
    return out


def _render_all(jobs: list, workers: int, progress: bool) -> list:
    """Every subject's ``(rows, info)``, in subject order, from ``workers`` processes."""
    bar = progress_bar(total=len(jobs), desc="synth subjects", unit="subj", enabled=progress)
    workers = min(workers, os.cpu_count() or 1, len(jobs))
    results = []
    if workers > 1:
        # "spawn", never "fork": a process forked after OpenCV or OpenMP started their
        # thread pools (any notebook or test session that used cv2 or torch) can deadlock.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for result in pool.map(_render_subject, jobs):
                results.append(result)
                bar.update()
    else:
        for job in jobs:
            results.append(_render_subject(job))
            bar.update()
    bar.close()
    return results


def _write_tables(root: Path, results: list, seed: int, config: SynthConfig) -> None:
    """ground_truth.csv, subjects.json and synth.json (no timestamps: reproducible bytes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GROUND_TRUTH_COLUMNS)
    subjects = {}
    per_class = dict.fromkeys(EXPRESSIONS[1:], 0)
    n_sequences = n_labelled = n_frames = 0
    for index, (rows, info) in enumerate(results):
        writer.writerows(rows)
        subjects[subject_id(index)] = info
        n_frames += len(rows)
        for sequence in info["sequences"].values():
            n_sequences += 1
            if sequence["labelled"]:
                n_labelled += 1
                per_class[sequence["expression"]] += 1
    (root / "ground_truth.csv").write_text(buffer.getvalue())
    (root / "subjects.json").write_text(json.dumps(subjects, indent=1) + "\n")
    meta = {
        "generator": "adfl_teach.synth",
        "version": GENERATOR_VERSION,
        "seed": seed,
        # ``workers`` changes nothing in the files, so it is not recorded (byte-identical output).
        "config": {k: v for k, v in config.to_json().items() if k != "workers"},
        "counts": {
            "subjects": len(results),
            "sequences": n_sequences,
            "labelled_sequences": n_labelled,
            "unlabelled_sequences": n_sequences - n_labelled,
            "frames": n_frames,
            "per_class": per_class,
        },
        "label_codes": {name: code for code, name in enumerate(EXPRESSIONS)},
    }
    (root / "synth.json").write_text(json.dumps(meta, indent=2) + "\n")
