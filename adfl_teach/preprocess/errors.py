"""What can go wrong between an image and its aligned face; every message names the file."""

from __future__ import annotations


class FaceNotFoundError(ValueError):
    """No (usable) face or no landmarks for an image. ``path`` names the file.

    ``--skip-missing-faces`` leaves such images out of a prepared dataset and lists them.
    """

    def __init__(self, path, reason: str = "no face found"):
        self.path = str(path) if path is not None else "<image>"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class LandmarksFileError(ValueError):
    """A landmarks file exists but cannot be read as ``x y`` lines (message names the file)."""


class DetectorUnavailableError(RuntimeError):
    """A detector cannot run here (package or model files missing); the message says why."""
