"""CK+ (Lucey et al. 2010), sec. 3.2: labelled sequences; last 3 frames + first frame as neutral.

Native layout (the user's own copy; CK+ is licensed and never downloaded here)::

    SRC/cohn-kanade-images/S005/001/S005_001_00000001.png ... S005_001_00000011.png
    SRC/Emotion/S005/001/S005_001_00000011_emotion.txt      one float, e.g. "   3.0000000e+00"
    SRC/Landmarks/S005/001/S005_001_00000001_landmarks.txt  optional, 68 lines "x y"

(The official zips unpack to ``cohn-kanade-images/``, ``Emotion/`` and ``Landmarks/``; put the
three folders side by side in ``SRC``.)

Selection, following the paper (and DeRL [10]) and docs/implementation-notes.md ("Protocols"):

- only *labelled* sequences, i.e. those with an Emotion file (327 of 593 in CK+);
- the last three frames up to the labelled frame (the Emotion file names the last frame,
  the peak) get the sequence label; the first frame gets neutral (label 0);
- labels: the Emotion code ``c`` in 1..7 is class index ``c`` of :data:`CLASSES`
  (1 anger, 2 contempt, 3 disgust, 4 fear, 5 happiness, 6 sadness, 7 surprise); code 0
  (neutral) is not a sequence label and is rejected.

Subjects without any labelled sequence are left out and reported (``dataset.json``
``excluded``): real CK+ has such subjects (the 327 labelled sequences come from 118 of the 123
subjects), so this cannot be an error. Malformed input is an error naming the file: an Emotion
file that is not a single number in 1..7, two Emotion files for one sequence, an Emotion file
whose name gives no frame number or names another sequence than its folder, an Emotion file
whose frame has no image, a gap in the frame numbers, a sequence shorter than 4 frames (the neutral frame would also be
one of the last three).
"""

from __future__ import annotations

import re
from pathlib import Path

from adfl_teach.classes import CKPLUS_CLASSES
from adfl_teach.data.prepared import DatasetError
from adfl_teach.data.protocols.base import (
    Collection,
    Protocol,
    Sample,
    frame_number,
    list_dirs,
    list_images,
    parse_label_code,
)

#: The CK+ classes; the Emotion code is the class index (neutral = 0).
CLASSES = CKPLUS_CLASSES
PEAK_FRAMES = 3  # "the last three frames with provided label", sec. 3.2


#: The pattern of an Emotion file's name (subject, sequence, the labelled peak frame).
EMOTION_NAME = re.compile(r"^(?P<subject>.+)_(?P<sequence>[^_]+)_(?P<frame>\d+)_emotion\.txt$")


def emotion_files(label_dir: Path) -> list[Path]:
    """The Emotion files of one sequence folder: every file whose name ends in
    ``emotion.txt`` (any case), so that a misnamed one is refused by :func:`labelled_frame`
    instead of leaving its sequence silently unlabelled."""
    if not label_dir.is_dir():
        return []
    return sorted(
        p for p in label_dir.iterdir() if p.is_file() and p.name.lower().endswith("emotion.txt")
    )


def labelled_frame(path: Path, subject: str, sequence: str) -> int:
    """The frame number an Emotion file labels, from its name
    ``<subject>_<sequence>_<frame>_emotion.txt`` (``S005_001_00000011_emotion.txt`` -> 11).

    The name is the only place CK+ says which frame is the peak, so a name without a frame
    number (``emotion.txt``) or one naming another subject or sequence than the folder it
    lies in (a file copied from another sequence) raises
    :class:`~adfl_teach.data.prepared.DatasetError` instead of being guessed."""
    expected = f"{subject}_{sequence}_<frame>_emotion.txt, e.g. {subject}_{sequence}_00000011"
    match = EMOTION_NAME.match(path.name)
    if match is None:
        raise DatasetError(
            f"{path}: Emotion file name names no frame; expected {expected}_emotion.txt "
            "(the name says which frame is the labelled peak)"
        )
    named = f"{match['subject']}/{match['sequence']}"
    if named.casefold() != f"{subject}/{sequence}".casefold():  # case: data.identity's part
        raise DatasetError(
            f"{path}: the Emotion file names sequence {named}, but lies in the folder of "
            f"{subject}/{sequence} (copied from another sequence?); expected {expected}"
            "_emotion.txt"
        )
    return int(match["frame"])


def read_emotion_file(path: Path) -> int:
    """The label of a CK+ Emotion file: one number, an integer in 1..7 (e.g. ``3.0000000e+00``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: cannot read Emotion file ({err})") from err
    tokens = text.split()
    if len(tokens) != 1:
        raise DatasetError(
            f"{path}: malformed Emotion file: expected one number like '3.0000000e+00', "
            f"found {len(tokens)} fields"
        )
    meaning = (
        "CK+ sequence labels are integers 1..7 (1 anger, 2 contempt, 3 disgust, 4 fear, "
        "5 happy, 6 sadness, 7 surprise)"
    )
    return parse_label_code(tokens[0], path, range(1, 8), meaning)


class CKPlus(Protocol):
    name = "ckplus"
    title = "CK+"
    classes = CLASSES
    layout = (
        "SRC/cohn-kanade-images/S005/001/S005_001_00000001.png and "
        "SRC/Emotion/S005/001/S005_001_00000011_emotion.txt (optional SRC/Landmarks/...)"
    )
    help = "CK+: SRC/cohn-kanade-images/S005/001/*.png + SRC/Emotion/... (+ SRC/Landmarks/...)"
    obtain = (
        "Where to get it: CK+ (Lucey et al., CVPR Workshops 2010) is distributed by its "
        "authors (the Affect Analysis Group, University of Pittsburgh) to researchers who sign "
        "its licence agreement. This project never ships or downloads it: request it yourself "
        "and point --src at your copy, with cohn-kanade-images/, Emotion/ and (optional) "
        "Landmarks/ side by side."
    )
    table2_column = 0
    data_script = "prepare_ckplus.py"

    def find_root(self, src: str | Path) -> Path:
        src = self.source_dir(src)
        missing = [d for d in ("cohn-kanade-images", "Emotion") if not (src / d).is_dir()]
        if missing:
            raise self.unknown_layout(src, f"no {' or '.join(d + '/' for d in missing)}")
        return src

    def default_detector(self, root: Path) -> str:
        """``landmarks`` when ``Landmarks/`` ships with the copy (exact, fast), else MTCNN."""
        return "landmarks" if (Path(root) / "Landmarks").is_dir() else "mtcnn"

    def collect(self, root: Path, sequences: list[str] | None = None) -> Collection:
        images_dir, emotion_dir = root / "cohn-kanade-images", root / "Emotion"
        wanted = set(sequences) if sequences else None
        samples: list[Sample] = []
        excluded: list[dict] = []
        self._check_orphan_labels(images_dir, emotion_dir)
        for subject_dir in list_dirs(images_dir):
            subject = subject_dir.name
            labelled = 0
            for seq_dir in list_dirs(subject_dir):
                seq_id = f"{subject}/{seq_dir.name}"
                if wanted is not None and seq_id not in wanted and seq_dir.name not in wanted:
                    excluded.append({"item": seq_id, "reason": "not in the sequence list"})
                    continue
                label_dir = emotion_dir / subject / seq_dir.name
                label_files = emotion_files(label_dir)
                if not label_files:
                    excluded.append({"item": seq_id, "reason": "unlabelled (no Emotion file)"})
                    continue
                if len(label_files) > 1:
                    raise DatasetError(
                        f"{label_dir}: {len(label_files)} Emotion files for one sequence "
                        f"({', '.join(p.name for p in label_files)})"
                    )
                samples += self._select(seq_dir, label_files[0], subject)
                labelled += 1
            if labelled == 0:
                excluded.append({"item": subject, "reason": "subject has no labelled sequence"})
        return Collection(root=root, samples=samples, excluded=excluded)

    def _select(self, seq_dir: Path, label_file: Path, subject: str) -> list[Sample]:
        peak_number = labelled_frame(label_file, subject, seq_dir.name)
        label = read_emotion_file(label_file)
        frames = list_images(seq_dir)
        numbers = [frame_number(p) for p in frames]
        if peak_number not in numbers:
            raise DatasetError(
                f"{label_file}: labels frame {peak_number}, but {seq_dir} has no image with "
                "that frame number (missing image?)"
            )
        peak = numbers.index(peak_number)
        for position in range(1, peak + 1):  # CK+ numbers frames 1, 2, 3, ... without gaps
            if numbers[position] != numbers[position - 1] + 1:
                missing = frames[position].name.replace(
                    f"{numbers[position]:08d}", f"{numbers[position - 1] + 1:08d}"
                )
                raise DatasetError(f"{seq_dir / missing}: image file is missing (gap in frames)")
        if peak < PEAK_FRAMES:
            raise DatasetError(
                f"{seq_dir}: {peak + 1} frames up to the labelled one; CK+ selection needs at "
                f"least {PEAK_FRAMES + 1} (first frame neutral + last {PEAK_FRAMES})"
            )
        chosen = [(0, 0)] + [(p, label) for p in range(peak - PEAK_FRAMES + 1, peak + 1)]
        return [
            Sample(
                source=frames[p],
                subject=subject,
                sequence=seq_dir.name,
                frame=p,
                label=lab,
                name=frames[p].stem,
            )
            for p, lab in chosen
        ]

    @staticmethod
    def _check_orphan_labels(images_dir: Path, emotion_dir: Path) -> None:
        """An Emotion file for a sequence without an image folder is a broken copy."""
        for label_file in emotion_dir.glob("*/*/*_emotion.txt"):
            seq = label_file.parent
            if not (images_dir / seq.parent.name / seq.name).is_dir():
                raise DatasetError(
                    f"{label_file}: no image folder "
                    f"{images_dir / seq.parent.name / seq.name} for this label"
                )
