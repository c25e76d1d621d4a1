"""Preprocessing (sec. 3.1): template, similarity alignment, ten crops, detectors."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest
import torch
from fakes import make_face, points_68_from_5
from torchvision.transforms import v2

from adfl_teach.crops import crop_boxes, ten_crops
from adfl_teach.preprocess import align, detectors
from adfl_teach.preprocess.align import (
    CANVAS_TEMPLATE,
    SPHEREFACE_TEMPLATE,
    SPHEREFACE_TEMPLATE_MATLAB,
    align_face,
    fit_similarity,
    template_points,
    transform_points,
)
from adfl_teach.preprocess.detectors import (
    DetectorUnavailableError,
    FaceNotFoundError,
    LandmarksDetector,
    LandmarksFileError,
    five_from_68,
    get_detector,
    landmarks_file_for,
)


def random_similarity(rng, angle=0.4, scale=(0.7, 1.6), shift=30.0, centre=(150, 150)):
    a = rng.uniform(-angle, angle)
    s = rng.uniform(*scale)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * s
    t = np.array(centre) + rng.uniform(-shift, shift, 2)
    return np.hstack([m, t[:, None]])


# --- template ------------------------------------------------------------------------------


def test_template_is_sphereface_zero_based_shifted_by_7_8():
    assert np.allclose(SPHEREFACE_TEMPLATE, SPHEREFACE_TEMPLATE_MATLAB - 1)
    assert np.allclose(CANVAS_TEMPLATE - SPHEREFACE_TEMPLATE, [[7, 8]] * 5)
    assert np.allclose(template_points((128, 110)), CANVAS_TEMPLATE)


def test_centre_crop_of_the_canvas_is_the_sphereface_face():
    top, left, mirrored = crop_boxes((128, 110), (112, 96))[4]
    assert (top, left, mirrored) == (8, 7, False)
    assert np.allclose(CANVAS_TEMPLATE - [left, top], SPHEREFACE_TEMPLATE)


def test_template_for_half_canvas_scales_pixel_edges():
    half = template_points((64, 55))
    assert np.allclose((half + 0.5) * 2, CANVAS_TEMPLATE + 0.5)


# --- similarity fit --------------------------------------------------------------------------


def test_fit_similarity_recovers_a_random_similarity():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 200, (5, 2))
    truth = random_similarity(rng)
    fitted = fit_similarity(src, transform_points(truth, src))
    assert np.allclose(fitted, truth, atol=1e-9)


def test_fit_similarity_agrees_with_opencv_on_exact_points():
    rng = np.random.default_rng(1)
    src = SPHEREFACE_TEMPLATE
    dst = transform_points(random_similarity(rng), src)
    cv_matrix, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
    assert np.allclose(fit_similarity(src, dst), cv_matrix, atol=1e-6)


def test_fit_similarity_is_least_squares_over_all_points():
    # One point moved: a least-squares fit spreads the error, so no point is exact, and
    # the residual is smaller than with any point ignored (no outlier rejection).
    src = SPHEREFACE_TEMPLATE
    dst = src.copy()
    dst[2] += [6.0, 0.0]
    residual = np.abs(transform_points(fit_similarity(src, dst), src) - dst).sum(1)
    assert residual[2] > 1.0 and np.all(residual[[0, 1, 3, 4]] > 1e-3)


# --- alignment on images ---------------------------------------------------------------------

DOT_COLOURS = np.array(
    [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255]], dtype=np.uint8
)


def _dot_centroids(image: np.ndarray) -> np.ndarray:
    """Centroid (x, y) of each coloured dot, weighted by closeness to its colour."""
    out = []
    for colour in DOT_COLOURS.astype(float):
        distance = np.linalg.norm(image.astype(float) - colour, axis=2)
        weight = np.clip(1 - distance / 200, 0, None) ** 4
        ys, xs = np.mgrid[: image.shape[0], : image.shape[1]]
        out.append([(weight * xs).sum() / weight.sum(), (weight * ys).sum() / weight.sum()])
    return np.array(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alignment_puts_drawn_landmarks_on_the_template_within_one_pixel(seed):
    """Dots drawn at a randomly rotated/scaled/shifted copy of the template land on it."""
    rng = np.random.default_rng(seed)
    landmarks = transform_points(random_similarity(rng, scale=(2.0, 3.0)), SPHEREFACE_TEMPLATE)
    landmarks -= landmarks.min(0) - 40
    image = np.zeros(
        (int(landmarks[:, 1].max()) + 40, int(landmarks[:, 0].max()) + 40, 3), np.uint8
    )
    for colour, (x, y) in zip(DOT_COLOURS, landmarks):
        cv2.circle(
            image,
            (int(round(x * 16)), int(round(y * 16))),
            8 * 16,
            tuple(int(c) for c in colour),
            -1,
            cv2.LINE_AA,
            4,
        )
    aligned, moved = align_face(image, landmarks)
    assert aligned.shape == (128, 110, 3) and aligned.dtype == np.uint8
    assert np.abs(moved - CANVAS_TEMPLATE).max() < 1e-6
    # The pixels agree with the coordinates: the dots are found where the template says.
    assert np.abs(_dot_centroids(aligned) - CANVAS_TEMPLATE).max() < 1.0


def test_synthetic_face_aligns_the_same_under_any_pose():
    """The same synthetic face under two random similarities aligns to the same place."""
    image, points = make_face(seed=700, expression=5, intensity=1.0)
    rng = np.random.default_rng(3)
    results = []
    for _ in range(2):
        m = random_similarity(rng, scale=(0.8, 1.5), centre=(130, 120))
        warped = cv2.warpAffine(image, m, (260, 240), flags=cv2.INTER_LINEAR)
        aligned, moved = align_face(warped, transform_points(m, points))
        results.append((aligned, moved))
    (a1, p1), (a2, p2) = results
    assert np.abs(p1 - p2).max() < 1.0
    assert np.abs(p1 - CANVAS_TEMPLATE).max() < 6.0  # a real face is not the template
    centre = (slice(30, 100), slice(25, 85))
    assert np.abs(a1[centre].astype(int) - a2[centre].astype(int)).mean() < 12


def test_align_face_accepts_grayscale_and_rejects_bad_landmarks():
    image, points = make_face(seed=701)
    aligned, _ = align_face(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), points)
    assert aligned.shape == (128, 110, 3)
    with pytest.raises(ValueError, match=r"\(5, 2\)"):
        align_face(image, points[:4])


# --- degenerate faces: "no usable face" -----------------------------------------------------


@pytest.mark.parametrize(
    "case, expected",
    [
        ("outside", r"landmarks outside the 128x120 image \(left eye, right eye"),
        ("collapsed", "landmarks collapsed onto one point"),
        ("black", "aligned face is nearly constant"),
        ("nan", "landmarks are not finite numbers"),
    ],
)
def test_degenerate_faces_are_no_usable_face_naming_the_file(case, expected):
    image, points = make_face(3)
    if case == "outside":
        points = points - [0, 200]  # above the top edge: the warp would show black
    elif case == "collapsed":
        points = np.repeat(points[:1], 5, axis=0) + 0.2 * np.arange(5)[:, None]
    elif case == "black":
        image = np.zeros_like(image)
    else:
        points = np.where(np.arange(5)[:, None] == 2, np.nan, points)
    with pytest.raises(FaceNotFoundError, match=f"face.png: no usable face: {expected}"):
        align.align_usable_face(image, points, "face.png")


def test_usable_face_checks_pass_a_normal_face_and_match_align_face():
    image, points = make_face(3)
    assert align.landmark_problem(points, image.shape) is None
    aligned = align.align_usable_face(image, points, "face.png")
    assert np.array_equal(aligned, align_face(image, points)[0])
    assert align.aligned_problem(aligned) is None
    # thresholds: a spread just above the minimum and a contrast just above it pass
    spread = align.MIN_LANDMARK_SPREAD * 1.5
    pts = np.array([[50, 50], [50 + spread, 50], [50, 50 + spread], [50 - spread, 50], [50, 50]])
    assert align.landmark_problem(pts, image.shape) is None
    flat = np.full((128, 110, 3), 100, np.uint8)
    flat[::2] += 5  # std 2.5 grey levels
    assert align.aligned_problem(flat) is None
    assert "nearly constant" in align.aligned_problem(np.full((128, 110, 3), 100, np.uint8))


# --- ten crops ---------------------------------------------------------------------------------


@pytest.mark.parametrize("canvas, crop", [((128, 110), (112, 96)), ((64, 55), (56, 48))])
def test_ten_crops_equal_torchvision_tencrop(canvas, crop):
    image = torch.randint(0, 256, (3, *canvas), dtype=torch.uint8)
    # TenCrop returns (tl, tr, bl, br, centre) of the image, then the same five of the
    # horizontally flipped image (vertical_flip=False).
    expected = torch.stack(v2.TenCrop(list(crop))(image))
    ours = ten_crops(image[None], crop)[:, 0]
    assert ours.shape == (10, 3, *crop)
    assert torch.equal(ours, expected)


def test_crop_boxes_geometry():
    boxes = crop_boxes((128, 110), (112, 96))
    five = [(0, 0), (0, 14), (16, 0), (16, 14), (8, 7)]
    assert boxes == [(t, left, False) for t, left in five] + [(t, left, True) for t, left in five]


# --- landmarks detector -------------------------------------------------------------------------


def test_five_from_68_uses_eye_means_nose_tip_and_mouth_corners():
    five = np.array([[10.0, 20], [30, 21], [20, 30], [12, 40], [28, 41]])
    assert np.allclose(five_from_68(points_68_from_5(five)), five)


def test_landmarks_file_lookup_follows_the_ckplus_layout(tmp_path):
    image = tmp_path / "cohn-kanade-images" / "S005" / "001" / "S005_001_00000001.png"
    assert landmarks_file_for(image) == (
        tmp_path / "Landmarks" / "S005" / "001" / "S005_001_00000001_landmarks.txt"
    )
    assert landmarks_file_for(tmp_path / "a" / "000.jpeg") == tmp_path / "a" / "000_landmarks.txt"


def test_landmarks_detector_reads_68_point_files_and_reports_missing_ones(tmp_path):
    image, points = make_face(seed=702)
    path = tmp_path / "cohn-kanade-images" / "S001" / "001" / "S001_001_00000001.png"
    marks = landmarks_file_for(path)
    marks.parent.mkdir(parents=True)
    marks.write_text("".join(f"   {x:.7e}   {y:.7e}\n" for x, y in points_68_from_5(points)))
    detection = LandmarksDetector().detect(image, path)
    assert np.allclose(detection.landmarks5, points, atol=1e-5)
    with pytest.raises(FaceNotFoundError, match="S001_001_00000002.png"):
        LandmarksDetector().detect(image, path.with_name("S001_001_00000002.png"))
    marks.write_text("1 2\nthree 4\n")
    with pytest.raises(LandmarksFileError, match="S001_001_00000001_landmarks.txt"):
        LandmarksDetector().detect(image, path)


def test_landmarks_can_be_passed_directly():
    image, points = make_face(seed=703)
    detection = get_detector("landmarks", points={"frame#3": points}).detect(image, "frame#3")
    assert np.allclose(detection.landmarks5, points)


# --- MTCNN and OpenCV on a real photograph ---------------------------------------------------


@pytest.fixture(scope="module")
def astronaut():
    data = pytest.importorskip("skimage.data")
    return data.astronaut()


def _plausible(detection, image):
    le, re, nose, ml, mr = detection.landmarks5
    assert le[0] < re[0] and ml[0] < mr[0]  # left/right order
    assert max(le[1], re[1]) < nose[1] < min(ml[1], mr[1])  # eyes above nose above mouth
    assert le[0] < nose[0] < re[0]
    x1, y1, x2, y2 = detection.box
    assert np.all((detection.landmarks5 >= [x1, y1]) & (detection.landmarks5 <= [x2, y2]))
    # the astronaut's face: roughly x 180..270, y 60..175 in the 512x512 photo
    assert 150 < x1 < x2 < 300 and 30 < y1 < y2 < 200


@pytest.fixture(scope="module")
def mtcnn():
    pytest.importorskip("facenet_pytorch")
    return get_detector("mtcnn")


@pytest.mark.mtcnn
def test_mtcnn_finds_the_astronaut_with_plausible_landmarks(astronaut, mtcnn):
    detector = mtcnn
    detection = detector.detect(astronaut, "astronaut.png")
    assert detection.score > 0.9
    _plausible(detection, astronaut)
    boxes, _ = detector.model.detect(astronaut)
    assert len(boxes) == 1  # exactly one face in the photo
    with pytest.raises(FaceNotFoundError, match="blank.png"):
        detector.detect(np.full((160, 160, 3), 127, np.uint8), "blank.png")


@pytest.mark.mtcnn
@pytest.mark.parametrize("size", [(10, 10), (19, 300), (1, 1)])
def test_mtcnn_on_an_image_too_small_for_any_face_says_no_face_found(mtcnn, size):
    # facenet-pytorch itself crashes here ("torch.cat(): expected a non-empty list")
    tiny = np.full((*size, 3), 127, np.uint8)
    with pytest.raises(FaceNotFoundError, match=r"tiny.png: no face found: the \d+x\d+ image"):
        mtcnn.detect(tiny, "tiny.png")


def test_opencv_fallback_finds_the_astronaut_or_says_why(astronaut):
    try:
        detector = get_detector("opencv")
    except DetectorUnavailableError as err:
        assert "Haar cascade" in str(err)
        return
    _plausible(detector.detect(astronaut, "astronaut.png"), astronaut)


def test_opencv_without_cascades_says_why(monkeypatch, tmp_path):
    monkeypatch.setattr(cv2.data, "haarcascades", str(tmp_path), raising=False)
    with pytest.raises(DetectorUnavailableError, match="Haar cascade"):
        get_detector("opencv")


def test_mtcnn_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "facenet_pytorch", None)
    with pytest.raises(DetectorUnavailableError, match="pip install --no-deps facenet-pytorch"):
        get_detector("mtcnn")


def test_unknown_detector_name():
    with pytest.raises(ValueError, match="choose from mtcnn, opencv, landmarks"):
        get_detector("dlib")


def test_modules_are_reexported():
    assert align.CANVAS == (128, 110) and detectors.DETECTORS == ("mtcnn", "opencv", "landmarks")
