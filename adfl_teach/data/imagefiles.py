"""Reading and writing image and video files under any file name.

OpenCV converts a ``str`` path to UTF-8 in C++; a name that is not valid UTF-8 (on Linux a
file name is bytes, which Python carries as lone surrogates, e.g. ``'syn_\\udcff'``) crashes
the process with a segmentation fault inside ``cv2.imread``/``cv2.imwrite``/
``cv2.VideoCapture`` instead of raising. So here Python does the file input and output and
OpenCV only decodes and encodes bytes (``cv2.imdecode``/``cv2.imencode``); a video, which
OpenCV can only open by name, is opened through a temporary link with an ASCII name when its
own name is not UTF-8. :func:`printable` writes such a name for people: each undecodable
byte as ``\\xff`` (what ``ls -b`` shows), never a crash on printing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from adfl_teach.data.errors import DatasetError


def printable(text) -> str:
    """``text`` (a path or message) with every undecodable file-name byte as ``\\xNN``."""
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def is_utf8(text) -> bool:
    """Whether ``text`` (a path or name) is valid UTF-8, i.e. holds no undecodable bytes."""
    try:
        str(text).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_image_bytes(data: bytes, path) -> np.ndarray:
    """The bytes of an image file as ``(H, W, 3)`` uint8 **BGR** (OpenCV's order; grayscale
    becomes 3 channels, 16 bit becomes 8 bit). Raises
    :class:`~adfl_teach.data.errors.DatasetError` naming ``path`` when they do not decode."""
    image = None
    if data:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise DatasetError(f"{path}: unreadable image (not a PNG/JPEG OpenCV can decode)")
    return image


def read_image_bgr(path: str | Path) -> np.ndarray:
    """An image file as ``(H, W, 3)`` uint8 BGR, read by Python and decoded by OpenCV.

    Raises :class:`~adfl_teach.data.errors.DatasetError` naming the file when it is
    missing, cannot be read or does not decode."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: image file is missing")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot read image ({err.strerror})") from None
    return decode_image_bytes(data, path)


def write_png(path: str | Path, image_rgb: np.ndarray) -> None:
    """Write ``(H, W, 3)`` uint8 RGB as a PNG, encoded by OpenCV, written by Python."""
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(np.asarray(image_rgb)[:, :, ::-1]))
    if not ok:
        raise OSError(f"{path}: OpenCV could not encode the image as PNG")
    Path(path).write_bytes(encoded.tobytes())


@contextlib.contextmanager
def opencv_name(path: str | Path) -> Iterator[str]:
    """A name under which OpenCV can open ``path``: the path itself when it is UTF-8, else a
    temporary symbolic link with an ASCII name (removed on exit)."""
    path = Path(path)
    if is_utf8(path):
        yield str(path)
        return
    with tempfile.TemporaryDirectory(prefix="adfl-teach-") as folder:
        link = Path(folder) / f"file{path.suffix.encode('ascii', 'replace').decode()}"
        try:
            os.symlink(os.fsencode(path.resolve()), os.fsencode(link))
        except OSError as err:
            raise DatasetError(
                f"{path}: OpenCV cannot open a file whose name is not UTF-8, and a link "
                f"with a plain name could not be made ({err.strerror}); rename the file"
            ) from None
        yield str(link)
