"""Names in the native CK+ layout, as the synthetic database writes them (see
:mod:`adfl_teach.synth.database` for the whole layout)."""

from __future__ import annotations

from .aus import AUS

IMAGES_DIR = "cohn-kanade-images"
EMOTION_DIR = "Emotion"
LANDMARKS_DIR = "Landmarks"
GROUND_TRUTH_COLUMNS = (
    ["path", "subject", "sequence", "frame", "label", "label_name", "expression", "ramp"]
    + [f"AU{au}" for au in AUS]
    + [f"{axis}{i}" for i in range(5) for axis in ("lx", "ly")]
    + ["angle", "scale"]
)


def subject_id(index: int) -> str:
    """CK+ subject id of subject ``index`` (0-based): ``S001``, ``S002``, ..."""
    return f"S{index + 1:03d}"


def frame_name(subject: str, sequence: int, frame: int) -> str:
    """CK+ file stem, e.g. ``S005_001_00000001`` (frames numbered from 1)."""
    return f"{subject}_{sequence:03d}_{frame:08d}"


def format_ckplus_number(value: float) -> str:
    """A number as CK+ writes it: three spaces and 7-digit scientific notation."""
    return f"   {value:.7e}"
