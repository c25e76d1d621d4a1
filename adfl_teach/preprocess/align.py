"""Face alignment (sec. 3.1): five landmarks -> similarity transform -> the 128x110 canvas.

The paper: "we detect five facial landmark points by MTCNN and align the face images to the
size of 128x110 according to their facial landmarks". It does not print the target points.
ADFL's network is adapted from SphereFace, whose alignment maps the five MTCNN points (left
eye, right eye, nose tip, left and right mouth corner) onto a fixed template for a 112x96
(height x width) face. The implementation notes (docs/implementation-notes.md,
"Preprocessing and the alignment template") take that template and shift it by
(+7, +8) pixels, i.e. half of the (110 - 96, 128 - 112) margin, so that the *centre* crop of
the 128x110 canvas is exactly SphereFace's 112x96 alignment.

**Coordinate convention** (decided here, used everywhere in this package).
SphereFace's template comes from MATLAB, where the centre of the top-left pixel is (1, 1).
OpenCV, NumPy and MTCNN (facenet-pytorch) put it at (0, 0). We therefore **subtract 1** from
the published numbers: :data:`SPHEREFACE_TEMPLATE_MATLAB` is the template as printed,
:data:`SPHEREFACE_TEMPLATE` the same points in 0-based pixel-centre coordinates, and
:data:`CANVAS_TEMPLATE` those shifted by (+7, +8) onto the canvas. (Many Python ports use the
numbers unchanged, which moves every face by one pixel to the lower right; harmless, but we
prefer to be exact.) All landmarks in this package are ``(x, y)`` = (column, row) in the same
0-based convention.

The fit is the *non-reflective similarity* (rotation, uniform scale, translation; 4 degrees of
freedom) that minimises the squared distance between the mapped landmarks and the template
over all five points -- what SphereFace's ``cp2tform(..., 'similarity')`` computes. It is a
linear least-squares problem, solved in :func:`fit_similarity` with ``numpy.linalg.lstsq``.
We do not use a robust estimator (RANSAC/LMEDS): with five points and one face there are no
"outliers" to drop, and dropping one would silently change the geometry.
"""

from __future__ import annotations

import cv2
import numpy as np

from adfl_teach.preprocess.errors import FaceNotFoundError

#: Canvas of the aligned face, (height, width), sec. 3.1.
CANVAS = (128, 110)
#: Size of SphereFace's aligned face and of ADFL's crops, (height, width), sec. 3.1.
SPHEREFACE_SIZE = (112, 96)

#: SphereFace's 5-point template for a 112x96 face, (x, y), 1-based MATLAB coordinates.
#: Order: left eye, right eye, nose tip, left mouth corner, right mouth corner ("left" is the
#: image left, i.e. the smaller x; it is the subject's right eye).
SPHEREFACE_TEMPLATE_MATLAB = np.array(
    [
        [30.2946, 51.6963],
        [65.5318, 51.5014],
        [48.0252, 71.7366],
        [33.5493, 92.3655],
        [62.7299, 92.2041],
    ],
    dtype=np.float64,
)
#: The same template in 0-based pixel-centre coordinates (OpenCV/NumPy convention).
SPHEREFACE_TEMPLATE = SPHEREFACE_TEMPLATE_MATLAB - 1.0
#: Offset (x, y) = (+7, +8) of the 112x96 SphereFace face inside the 128x110 canvas.
CANVAS_OFFSET = np.array(
    [(CANVAS[1] - SPHEREFACE_SIZE[1]) / 2, (CANVAS[0] - SPHEREFACE_SIZE[0]) / 2]
)
#: The template on the 128x110 canvas, 0-based (x, y); where aligned landmarks land.
CANVAS_TEMPLATE = SPHEREFACE_TEMPLATE + CANVAS_OFFSET

#: Names of the five landmarks, in the order of the template.
LANDMARK_NAMES = ("left eye", "right eye", "nose tip", "left mouth corner", "right mouth corner")

#: Landmarks whose RMS distance to their centroid is below this (pixels) have "collapsed" onto
#: one point (the template's spread is about 22 px: the face would be magnified over 10x).
MIN_LANDMARK_SPREAD = 2.0
#: How far a landmark may lie outside the image, as a fraction of the face height
#: (:func:`face_height`): tight crops cut a few pixels off the face (beyond the paper).
OUTSIDE_TOLERANCE = 0.15
#: An aligned face whose pixel standard deviation is below this (grey levels) is "nearly
#: constant", e.g. all black because the landmarks sent the warp outside the image.
MIN_FACE_CONTRAST = 2.0


def template_points(canvas: tuple[int, int] = CANVAS) -> np.ndarray:
    """The five target points ``(5, 2)`` (x, y) for a canvas of ``(height, width)``.

    For the paper's 128x110 canvas this is :data:`CANVAS_TEMPLATE`. Other canvases get the
    same face, scaled by ``width / 110`` and ``height / 128`` (pixel *edges* are scaled, so
    the point at pixel centre ``p`` goes to ``(p + 0.5) * s - 0.5``).
    """
    h, w = canvas
    scale = np.array([w / CANVAS[1], h / CANVAS[0]])
    return (CANVAS_TEMPLATE + 0.5) * scale - 0.5


def fit_similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares non-reflective similarity mapping ``source`` onto ``target``.

    source, target: ``(K, 2)`` points (x, y), K >= 2. Returns the ``(2, 3)`` matrix
    ``M = [[a, -b, tx], [b, a, ty]]`` (scale * rotation and translation) minimising
    ``sum_k |M @ [x_k, y_k, 1] - target_k|^2``. Each point gives two linear equations in
    ``(a, b, tx, ty)``::

        x' = a x - b y + tx
        y' = b x + a y + ty
    """
    src = np.asarray(source, dtype=np.float64)
    dst = np.asarray(target, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError(
            f"fit_similarity needs two (K, 2) arrays, K >= 2; got {src.shape}, {dst.shape}"
        )
    x, y = src[:, 0], src[:, 1]
    ones, zeros = np.ones_like(x), np.zeros_like(x)
    rows_x = np.stack([x, -y, ones, zeros], axis=1)
    rows_y = np.stack([y, x, zeros, ones], axis=1)
    design = np.concatenate([rows_x, rows_y])
    rhs = np.concatenate([dst[:, 0], dst[:, 1]])
    (a, b, tx, ty), *_ = np.linalg.lstsq(design, rhs, rcond=None)
    if np.hypot(a, b) < 1e-12:
        raise ValueError("fit_similarity: degenerate landmarks (all points coincide)")
    return np.array([[a, -b, tx], [b, a, ty]])


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a ``(2, 3)`` affine matrix to ``(K, 2)`` points (x, y)."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def align_face(
    image: np.ndarray,
    landmarks5: np.ndarray,
    canvas: tuple[int, int] = CANVAS,
    return_matrix: bool = False,
):
    """Warp a face so its five landmarks sit on the template (sec. 3.1).

    Args:
        image: ``(H, W, 3)`` uint8 RGB (a ``(H, W)`` grayscale image is made 3-channel).
        landmarks5: ``(5, 2)`` (x, y) in the image, 0-based, in the order of
            :data:`LANDMARK_NAMES`.
        canvas: output ``(height, width)``; 128x110 in the paper.
        return_matrix: also return the ``(2, 3)`` matrix (see below).

    Returns ``(aligned, landmarks)``: the ``(height, width, 3)`` uint8 face and the five
    landmarks mapped onto it ``(5, 2)``. A similarity keeps the face's own proportions, so
    the points land *near* :func:`template_points` (a few pixels off for a real or synthetic
    face, the least-squares residual) and exactly on it only when the landmarks are a
    similar copy of the template; the same face under any rotation, scale and shift lands
    on the same points.
    With ``return_matrix=True`` the ``(2, 3)`` matrix is returned third. Bilinear sampling;
    pixels from outside the image are black (as SphereFace's ``imwarp``).
    """
    img = np.asarray(image)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"align_face expects an (H, W, 3) image, got shape {img.shape}")
    pts = np.asarray(landmarks5, dtype=np.float64)
    if pts.shape != (5, 2) or not np.all(np.isfinite(pts)):
        raise ValueError(f"align_face expects (5, 2) finite landmarks, got {pts.shape}")
    matrix = fit_similarity(pts, template_points(canvas))
    h, w = canvas
    aligned = cv2.warpAffine(
        np.ascontiguousarray(img),
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    moved = transform_points(matrix, pts)
    if return_matrix:
        return aligned, moved, matrix
    return aligned, moved


def face_height(landmarks5: np.ndarray) -> float:
    """The height of the face the landmarks ``(5, 2)`` imply, in image pixels: SphereFace's
    112-pixel face (:data:`SPHEREFACE_SIZE`) divided by the scale of the similarity that puts
    the landmarks on its template, i.e. the face box's height as the alignment sees it."""
    matrix = fit_similarity(landmarks5, SPHEREFACE_TEMPLATE)
    return SPHEREFACE_SIZE[0] / float(np.hypot(matrix[0, 0], matrix[1, 0]))


def landmark_problem(landmarks5: np.ndarray, image_shape: tuple[int, ...]) -> str | None:
    """Why ``landmarks5`` ``(5, 2)`` cannot give a usable face in an image of ``image_shape``
    (``(H, W, ...)``): not five finite points, all points within :data:`MIN_LANDMARK_SPREAD`
    pixels of one point, or a point outside the image by more than
    :data:`OUTSIDE_TOLERANCE` of the :func:`face_height`. None when they can.

    A point a little outside is a normal face in a tight crop (CK+48- or FER-style 128x128
    crops cut through the mouth corners of an open mouth; MTCNN still places them): the
    alignment pads what lies outside with black, as SphereFace's ``imwarp`` does. The
    tolerance is beyond the paper (which does not say what happens at the image edge)."""
    pts = np.asarray(landmarks5, dtype=np.float64)
    if pts.shape != (5, 2):
        return f"landmarks are not five (x, y) points (shape {pts.shape})"
    if not np.all(np.isfinite(pts)):
        return "landmarks are not finite numbers"
    spread = float(np.sqrt(((pts - pts.mean(0)) ** 2).sum(1).mean()))
    if spread < MIN_LANDMARK_SPREAD:
        return f"landmarks collapsed onto one point (spread {spread:.2f} px)"
    h, w = image_shape[:2]
    below, above = np.array([-0.5, -0.5]), np.array([w - 0.5, h - 0.5])
    distance = np.maximum(below - pts, pts - above).max(axis=1)  # > 0: outside, in pixels
    height = face_height(pts)
    tolerance = OUTSIDE_TOLERANCE * height
    outside = distance > tolerance
    if outside.any():
        names = ", ".join(LANDMARK_NAMES[i] for i in np.flatnonzero(outside))
        return (
            f"landmarks outside the {w}x{h} image ({names}) by up to {distance.max():.0f} px, "
            f"more than the {tolerance:.0f} px tolerated ({100 * OUTSIDE_TOLERANCE:.0f} % of "
            f"the {height:.0f} px face)"
        )
    return None


def aligned_problem(aligned: np.ndarray) -> str | None:
    """Why an aligned face is unusable (nearly constant pixels, e.g. all black), or None."""
    contrast = float(np.asarray(aligned, dtype=np.float64).std())
    if contrast < MIN_FACE_CONTRAST:
        mean = float(np.mean(aligned))
        return f"aligned face is nearly constant (pixel std {contrast:.2f}, mean {mean:.0f})"
    return None


def align_usable_face(
    image: np.ndarray, landmarks5: np.ndarray, path, canvas: tuple[int, int] = CANVAS
) -> np.ndarray:
    """:func:`align_face` after and before the checks of a usable face.

    Returns the aligned ``(height, width, 3)`` uint8 face. Degenerate landmarks
    (:func:`landmark_problem`) or a nearly constant result (:func:`aligned_problem`) raise
    :class:`~adfl_teach.preprocess.errors.FaceNotFoundError` ("no usable face: ...") naming
    ``path``, so ``--skip-missing-faces`` treats them like any face that was not found.
    """
    problem = landmark_problem(landmarks5, np.shape(image))
    aligned = None
    if problem is None:
        aligned, _ = align_face(image, landmarks5, canvas)
        problem = aligned_problem(aligned)
    if problem is not None:
        raise FaceNotFoundError(path, f"no usable face: {problem}")
    return aligned
