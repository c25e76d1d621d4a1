"""What every protocol module shares: the :class:`Protocol` base class, the :class:`Sample`
it selects, and the readers of frames, label codes and sequence lists.

A protocol (sec. 3.2) answers two questions about a database in its native layout: *where*
is it (:meth:`Protocol.find_root`, which fails with a message saying what layout was expected)
and *which frames* with *which labels* (:meth:`Protocol.collect`). Its class also carries what
the rest of the project shows about it: the ``--help`` line, the Table 2 column and the data
script. Detection, alignment and writing are the same for every database
(:mod:`adfl_teach.data.prepare`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from adfl_teach.data.imagefiles import opencv_name, read_image_bgr
from adfl_teach.data.prepared import DatasetError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".avi", ".mp4", ".mov", ".wmv", ".mpg", ".mpeg")


@dataclass
class Sample:
    """One selected frame.

    Attributes:
        source: the image file, or the video file when ``video_frame`` is set.
        subject: database ID of the subject.
        sequence: database ID of the sequence.
        frame: 0-based position in the sequence.
        label: class index (neutral = 0).
        name: stem of the aligned PNG written for it.
        video_frame: index of the frame in the video ``source``; None for an image file.
    """

    source: Path
    subject: str
    sequence: str
    frame: int
    label: int
    name: str
    video_frame: int | None = None

    @property
    def key(self) -> str:
        """How the sample is named in errors, reports and the landmarks lookup."""
        if self.video_frame is None:
            return str(self.source)
        return f"{self.source}#frame={self.video_frame}"

    def read(self) -> np.ndarray:
        """The frame as ``(H, W, 3)`` uint8 RGB (grayscale images become 3-channel)."""
        if self.video_frame is not None:
            return read_video_frame(self.source, self.video_frame)
        return read_image(self.source)


@dataclass
class Collection:
    """The result of :meth:`Protocol.collect`: samples plus what was left out and why."""

    root: Path
    samples: list[Sample]
    excluded: list[dict] = field(default_factory=list)  # {"item": ..., "reason": ...}


class Protocol:
    """Base class; a subclass sets the attributes below and implements the two methods.

    Attributes:
        name: the command-line name (``adfl-teach prepare NAME``).
        title: the database's usual name (error messages, result tables).
        classes: class names, index 0 = ``neutral``.
        layout: one line: the native layout expected under ``--src`` (errors).
        help: one line for ``adfl-teach prepare --help``.
        obtain: where the database comes from (the data script's ``--help``).
        table2_column: the database's column in the paper's Table 2
            (:data:`adfl_teach.experiments.summary.TABLE_2`), or None for a database the paper did not use.
        data_script: the wrapper's file name in ``data_scripts/``, or None for none.
    """

    name: str = ""
    title: str = ""
    classes: tuple[str, ...] = ()
    layout: str = ""
    help: str = ""
    obtain: str = ""
    table2_column: int | None = None
    data_script: str | None = None

    def find_root(self, src: str | Path) -> Path:
        """The database root inside ``src``; fails with a message saying what layout was
        expected."""
        raise NotImplementedError

    def collect(self, root: Path, sequences: list[str] | None = None) -> Collection:
        """The selected frames and their labels (only the listed ``sequences`` if given)."""
        raise NotImplementedError

    def default_detector(self, root: Path) -> str:
        """The paper's detector, MTCNN (sec. 3.1); CK+ overrides it when landmarks ship."""
        return "mtcnn"

    @staticmethod
    def source_dir(src: str | Path) -> Path:
        """``src`` as a Path; a clear error when it is not an existing directory."""
        src = Path(src)
        if not src.is_dir():
            raise DatasetError(f"{src}: source directory does not exist")
        return src

    def unknown_layout(self, src: Path, detail: str = "") -> DatasetError:
        extra = f" ({detail})" if detail else ""
        return DatasetError(
            f"{src}: does not look like {self.title}{extra}; expected {self.layout}"
        )


def natural_key(text: str) -> tuple:
    """Sort key comparing digit runs as numbers: ``frame2 < frame10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.lower()))


def frame_number(path: Path) -> int | None:
    """The last digit run of a file stem (``S005_001_00000011`` -> 11), or None."""
    runs = re.findall(r"\d+", path.stem)
    return int(runs[-1]) if runs else None


def list_images(folder: Path) -> list[Path]:
    """Image files of a folder in frame order (natural sort of the names)."""
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    ]
    return sorted(files, key=lambda p: (natural_key(p.name), p.name))


def list_dirs(folder: Path) -> list[Path]:
    """Sub-folders (hidden ones skipped) in natural order (``S002`` before ``s002``: names
    equal up to case are ordered by the names themselves, not by the file system)."""
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: (natural_key(p.name), p.name),
    )


def read_image(path: Path) -> np.ndarray:
    """An image file as ``(H, W, 3)`` uint8 RGB (grayscale -> 3 channels, 16 bit -> 8 bit).

    Python reads the bytes and OpenCV decodes them (:mod:`adfl_teach.data.imagefiles`), so
    a file name that is not UTF-8 is read like any other. Raises
    :class:`~adfl_teach.data.prepared.DatasetError` naming the file.
    """
    return np.ascontiguousarray(read_image_bgr(path)[:, :, ::-1])


def count_video_frames(path: Path) -> int:
    """Number of decodable frames (counted by decoding: container metadata is unreliable)."""
    with opencv_name(path) as name:
        capture = cv2.VideoCapture(name)
        if not capture.isOpened():
            raise DatasetError(f"{path}: unreadable video (OpenCV cannot open it)")
        count = 0
        while capture.grab():
            count += 1
        capture.release()
    return count


def read_video_frame(path: Path, index: int) -> np.ndarray:
    """Frame ``index`` (0-based) of a video as ``(H, W, 3)`` uint8 RGB, decoding sequentially."""
    with opencv_name(path) as name:
        capture = cv2.VideoCapture(name)
        if not capture.isOpened():
            raise DatasetError(f"{path}: unreadable video (OpenCV cannot open it)")
        try:
            for _ in range(index):
                if not capture.grab():
                    raise DatasetError(f"{path}: video ends before frame {index}")
            ok, frame = capture.read()
        finally:
            capture.release()
    if not ok or frame is None:
        raise DatasetError(f"{path}: cannot decode frame {index}")
    return np.ascontiguousarray(frame[:, :, ::-1])


def safe_name(text: str) -> str:
    """An ID usable as a folder name (anything but letters, digits, ``-_.`` becomes ``_``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", str(text).strip())
    return cleaned.strip(".") or "_"


def parse_label_code(text: str, path: Path, codes, meaning: str) -> int:
    """A label code written as a number (``"3"``, ``"3.0000000e+00"``) -> the int in ``codes``.

    ``inf``, ``1e400``, ``nan``, fractions and codes outside ``codes`` raise
    :class:`~adfl_teach.data.prepared.DatasetError` naming ``path``; ``meaning`` lists the
    valid codes for the message.
    """
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(f"{path}: label {text!r} is not a number ({meaning})") from None
    if not math.isfinite(value) or value != int(value) or int(value) not in codes:
        raise DatasetError(f"{path}: label code {text} out of range: {meaning}")
    return int(value)


def read_sequence_list(path: str | Path) -> list[str]:
    """Sequence ids from a text file, one per line; ``#`` starts a comment."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: cannot read the sequence list ({err})") from err
    ids = [line.split("#", 1)[0].strip() for line in lines]
    ids = [i for i in ids if i]
    if not ids:
        raise DatasetError(f"{path}: the sequence list is empty")
    return ids
