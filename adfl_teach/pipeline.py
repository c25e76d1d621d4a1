"""End-to-end steps shared by the main job, the notebooks and the benchmarks.

``synthetic_dataset`` makes (or reuses) the synthetic database and its prepared form;
``main_job`` adds the cross-validation of ADFL and the baseline and returns the table.
Every step checks for a finished result first, so reruns continue instead of repeating.
"""

from __future__ import annotations

from pathlib import Path

from adfl_teach.config import Config


def synthetic_dataset(
    root: str | Path, subjects: int = 120, seed: int = 0, progress: bool = True
) -> Path:
    """Generate ``ROOT/synthetic`` (CK+ layout) and prepare it into ``ROOT/prepared`` (CK+
    protocol, ground-truth landmarks). Returns the prepared directory. Both steps are
    skipped when their output is complete (both are written atomically, so a directory that
    exists is complete). A database of another size or seed is an error, not silently reused.
    """
    import json

    from adfl_teach.data.prepare import prepare
    from adfl_teach.synth import generate_database

    root = Path(root)
    raw, prepared = root / "synthetic", root / "prepared"
    if raw.exists():
        info = json.loads((raw / "synth.json").read_text())
        made = (info.get("config", {}).get("subjects"), info.get("seed"))
        if made != (subjects, seed):
            raise ValueError(
                f"{raw} holds a synthetic database with (subjects, seed) = {made}, not "
                f"{(subjects, seed)}: choose another output directory or delete it"
            )
    else:
        generate_database(raw, subjects=subjects, seed=seed, progress=progress)
    if not (prepared / "dataset.json").exists():
        prepare("ckplus", raw, prepared, detector="landmarks", progress=progress)
    return prepared


def main_job(
    out: str | Path,
    config: Config,
    subjects: int | None = None,
    folds: list[int] | None = None,
    synth_seed: int = 0,
    progress: bool = True,
) -> str:
    """Synthetic database -> CK+ protocol -> 10-fold CV of ADFL and baseline -> table."""
    from adfl_teach.cv import cross_validate
    from adfl_teach.summary import format_summary, summarize

    out = Path(out)
    prepared = synthetic_dataset(
        out, subjects or config.data.synth_subjects, synth_seed, progress=progress
    )
    cross_validate(prepared, out / "cv", config, ("adfl", "baseline"), folds, progress=progress)
    return format_summary(summarize(out / "cv"))
