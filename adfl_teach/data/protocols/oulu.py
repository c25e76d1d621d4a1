"""Oulu-CASIA (Zhao et al. 2011), sec. 3.2: VIS camera, strong illumination; last 3 frames +
first frame as neutral.

Native layout (the user's own copy; Oulu-CASIA is licensed and never downloaded here)::

    SRC/VL/Strong/P001/Anger/000.jpeg, 001.jpeg, ...

``--src`` may point at the Oulu root (containing ``VL/Strong`` or ``OriginalImg/VL/Strong``),
at ``VL``, or at the ``Strong`` folder itself. The paper uses "the Oulu-CASIA VIS database
under strong illumination condition ... 480 image sequences from 80 subjects labeled with six
basic expressions"; each subject has one sequence per expression, whose folder name is the
label (Anger, Disgust, Fear, Happiness, Sadness, Surprise; case is ignored).

Selection ("similar to the CK+ database", sec. 3.2): the last three frames of each sequence
with its label, the first frame as neutral (label 0). Classes: neutral + the six basic
expressions. Errors name the folder: an unknown expression folder, a subject folder without
any expression sequence (every Oulu subject has six), a sequence shorter than 4 frames.
"""

from __future__ import annotations

from pathlib import Path

from adfl_teach.classes import BASIC_CLASSES, BASIC_SIX
from adfl_teach.data.prepared import DatasetError
from adfl_teach.data.protocols.base import (
    Collection,
    Protocol,
    Sample,
    list_dirs,
    list_images,
)

CLASSES = BASIC_CLASSES
PEAK_FRAMES = 3


class OuluCASIA(Protocol):
    name = "oulu"
    title = "Oulu-CASIA"
    classes = CLASSES
    layout = "SRC/VL/Strong/P001/Anger/000.jpeg (or SRC/OriginalImg/VL/Strong/..., or SRC = Strong)"
    help = "Oulu-CASIA VIS strong: SRC/VL/Strong/P001/Anger/000.jpeg (or SRC = Strong)"
    obtain = (
        "Where to get it: Oulu-CASIA NIR&VIS (Zhao et al., Image and Vision Computing 2011) is "
        "distributed by the University of Oulu (Center for Machine Vision and Signal Analysis) "
        "to researchers who sign its licence agreement. This project never ships or downloads "
        "it: point --src at your copy (the folder holding VL/Strong or OriginalImg/VL/Strong, "
        "or the Strong folder itself). The paper uses the VIS camera under strong illumination."
    )
    table2_column = 2
    data_script = "prepare_oulu.py"

    def find_root(self, src: str | Path) -> Path:
        src = self.source_dir(src)
        for candidate in (
            src / "VL" / "Strong",
            src / "OriginalImg" / "VL" / "Strong",
            src / "Strong",
            src,
        ):
            if candidate.is_dir() and self._looks_like_strong(candidate):
                return candidate
        raise self.unknown_layout(src, "no subject folders with expression sub-folders found")

    @staticmethod
    def _looks_like_strong(folder: Path) -> bool:
        for subject in list_dirs(folder):
            if any(d.name.lower() in BASIC_SIX for d in list_dirs(subject)):
                return True
        return False

    def collect(self, root: Path, sequences: list[str] | None = None) -> Collection:
        wanted = set(sequences) if sequences else None
        samples: list[Sample] = []
        excluded: list[dict] = []
        for subject_dir in list_dirs(root):
            subject = subject_dir.name
            expression_dirs = list_dirs(subject_dir)
            if not expression_dirs:
                raise DatasetError(
                    f"{subject_dir}: subject {subject} has no labelled sequence (expected "
                    f"expression folders {', '.join(n.capitalize() for n in BASIC_SIX)})"
                )
            for seq_dir in expression_dirs:
                name = seq_dir.name.lower()
                if name not in BASIC_SIX:
                    raise DatasetError(
                        f"{seq_dir}: unknown expression folder {seq_dir.name!r}; expected one "
                        f"of {', '.join(n.capitalize() for n in BASIC_SIX)}"
                    )
                seq_id = f"{subject}/{seq_dir.name}"
                if wanted is not None and seq_id not in wanted:
                    excluded.append({"item": seq_id, "reason": "not in the sequence list"})
                    continue
                samples += self._select(seq_dir, subject, CLASSES.index(name))
        return Collection(root=root, samples=samples, excluded=excluded)

    def _select(self, seq_dir: Path, subject: str, label: int) -> list[Sample]:
        frames = list_images(seq_dir)
        if len(frames) < PEAK_FRAMES + 1:
            raise DatasetError(
                f"{seq_dir}: {len(frames)} frames; the Oulu-CASIA selection needs at least "
                f"{PEAK_FRAMES + 1} (first frame neutral + last {PEAK_FRAMES})"
            )
        n = len(frames)
        chosen = [(0, 0)] + [(p, label) for p in range(n - PEAK_FRAMES, n)]
        return [
            Sample(frames[p], subject, seq_dir.name, p, lab, frames[p].stem) for p, lab in chosen
        ]
