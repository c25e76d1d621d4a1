"""MMI (Pantic et al. 2005; Valstar & Pantic 2010), sec. 3.2: the 3 middle frames + the first
frame as neutral, front-view sequences only.

The paper: "236 sequences from 32 subjects with six basic expressions. We selected 209
sequences captured in front view. We selected three frames in the middle of each sequence
with provided label and the first frame as neutral". MMI sequences run neutral -> apex ->
neutral (onset-apex-offset), so the middle frames are near the apex.

Supported layout (an assumption: MMI is licensed, so this code was written without access to
a copy; it follows the "Sessions" download as documented, and is deliberately tolerant)::

    SRC/Sessions/<session id>/session.xml        (or <session id>.xml)
    SRC/Sessions/<session id>/frames/*.png|jpg   extracted frames, in name order, or
    SRC/Sessions/<session id>/*.png|jpg          frames directly in the session folder, or
    SRC/Sessions/<session id>/*.avi              a video, decoded with cv2.VideoCapture

``SRC`` may also be the ``Sessions`` folder itself. The session XML must give

- the subject: an attribute named ``Subject``, ``SubjectId``, ``subject_id`` (any case) on any
  element, or a ``<subject id="..."/>`` element, or ``<Metatag Name="Subject" Value="..."/>``;
- the emotion: an attribute ``Emotion="k"`` on any element, or
  ``<Metatag Name="Emotion" Value="k"/>``, with the MMI codes k = 1 anger, 2 disgust, 3 fear,
  4 happiness, 5 sadness, 6 surprise. Sessions without an emotion (MMI's many AU-only
  sessions) are left out and reported.

Front view: MMI has no front/profile field we can rely on, so the selection of the paper's
209 front-view sequences comes from a list the user passes (``--sequences FILE``: one session
id per line, ``#`` comments allowed). Without the list every emotion-labelled session is used.

Middle frames: for a sequence of ``n`` frames (positions 0..n-1) the centre is
``c = (n - 1) // 2`` (the lower middle when n is even) and the three frames ``c-1, c, c+1``
get the label; frame 0 is neutral. Sequences shorter than 5 frames are an error (the neutral
frame would be one of the middle three).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from adfl_teach.classes import BASIC_CLASSES
from adfl_teach.data.prepared import DatasetError
from adfl_teach.data.protocols.base import (
    VIDEO_SUFFIXES,
    Collection,
    Protocol,
    Sample,
    count_video_frames,
    list_dirs,
    list_images,
    parse_label_code,
    safe_name,
)

CLASSES = BASIC_CLASSES
#: MMI emotion code -> class index of CLASSES (1 anger ... 6 surprise; identical numbering).
MMI_CODES = {code: code for code in range(1, 7)}
MIDDLE_FRAMES = 3
_SUBJECT_KEYS = ("subject", "subjectid", "subject_id", "subjectname")


def session_xml(session_dir: Path) -> Path | None:
    """The metadata file of a session folder, or None."""
    for name in ("session.xml", f"{session_dir.name}.xml"):
        if (session_dir / name).is_file():
            return session_dir / name
    return None


def read_session_xml(path: Path) -> tuple[str, int | None]:
    """``(subject, emotion code or None)`` from an MMI session XML (forms: module docstring)."""
    try:
        tree = ET.parse(path)
    except (ET.ParseError, OSError) as err:
        raise DatasetError(f"{path}: malformed session XML ({err})") from err
    subject = emotion = None
    for element in tree.iter():
        attrs = {k.lower(): v for k, v in element.attrib.items()}
        tag = element.tag.lower().rsplit("}", 1)[-1]
        if tag == "metatag" and "name" in attrs and "value" in attrs:
            key = attrs["name"].strip().lower()
            if key == "emotion" and emotion is None:
                emotion = attrs["value"]
            if key in _SUBJECT_KEYS and subject is None:
                subject = attrs["value"]
            continue
        if tag == "subject" and "id" in attrs and subject is None:
            subject = attrs["id"]
        for key in _SUBJECT_KEYS:
            if key in attrs and subject is None:
                subject = attrs[key]
        if "emotion" in attrs and emotion is None:
            emotion = attrs["emotion"]
    if subject is None or not str(subject).strip():
        raise DatasetError(f"{path}: no subject id (expected a Subject attribute or element)")
    if emotion is None or not str(emotion).strip():
        return str(subject).strip(), None
    meaning = "MMI Emotion codes are 1 anger, 2 disgust, 3 fear, 4 happiness, 5 sadness, 6 surprise"
    return str(subject).strip(), parse_label_code(emotion.strip(), path, MMI_CODES, meaning)


class MMI(Protocol):
    name = "mmi"
    title = "MMI"
    classes = CLASSES
    layout = (
        "SRC/Sessions/<session>/session.xml with frames in SRC/Sessions/<session>/frames/ "
        "(or images or an .avi video in the session folder)"
    )
    help = "MMI: SRC/Sessions/<session>/session.xml + frames/ (or images, or an .avi)"
    obtain = (
        "Where to get it: the MMI Facial Expression Database (Pantic et al., ICME 2005; Valstar "
        "& Pantic 2010) is distributed through its website (mmifacedb.eu) to registered "
        "researchers who accept its end-user licence. This project never ships or downloads "
        'it: point --src at your copy of the "Sessions" download. The supported layout was '
        "written without access to MMI, so check the printed counts against your copy. The "
        "paper used 209 front-view sequences of the 236 labelled with the six basic "
        "expressions; pass their session ids with --sequences FILE (one per line)."
    )
    table2_column = 1
    data_script = "prepare_mmi.py"

    def find_root(self, src: str | Path) -> Path:
        src = self.source_dir(src)
        for candidate in (src / "Sessions", src):
            if candidate.is_dir() and any(session_xml(d) for d in list_dirs(candidate)):
                return candidate
        raise self.unknown_layout(src, "no session folders with a session.xml found")

    def collect(self, root: Path, sequences: list[str] | None = None) -> Collection:
        sessions = [d for d in list_dirs(root) if session_xml(d)]
        wanted = list(dict.fromkeys(sequences)) if sequences else None
        if wanted is not None:
            names = {d.name for d in sessions}
            unknown = [s for s in wanted if s not in names]
            if unknown:
                raise DatasetError(
                    f"sequence list names sessions not found in {root}: {', '.join(unknown[:10])}"
                )
        samples: list[Sample] = []
        excluded: list[dict] = []
        labelled_subjects: set[str] = set()
        all_subjects: set[str] = set()
        for session_dir in sessions:
            xml = session_xml(session_dir)
            subject, code = read_session_xml(xml)
            all_subjects.add(subject)
            if wanted is not None and session_dir.name not in wanted:
                excluded.append({"item": session_dir.name, "reason": "not in the sequence list"})
                continue
            if code is None:
                if wanted is not None:
                    raise DatasetError(
                        f"{xml}: session {session_dir.name} is in the sequence list but has no "
                        "emotion label"
                    )
                excluded.append({"item": session_dir.name, "reason": "no emotion label"})
                continue
            samples += self._select(session_dir, subject, MMI_CODES[code])
            labelled_subjects.add(subject)
        for subject in sorted(all_subjects - labelled_subjects):
            excluded.append({"item": subject, "reason": "subject has no selected labelled session"})
        return Collection(root=root, samples=samples, excluded=excluded)

    def _select(self, session_dir: Path, subject: str, label: int) -> list[Sample]:
        frames_dir = session_dir / "frames"
        frames = list_images(frames_dir) if frames_dir.is_dir() else list_images(session_dir)
        video = None
        if frames:
            n = len(frames)
        else:
            videos = sorted(p for p in session_dir.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
            if not videos:
                raise DatasetError(
                    f"{session_dir}: no frames (frames/*.png|jpg or images) and no video (.avi)"
                )
            video = videos[0]
            n = count_video_frames(video)
        if n < MIDDLE_FRAMES + 2:
            raise DatasetError(
                f"{session_dir}: {n} frames; the MMI selection needs at least "
                f"{MIDDLE_FRAMES + 2} (first frame neutral + {MIDDLE_FRAMES} middle frames)"
            )
        centre = (n - 1) // 2
        chosen = [(0, 0)] + [(p, label) for p in range(centre - 1, centre + 2)]
        subject_id = safe_name(subject)
        if video is None:
            return [
                Sample(frames[p], subject_id, session_dir.name, p, lab, frames[p].stem)
                for p, lab in chosen
            ]
        return [
            Sample(video, subject_id, session_dir.name, p, lab, f"frame{p:05d}", video_frame=p)
            for p, lab in chosen
        ]
