"""The image cache of a prepared dataset: every aligned PNG decoded once, kept in one array.

``DIR/cache/images_<H>x<W>_<hash>.npy`` holds all images as uint8 ``(N, 3, H, W)``, resized
(``cv2.INTER_AREA``) to one canvas, so the ~5k PNGs of CK+ are decoded once, not every run.
``<hash>`` is the start of :func:`content_hash`, which covers ``manifest.csv``,
``dataset.json`` (without where and when it was prepared) and the bytes of every listed
image: editing the manifest or a single PNG on disk makes the old cache unused (and it is
replaced). The cache is written to a temporary file with ordinary permissions and renamed,
so an interrupted build never leaves a broken cache. Only files of the cache's own name pattern are ever removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from pathlib import Path

import cv2
import numpy as np

from adfl_teach.data.errors import DatasetError
from adfl_teach.data.imagefiles import decode_image_bytes
from adfl_teach.data.output import process_alive
from adfl_teach.runtime import progress_bar

HASH_DIGITS = 16  # of the content hash, in the cache file's name


def _file_bytes(path: Path, listed_in: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot read ({err.strerror}; listed in {listed_in})") from None


def content_hash(root: Path, files: list[str], paths, described: dict[str, bytes]) -> str:
    """SHA-256 (hex) of the files ``files`` (e.g. the manifest), the ``described`` contents
    (name: bytes, e.g. the dataset description without its provenance) and the images at
    ``paths`` (relative to ``root``), each with its name and length, so that any change of
    names, order or bytes changes the hash."""
    digest = hashlib.sha256()

    def add(rel: str, data: bytes) -> None:
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)

    for rel in files:
        add(rel, _file_bytes(root / rel, "the dataset"))
    for rel, data in described.items():
        add(rel, data)
    for rel in paths:
        add(rel, _file_bytes(root / rel, "the manifest"))
    return digest.hexdigest()


def decode_image(path: Path, canvas: tuple[int, int]) -> np.ndarray:
    """One aligned PNG as ``(3, H, W)`` uint8 RGB on ``canvas`` (INTER_AREA when resizing)."""
    try:  # bytes read by Python, decoded by OpenCV: any file name (adfl_teach.data.imagefiles)
        image = decode_image_bytes(path.read_bytes(), path)
    except (OSError, DatasetError):
        raise DatasetError(
            f"{path}: missing or unreadable image (listed in the manifest)"
        ) from None
    h, w = canvas
    if image.shape[:2] != (h, w):
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image[:, :, ::-1].transpose(2, 0, 1))


def cache_file(root: Path, canvas: tuple[int, int], key: str) -> Path:
    h, w = canvas
    return root / "cache" / f"images_{h}x{w}_{key[:HASH_DIGITS]}.npy"


def load_or_build(
    root: Path, paths, canvas: tuple[int, int], key: str, progress: bool = True
) -> np.ndarray:
    """The images at ``paths`` as uint8 ``(N, 3, H, W)``: from the cache named by ``key``, or
    decoded and cached (a damaged or mis-shaped cache file is rebuilt)."""
    cache = cache_file(root, canvas, key)
    if cache.is_file():
        try:
            array = np.load(cache)
        except (OSError, ValueError):
            array = None
        if array is not None and array.shape == (len(paths), 3, *canvas):
            return array
    h, w = canvas
    array = np.empty((len(paths), 3, h, w), dtype=np.uint8)
    bar = progress_bar(paths, desc=f"decoding {root.name} at {h}x{w}", enabled=progress, unit="img")
    for i, rel in enumerate(bar):
        array[i] = decode_image(root / rel, canvas)
    try:
        _write(cache, array)
    except OSError as err:  # read-only dataset: keep working from memory
        warnings.warn(f"could not write the image cache {cache}: {err}", stacklevel=3)
    return array


def _write(cache: Path, array: np.ndarray) -> None:
    """Write through a temporary file (ordinary permissions), then drop older versions."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f".{cache.stem}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.save(f, array)
        os.replace(tmp, cache)
    finally:
        tmp.unlink(missing_ok=True)
    prefix = cache.name[: -len(".npy") - HASH_DIGITS]  # images_<H>x<W>_
    versions = re.compile(rf"{prefix}[0-9a-f]{{{HASH_DIGITS}}}\.npy")
    leftovers = re.compile(rf"\.{prefix}[0-9a-f]{{{HASH_DIGITS}}}\.(\d+)\.tmp")
    for path in cache.parent.iterdir():
        stale = leftovers.fullmatch(path.name)
        if (versions.fullmatch(path.name) and path != cache) or (
            stale and not process_alive(int(stale.group(1)))
        ):
            path.unlink(missing_ok=True)
