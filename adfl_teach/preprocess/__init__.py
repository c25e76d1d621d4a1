"""Preprocessing of sec. 3.1: five landmarks -> similarity alignment onto 128x110 -> ten crops.

- :mod:`adfl_teach.preprocess.detectors`: where the five landmarks come from (MTCNN as in the
  paper, an OpenCV Haar fallback, or the landmarks shipped with a database).
- :mod:`adfl_teach.preprocess.align`: the SphereFace template on the 128x110 canvas, the
  least-squares similarity that puts the landmarks on it, and the checks that reject a
  degenerate result ("no usable face").
- :mod:`adfl_teach.preprocess.errors`: what can go wrong, each error naming the file.
- The ten 112x96 crops are cut on tensors by :mod:`adfl_teach.crops` (one implementation,
  checked against ``torchvision.transforms.v2.TenCrop`` in the tests).
"""

from adfl_teach.preprocess.align import (
    CANVAS,
    CANVAS_TEMPLATE,
    LANDMARK_NAMES,
    SPHEREFACE_TEMPLATE,
    align_face,
    align_usable_face,
    fit_similarity,
    template_points,
    transform_points,
)
from adfl_teach.preprocess.detectors import (
    DETECTORS,
    Detection,
    DetectorUnavailableError,
    FaceDetector,
    FaceNotFoundError,
    LandmarksDetector,
    MTCNNDetector,
    OpenCVDetector,
    get_detector,
)

__all__ = [
    "CANVAS",
    "CANVAS_TEMPLATE",
    "DETECTORS",
    "LANDMARK_NAMES",
    "SPHEREFACE_TEMPLATE",
    "Detection",
    "DetectorUnavailableError",
    "FaceDetector",
    "FaceNotFoundError",
    "LandmarksDetector",
    "MTCNNDetector",
    "OpenCVDetector",
    "align_face",
    "align_usable_face",
    "fit_similarity",
    "get_detector",
    "template_points",
    "transform_points",
]
