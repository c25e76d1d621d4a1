"""Drawing a face: identity + AU intensities + nuisance -> RGB image and 5 landmarks.

The renderer works in two steps, so each can be read (and tested) on its own:

1. :func:`face_geometry` turns an :class:`~adfl_teach.synth.identity.Identity` and an AU dict
   into named polygons and keypoints in the *face frame* (origin between the eyes, y down,
   pixels of a 240-high frame). This is where the action units act, each in its anatomical
   direction (FACS; docs/implementation-notes.md, "Synthetic database"):

   ======  ==========================================================================
   AU1     inner brow corners up (and forehead wrinkles in the middle)
   AU2     outer brow corners up (forehead wrinkles across)
   AU4     brows down and drawn together; vertical lines between the brows
   AU5     upper lid up: white shows above the iris
   AU6     cheeks up: lower lid pushed up, eye narrows, crow's feet, deeper folds
   AU7     lids tightened: both lids close in, the lower one most
   AU9     nose wrinkled: wings and upper lip up, creases on the bridge
   AU12    lip corners pulled up and out (smile); lips part a little, teeth show
   AU14    corners tightened inward with a dimple
   AU15    lip corners pulled down
   AU16    lower lip pulled down, teeth show
   AU20    lips stretched sideways
   AU23    lips tightened: narrower and thinner
   AU25    lips part
   AU26    jaw drops: mouth opens, chin and lower face move down
   ======  ==========================================================================

   It paints the face in named parts, in this order: outline and chin, background (hair
   behind, shoulders, neck, ears), the skin, forehead creases, beard, brows and eyes,
   nose, mouth, folds, hair cap, glasses (one private function each).

2. :func:`render_face` maps the face frame into the image with a similarity transform
   (in-plane rotation, scale, shift: the :class:`Nuisance`), draws everything with
   anti-aliased OpenCV polygons (``cv2.LINE_AA``, sub-pixel ``shift``), then applies an
   illumination gradient, blur and noise. The 5 landmarks go through the same transform.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .aus import side_intensities
from .identity import Identity

_SHIFT = 4  # sub-pixel bits for cv2 drawing
_ONE = 1 << _SHIFT
CANONICAL_HEIGHT = 240  # face-frame lengths are pixels of a frame this high
#: Names of the five landmarks, in the order :func:`render_face` returns them.
LANDMARK_NAMES = ("eye_l", "eye_r", "nose_tip", "mouth_l", "mouth_r")


@dataclass(frozen=True)
class Nuisance:
    """Everything about a frame that is neither identity nor expression.

    Attributes:
        angle: in-plane rotation in degrees (positive = clockwise on screen).
        scale: face size relative to the identity's own size.
        shift: ``(dx, dy)`` of the eye midpoint from its canonical place (frame centre,
            slightly above), in pixels of a 240-high frame.
        light_angle: direction (degrees) in which the illumination gradient brightens.
        light_strength: relative brightness change from frame centre to edge (0..0.6).
        noise: standard deviation of Gaussian pixel noise (grey levels).
        blur: sigma of a Gaussian blur in pixels (0 = sharp).
        clutter: number of background shapes; ``clutter_seed`` places them.
        noise_seed: seed of the pixel noise of this frame.
    """

    angle: float = 0.0
    scale: float = 1.0
    shift: tuple[float, float] = (0.0, 0.0)
    light_angle: float = 0.0
    light_strength: float = 0.0
    noise: float = 0.0
    blur: float = 0.0
    clutter: int = 0
    clutter_seed: int = 0
    noise_seed: int = 0


def sample_nuisance(rng: np.random.Generator, strength: float = 1.0) -> Nuisance:
    """A sequence's nuisance at ``strength`` (0 = none, 1 = default, 2 = hard).

    At strength 1: rotation ~ N(0, 6 deg), scale in 0.88..1.12, shifts of up to ~25 px,
    a brightness gradient of up to 35 %, noise sigma 2..6, blur sigma 0..1.2, 4..10
    background shapes (detection and alignment must have real work to do).
    """
    s = float(strength)
    return Nuisance(
        angle=float(np.clip(6.0 * s * rng.standard_normal(), -20 * s, 20 * s)),
        scale=float(1.0 + 0.12 * s * rng.uniform(-1, 1)),
        shift=(float(22 * s * rng.uniform(-1, 1)), float(12 * s * rng.uniform(-1, 1))),
        light_angle=float(rng.uniform(0, 360)),
        light_strength=float(0.35 * s * rng.uniform(0, 1)),
        noise=float(s * rng.uniform(2.0, 6.0)),
        blur=float(s * rng.uniform(0.0, 1.2)),
        clutter=int(round(s * rng.integers(4, 11))),
        clutter_seed=int(rng.integers(2**31)),
        noise_seed=int(rng.integers(2**31)),
    )


def jitter_nuisance(base: Nuisance, rng: np.random.Generator, strength: float = 1.0) -> Nuisance:
    """The same sequence one frame later: small head motion and fresh pixel noise."""
    s = float(strength)
    return Nuisance(
        angle=base.angle + 0.6 * s * rng.standard_normal(),
        scale=base.scale * (1.0 + 0.006 * s * rng.standard_normal()),
        shift=(
            base.shift[0] + 0.8 * s * rng.standard_normal(),
            base.shift[1] + 0.8 * s * rng.standard_normal(),
        ),
        light_angle=base.light_angle,
        light_strength=base.light_strength,
        noise=base.noise,
        blur=base.blur,
        clutter=base.clutter,
        clutter_seed=base.clutter_seed,
        noise_seed=int(rng.integers(2**31)),
    )


# ----------------------------------------------------------------------------- curves
@lru_cache(maxsize=64)
def _bezier_weights(n: int) -> np.ndarray:
    t = np.linspace(0, 1, n)[:, None]
    return np.hstack([(1 - t) ** 2, 2 * (1 - t) * t, t**2])


def _quad_through(p0, pm, p1, n: int = 12) -> np.ndarray:
    """Quadratic Bezier from ``p0`` to ``p1`` that passes through ``pm`` at t = 0.5."""
    p0, pm, p1 = np.asarray(p0, float), np.asarray(pm, float), np.asarray(p1, float)
    control = 2 * pm - (p0 + p1) / 2
    return _bezier_weights(n) @ np.stack([p0, control, p1])


def _catmull_rom(points, n: int = 8, closed: bool = False) -> np.ndarray:
    """Smooth curve through ``points`` (centripetal-free, uniform Catmull-Rom)."""
    p = np.asarray(points, float)
    if closed:
        p = np.vstack([p[-1:], p, p[:2]])
    else:
        p = np.vstack([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(
            0.5
            * (
                2 * p1
                + (-p0 + p2) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3
            )
        )
    if not closed:
        out.append(p[-2:-1])
    return np.vstack(out)


def _stroke(centre: np.ndarray, width_start: float, width_end: float) -> np.ndarray:
    """A tapered band (polygon) around the polyline ``centre``."""
    d = np.gradient(centre, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True) + 1e-9
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    half = np.linspace(width_start, width_end, len(centre))[:, None] / 2
    return np.vstack([centre + normal * half, (centre - normal * half)[::-1]])


@lru_cache(maxsize=16)
def _circle(n: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.cos(t), np.sin(t)


def _ellipse(cx, cy, rx, ry, n: int = 24, angle: float = 0.0) -> np.ndarray:
    cos_t, sin_t = _circle(n)
    x, y = rx * cos_t, ry * sin_t
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([cx + c * x - s * y, cy + s * x + c * y], axis=1)


# ----------------------------------------------------------------------------- geometry
@dataclass
class _Face:
    """What every part of one face's geometry reads (the identity, the AU intensities of
    each side, the face's sizes in the face frame) and the drawing list and keypoints the
    parts append to, in painting order (:func:`face_geometry`)."""

    idn: Identity
    left: dict
    right: dict
    both: dict  # the mean of the two sides
    W: float  # face width
    H: float  # face height
    u: float  # eye half-width: the unit of the small features
    half: float  # W / 2
    skin: np.ndarray
    dark_skin: tuple
    line_w: float
    nose_y: float
    mouth_y: float
    jaw_drop: float  # AU26
    brow_y: float
    layers: list
    kp: dict

    @classmethod
    def of(cls, identity: Identity, aus) -> _Face:
        left, right = side_intensities(aus or {})
        both = {au: (left[au] + right[au]) / 2 for au in left}
        idn = identity
        W = idn.face_width
        H = idn.face_aspect * W
        u = idn.eye_size * W
        skin = np.array(idn.skin, float)
        return cls(
            idn=idn, left=left, right=right, both=both, W=W, H=H, u=u, half=W / 2,
            skin=skin, dark_skin=tuple(skin * 0.78), line_w=max(1.0, 0.09 * u),
            nose_y=idn.nose_y * H, mouth_y=idn.mouth_y * H, jaw_drop=0.14 * H * both[26],
            brow_y=-idn.brow_height * W, layers=[], kp={},
        )  # fmt: skip

    def crease(self, points, strength, width=None) -> None:
        """A skin crease, drawn only where its AUs are active enough."""
        if strength > 0.06:
            colour = tuple(self.skin * (1 - 0.32 * min(strength, 1.2)))
            self.layers.append(("line", colour, np.asarray(points), width or self.line_w))

    def drop(self, points) -> np.ndarray:
        """AU26: move the lower face down, progressively below the nose."""
        points = np.array(points, float)
        weight = np.clip((points[:, 1] - self.nose_y) / (0.5 * self.H - self.nose_y), 0, 1)
        points[:, 1] += self.jaw_drop * weight
        return points


def _outline(f: _Face):
    """The face's outline: control points of the right half (x >= 0), mirrored; and the chin."""
    idn, H, half, jaw_drop = f.idn, f.H, f.half, f.jaw_drop
    drop = f.drop
    right_half = [
        (0.62 * half * idn.cheek_width, -0.47 * H),
        (0.9 * half * idn.cheek_width, -0.33 * H),
        (half * idn.cheek_width, -0.1 * H),
        (0.97 * half * idn.cheek_width, 0.1 * H),
        (idn.jaw_width * half, 0.33 * H),
        (max(idn.chin_width, 0.2) * half * 1.25, 0.46 * H),
    ]
    ctrl = [(0.0, -0.5 * H)] + right_half + [(0.0, 0.5 * H)]
    ctrl += [(-x, y) for x, y in right_half[::-1]]
    outline = drop(_catmull_rom(ctrl, n=8, closed=True))
    kp_chin = (0.0, 0.5 * H + jaw_drop)
    return outline, kp_chin


def _background(f: _Face):
    """Background layers: long hair, shoulders, neck, ears."""
    idn, W, H, half = f.idn, f.W, f.H, f.half
    skin, dark_skin, line_w, layers = f.skin, f.dark_skin, f.line_w, f.layers
    if idn.hair_style == "long":
        hw = half * idn.cheek_width + idn.hair_volume * W + 0.1 * W
        back = _catmull_rom(
            [(0, -0.5 * H - idn.hair_volume * W), (hw * 0.85, -0.36 * H), (hw, 0.05 * H),
             (hw * 1.02, 0.6 * H), (-hw * 1.02, 0.6 * H), (-hw, 0.05 * H), (-hw * 0.85, -0.36 * H)],
            n=8, closed=True,
        )  # fmt: skip
        layers.append(("fill", tuple(np.array(idn.hair) * 0.85), back, 0))
    shirt = np.array(idn.shirt, float)
    shoulders = _catmull_rom(
        [(-1.5 * W, 2.0 * H), (-1.25 * W, 0.95 * H), (-0.55 * W, 0.7 * H), (0.0, 0.74 * H),
         (0.55 * W, 0.7 * H), (1.25 * W, 0.95 * H), (1.5 * W, 2.0 * H)],
        n=6,
    )  # fmt: skip
    layers.append(("fill", tuple(shirt), shoulders, 0))
    neck_w = 0.22 * W
    neck = np.array([(-neck_w, 0.25 * H), (neck_w, 0.25 * H), (neck_w * 1.1, 0.78 * H),
                     (0, 0.84 * H), (-neck_w * 1.1, 0.78 * H)])  # fmt: skip
    layers.append(("fill", tuple(skin * 0.82), neck, 0))
    for s in (-1, 1):
        ex = s * half * idn.cheek_width * 0.97
        ear = _ellipse(ex + s * 0.045 * W, 0.07 * H, 0.075 * W, idn.ear_size * H * 0.55, n=20)
        layers.append(("fill", tuple(skin * 0.9), ear, 0))
        layers.append(("line", dark_skin, _quad_through((ex + s * 0.06 * W, 0.0), (ex + s * 0.085 * W, 0.07 * H), (ex + s * 0.055 * W, 0.14 * H), 8), line_w))  # fmt: skip


def _forehead_creases(f: _Face):
    """Forehead (AU1, AU2) and glabella (AU4) creases."""
    left, right, W, u = f.left, f.right, f.W, f.u
    brow_y, crease = f.brow_y, f.crease
    for i in range(3):
        y = brow_y - (0.55 + 0.35 * i) * u
        inner_part = (left[1] + right[1]) / 2
        outer_part = (left[2] + right[2]) / 2
        span = 0.1 * W + 0.14 * W * outer_part / (inner_part + outer_part + 1e-6)
        strength = 0.7 * max(inner_part, outer_part) - 0.15 * i
        crease(
            _quad_through((-span, y + 0.15 * u), (0, y - 0.1 * u), (span, y + 0.15 * u), 10),
            strength,
        )
    for s in (-1, 1):
        x = s * 0.16 * u
        crease(
            [(x, brow_y - 0.3 * u), (x * 0.8, brow_y + 0.55 * u)],
            0.9 * (left if s < 0 else right)[4],
        )


def _beard(f: _Face, outline: np.ndarray):
    """The beard (drawn before nose and mouth, which sit on top)."""
    idn, W, H, half = f.idn, f.W, f.H, f.half
    skin, nose_y, mouth_y = f.skin, f.nose_y, f.mouth_y
    layers, drop = f.layers, f.drop
    if idn.beard != "none":
        mix = 0.25 if idn.beard == "stubble" else 0.8
        colour = tuple(skin * (1 - mix) + np.array(idn.hair, float) * mix)
        top = [
            (0.0, nose_y + 0.45 * (mouth_y - nose_y)),
            (idn.mouth_width * W + 0.05 * W, mouth_y - 0.03 * H),
            (0.34 * W, 0.25 * H),
            (half * idn.cheek_width * 0.98, 0.1 * H),
        ]
        lower = outline[outline[:, 1] > 0.1 * H]
        lower = lower[np.argsort(np.arctan2(lower[:, 1], lower[:, 0]))]  # right, chin, left
        poly = np.vstack([drop(top), lower, drop([(-x, y) for x, y in top[::-1]])])
        layers.append(("fill", colour, poly, 0))


def _brows_and_eyes(f: _Face):
    """Brows and eyes, per side. s = -1 is the image-left side (smaller x)."""
    idn, left, right, W = f.idn, f.left, f.right, f.W
    u, dark_skin, line_w, brow_y = f.u, f.dark_skin, f.line_w, f.brow_y
    layers, kp, crease = f.layers, f.kp, f.crease
    eye_colour_lash = (28, 22, 20)
    for s, a in ((-1, left), (1, right)):
        tag = "l" if s < 0 else "r"
        cx = s * idn.eye_spacing * W / 2
        bl = idn.brow_length
        inner = np.array([cx - s * 1.05 * u * bl, brow_y + 0.1 * u])
        mid = np.array([cx + s * 0.1 * u, brow_y - idn.brow_arch * W])
        outer = np.array([cx + s * 1.15 * u * bl, brow_y + 0.25 * u])
        inner += (-s * 0.35 * u * a[4], (-0.6 * a[1] + 0.5 * a[4]) * u)
        mid += (0.0, (-0.32 * a[1] - 0.45 * a[2] + 0.45 * a[4]) * u)
        outer += (0.0, (-0.05 * a[1] - 0.6 * a[2] + 0.28 * a[4]) * u)
        brow_line = _quad_through(inner, mid, outer, 14)
        thick = idn.brow_thickness * W
        layers.append(
            (
                "fill",
                tuple(np.array(idn.hair) * 0.9),
                _stroke(brow_line, 1.15 * thick, 0.45 * thick),
                0,
            )
        )
        kp[f"brow_inner_{tag}"] = tuple(inner)
        kp[f"brow_mid_{tag}"] = tuple(mid)
        kp[f"brow_outer_{tag}"] = tuple(outer)

        upper_h = (
            idn.eye_open
            * u
            * (1 + 0.6 * a[5])
            * (1 - 0.38 * a[7])
            * (1 - 0.28 * a[6])
            * (1 - 0.08 * a[4])
        )
        lower_h = 0.6 * idn.eye_open * u * (1 + 0.2 * a[5]) * (1 - 0.5 * a[7]) * (1 - 0.55 * a[6])
        e_in = np.array([cx - s * u, 0.03 * u])
        e_out = np.array([cx + s * u, -idn.eye_tilt * u])
        upper = _quad_through(e_in, (cx - s * 0.08 * u, -upper_h), e_out, 14)
        lower = _quad_through(e_in, (cx + s * 0.05 * u, lower_h), e_out, 14)
        opening = np.vstack([upper, lower[::-1][1:-1]])
        # Lid crease, hidden when the lid is raised (AU5) or tightened (AU7).
        crease_strength = 0.45 * (1 - 0.7 * a[5])
        crease(_quad_through(e_in + (s * 0.15 * u, -0.2 * u), (cx - s * 0.05 * u, -upper_h - 0.32 * u), e_out + (-s * 0.05 * u, -0.3 * u), 10), crease_strength)  # fmt: skip
        layers.append(("fill", (246, 244, 240), opening, 0))
        iris_r = 0.52 * u
        layers.append(("clip", tuple(idn.iris), _ellipse(cx, 0.0, iris_r, iris_r, 24), opening))
        layers.append(
            ("clip", (18, 14, 14), _ellipse(cx, 0.0, 0.45 * iris_r, 0.45 * iris_r, 16), opening)
        )
        layers.append(
            (
                "clip",
                (250, 250, 250),
                _ellipse(cx + 0.25 * iris_r, -0.3 * iris_r, 0.14 * iris_r, 0.14 * iris_r, 8),
                opening,
            )
        )
        layers.append(("line", eye_colour_lash, upper, max(1.5, 0.2 * u)))
        layers.append(("line", dark_skin, lower, line_w))
        kp[f"eye_{tag}"] = (cx, 0.0)
        kp[f"lid_top_{tag}"] = tuple(upper[7])
        kp[f"lid_bottom_{tag}"] = tuple(lower[7])
        # AU6: cheek raised under the eye, crow's feet at the outer corner.
        crease(_quad_through((cx - s * 0.6 * u, lower_h + 0.45 * u), (cx + s * 0.2 * u, lower_h + 0.75 * u), (cx + s * 1.1 * u, lower_h + 0.2 * u), 10), 0.9 * a[6] + 0.3 * a[7])  # fmt: skip
        for k in (-1, 0, 1):
            start = e_out + (s * 0.25 * u, 0.25 * k * u)
            crease([start, start + (s * 0.5 * u, 0.28 * k * u)], 0.9 * a[6] - 0.2)


def _nose(f: _Face):
    """The nose. AU9 lifts the wings and wrinkles the bridge."""
    idn, left, right, both = f.idn, f.left, f.right, f.both
    W, u, skin, dark_skin = f.W, f.u, f.skin, f.dark_skin
    line_w, nose_y, layers, kp = f.line_w, f.nose_y, f.layers, f.kp
    crease = f.crease
    nose_w = idn.nose_width * W
    lift9 = 0.35 * u * both[9]
    tip = np.array([0.0, nose_y - 0.3 * lift9])
    for i in range(3):
        y = 0.35 * nose_y + 0.14 * nose_y * i - lift9 * 0.5
        crease(_quad_through((-0.45 * nose_w, y + 0.05 * u), (0, y - 0.08 * u), (0.45 * nose_w, y + 0.05 * u), 8), 1.0 * both[9] - 0.1 * i)  # fmt: skip
    layers.append(("line", dark_skin, _quad_through((-0.5 * nose_w, 0.15 * nose_y), (-0.62 * nose_w, 0.6 * nose_y), (-0.95 * nose_w, nose_y - 0.35 * nose_w - lift9), 10), line_w))  # fmt: skip
    for s, a in ((-1, left), (1, right)):
        wing_top = (s * 0.95 * nose_w, nose_y - 0.45 * nose_w - lift9 * (a[9] / (both[9] + 1e-6)))
        wing_low = (s * 0.55 * nose_w, nose_y + 0.15 * nose_w - 0.5 * lift9)
        wing = _quad_through(
            wing_top, (s * 1.1 * nose_w, nose_y - 0.05 * nose_w - lift9), wing_low, 10
        )
        layers.append(("line", tuple(skin * 0.62), wing, line_w * 1.2))
        nostril = _ellipse(
            s * 0.42 * nose_w,
            nose_y + 0.05 * nose_w - 0.6 * lift9,
            0.24 * nose_w,
            0.12 * nose_w,
            12,
            s * 0.35,
        )
        layers.append(("fill", tuple(skin * 0.38), nostril, 0))
        kp[f"nostril_{'l' if s < 0 else 'r'}"] = (s * 0.42 * nose_w, nose_y - 0.6 * lift9)
    layers.append(("line", tuple(skin * 0.7), _quad_through((-0.35 * nose_w, tip[1] + 0.12 * nose_w), (0, tip[1] + 0.32 * nose_w), (0.35 * nose_w, tip[1] + 0.12 * nose_w), 8), line_w))  # fmt: skip
    layers.append(("fill", tuple(np.clip(skin * 1.1 + 8, 0, 255)), _ellipse(0.1 * nose_w, tip[1] - 0.12 * nose_w, 0.16 * nose_w, 0.1 * nose_w, 10), 0))  # fmt: skip
    return tip, nose_w, lift9


def _mouth(f: _Face):
    """The lips, mouth opening and teeth: each corner moved by its own side's AUs (so contempt
    is one-sided)."""
    idn, left, right, both = f.idn, f.left, f.right, f.both
    W, u, mouth_y, jaw_drop = f.W, f.u, f.mouth_y, f.jaw_drop
    layers, drop = f.layers, f.drop
    mouth_w = idn.mouth_width * W
    corners = {}
    for s, a in ((-1, left), (1, right)):
        dx = mouth_w * (
            0.16 * a[12] + 0.22 * a[20] - 0.14 * a[23] - 0.05 * a[14] - 0.12 * a[26] - 0.03 * a[15]
        )
        dy = mouth_w * (-0.3 * a[12] + 0.3 * a[15] + 0.05 * a[20] - 0.1 * a[14] + 0.05 * a[16])
        corners[s] = np.array([s * (mouth_w + dx), mouth_y + dy])
    corners = {s: drop([c])[0] * (1, 1) for s, c in corners.items()}
    opening = jaw_drop * 0.9 + mouth_w * (
        0.1 * both[25] + 0.2 * both[16] + 0.14 * min(both[12], 1.2) + 0.04 * both[20]
    )
    upper_in_y = mouth_y - 0.12 * opening - 0.12 * mouth_w * both[9]
    lower_in_y = mouth_y + 0.88 * opening
    upper_t = idn.upper_lip * W * (1 - 0.6 * both[23]) * (1 - 0.2 * both[12])
    lower_t = (
        idn.lower_lip * W * (1 - 0.55 * both[23]) * (1 - 0.15 * both[20]) * (1 + 0.25 * both[16])
    )
    cl, cr = corners[-1], corners[1]
    n = 21
    t = np.linspace(0, 1, n)
    upper_in = _quad_through(cl, ((cl[0] + cr[0]) / 2, upper_in_y), cr, n)
    lower_in = _quad_through(cl, ((cl[0] + cr[0]) / 2, lower_in_y), cr, n)
    profile = np.sin(np.pi * t) ** 0.6
    bow = 1 - 0.3 * np.exp(-(((t - 0.5) / 0.08) ** 2))
    upper_out = upper_in - np.stack([0 * t, upper_t * profile * bow * 1.15], axis=1)
    lower_out = lower_in + np.stack([0 * t, lower_t * np.sin(np.pi * t) ** 0.7], axis=1)
    if idn.moustache:
        hair = tuple(np.array(idn.hair) * 0.9)
        m_low = upper_out[2:-2] - (0, 0.5)
        layers.append(("fill", hair, np.vstack([m_low, (m_low - (0, 0.05 * W))[::-1]]), 0))
    lip = np.array(idn.lip, float)
    if opening > 0.6:
        layers.append(("fill", (70, 24, 30), np.vstack([upper_in, lower_in[::-1]]), 0))
        teeth_h = min(0.13 * mouth_w, 0.7 * opening)
        teeth = upper_in + np.stack([0 * t, teeth_h * np.sin(np.pi * t) ** 0.5], axis=1)
        layers.append(("fill", (238, 234, 224), np.vstack([upper_in, teeth[::-1]]), 0))
        if opening > 0.2 * mouth_w:  # lower teeth when the mouth is wide open
            lower_teeth = lower_in - np.stack(
                [0 * t, 0.35 * teeth_h * np.sin(np.pi * t) ** 0.5], axis=1
            )
            layers.append(("fill", (226, 222, 212), np.vstack([lower_in, lower_teeth[::-1]]), 0))
    layers.append(("fill", tuple(lip * 0.92), np.vstack([upper_in, upper_out[::-1]]), 0))
    layers.append(("fill", tuple(lip), np.vstack([lower_in, lower_out[::-1]]), 0))
    layers.append(("line", tuple(lip * 0.55), upper_in, max(1.0, 0.07 * u)))
    if opening > 0.6:
        layers.append(("line", tuple(lip * 0.55), lower_in, max(1.0, 0.05 * u)))
    return corners, mouth_w, n, upper_in, lower_in, upper_out, lower_out


def _folds(f: _Face, corners, mouth_w, nose_w, lift9, lower_out, n):
    """Nasolabial folds (deepened by AU6, AU9, AU12, AU20), the AU14 dimple and the AU15/AU16
    chin crease under the lower lip."""
    left, right, both, nose_y = f.left, f.right, f.both, f.nose_y
    crease = f.crease
    for s, a in ((-1, left), (1, right)):
        c = corners[s]
        start = (s * 1.05 * nose_w, nose_y - 0.25 * nose_w - lift9)
        end = (c[0] + s * 0.18 * mouth_w, c[1] + 0.35 * mouth_w)
        midp = (s * (0.5 * (nose_w + abs(c[0])) + 0.22 * mouth_w), 0.5 * (start[1] + end[1]))
        crease(
            _quad_through(start, midp, end, 12),
            0.12 + 0.5 * a[12] + 0.3 * a[6] + 0.6 * a[9] + 0.3 * a[20],
        )
        dimple = _quad_through(c + (s * 0.1 * mouth_w, -0.12 * mouth_w), c + (s * 0.16 * mouth_w, 0.0), c + (s * 0.1 * mouth_w, 0.12 * mouth_w), 6)  # fmt: skip
        crease(dimple, 1.1 * a[14])
    lip_bottom = lower_out[n // 2]
    crease(_quad_through(lip_bottom + (-0.4 * mouth_w, 0.35 * mouth_w), lip_bottom + (0, 0.25 * mouth_w), lip_bottom + (0.4 * mouth_w, 0.35 * mouth_w), 10), 0.6 * both[15] + 0.3 * both[16] - 0.1)  # fmt: skip


def _hair_cap(f: _Face, outline: np.ndarray):
    """Hair over the top of the head (a fringe around the sides when bald)."""
    idn, W, H, u = f.idn, f.W, f.H, f.u
    half, line_w, brow_y = f.half, f.line_w, f.brow_y
    layers, kp = f.layers, f.kp
    vol = idn.hair_volume * W
    top = outline[outline[:, 1] < -0.02 * H]
    top = top[np.argsort(np.arctan2(top[:, 1] + 0.1 * H, top[:, 0]))]  # left to right over the top
    centre = np.array([0.0, -0.1 * H])
    grown = centre + (top - centre) * (1 + vol / (0.5 * H))
    if idn.hair_style == "bald":  # a fringe of hair around the sides only
        for s in (-1, 1):
            side = outline[(outline[:, 0] * s > 0) & (np.abs(outline[:, 1] + 0.13 * H) < 0.15 * H)]
            if len(side) > 1:
                band = _stroke(side[np.argsort(side[:, 1])], 0.02 * W, 0.09 * W)
                layers.append(("fill", tuple(idn.hair), band, 0))
    else:
        hl = -idn.hairline * H
        if idn.hair_style == "bangs":
            hl = brow_y - 1.0 * u - idn.brow_thickness * W
        xs = half * idn.cheek_width
        hairline = _catmull_rom(
            [(xs, -0.04 * H), (0.8 * xs, hl + 0.1 * H), (0.3 * xs, hl + 0.01 * H), (0, hl),
             (-0.3 * xs, hl + 0.01 * H), (-0.8 * xs, hl + 0.1 * H), (-xs, -0.04 * H)],
            n=6,
        )  # fmt: skip
        if idn.hair_style == "bangs":
            zig = np.arange(len(hairline)) % 2 == 1
            hairline[zig & (np.abs(hairline[:, 0]) < 0.7 * xs), 1] += 0.25 * u
        cap = np.vstack([grown[np.argsort(grown[:, 0])], hairline])
        layers.append(("fill", tuple(idn.hair), cap, 0))
        strand_colour = tuple(np.array(idn.hair, float) * 0.72 + 6)
        crown = -0.5 * H - 0.5 * vol
        for i in (-2, -1, 1, 2):  # a few strands so the cap reads as hair
            strand = _quad_through(
                (i * 0.06 * W, crown + 0.06 * H),
                (i * 0.13 * W, 0.5 * (crown + hl)),
                (i * 0.2 * W, hl - 0.02 * H),
                8,
            )
            layers.append(("line", strand_colour, strand, line_w))
        kp["hairline"] = (0.0, hl)


def _glasses(f: _Face):
    """Glasses over the eyes."""
    idn, W, u, half = f.idn, f.W, f.u, f.half
    layers = f.layers
    if idn.glasses != "none":
        colour = (34, 30, 30)
        width = max(1.5, 0.14 * u)
        for s in (-1, 1):
            cx = s * idn.eye_spacing * W / 2
            if idn.glasses == "round":
                frame = _ellipse(cx, 0.05 * u, 1.5 * u, 1.3 * u, 28)
            else:
                frame = _catmull_rom([(cx - 1.6 * u, -1.0 * u), (cx + 1.6 * u, -1.0 * u), (cx + 1.6 * u, 1.1 * u), (cx - 1.6 * u, 1.1 * u)], n=6, closed=True)  # fmt: skip
            layers.append(("line", colour, np.vstack([frame, frame[:1]]), width))
            edge = s * half * idn.cheek_width * 0.98
            layers.append(
                (
                    "line",
                    colour,
                    np.array([(cx + s * 1.55 * u, -0.3 * u), (edge, -0.35 * u)]),
                    width,
                )
            )
        inner_x = idn.eye_spacing * W / 2 - 1.5 * u
        layers.append(
            (
                "line",
                colour,
                _quad_through((-inner_x, -0.2 * u), (0, -0.45 * u), (inner_x, -0.2 * u), 6),
                width,
            )
        )


def face_geometry(identity: Identity, aus=None) -> dict:
    """Polygons, lines and keypoints of one face in the face frame (see module docstring).

    Returns a dict with ``"layers"`` (a list of ``(kind, colour, points, width)`` drawing
    commands in painting order, kind ``"fill"`` or ``"line"``; ``colour`` may be a
    ``(r, g, b)`` tuple), and ``"keypoints"`` (name -> ``(x, y)``; the first five are the
    landmarks of :data:`LANDMARK_NAMES`). ``aus`` is an AU dict (see
    :mod:`adfl_teach.synth.aus`); ``None`` means neutral.
    """
    f = _Face.of(identity, aus)
    outline, kp_chin = _outline(f)
    _background(f)
    f.layers.append(("fill", tuple(f.skin), outline, 0))
    _forehead_creases(f)
    _beard(f, outline)
    _brows_and_eyes(f)
    tip, nose_w, lift9 = _nose(f)
    corners, mouth_w, n, upper_in, lower_in, upper_out, lower_out = _mouth(f)
    _folds(f, corners, mouth_w, nose_w, lift9, lower_out, n)
    _hair_cap(f, outline)
    _glasses(f)
    kp = {  # the five landmarks first (LANDMARK_NAMES), then every other keypoint
        "eye_l": f.kp["eye_l"],
        "eye_r": f.kp["eye_r"],
        "nose_tip": tuple(tip),
        "mouth_l": tuple(corners[-1]),
        "mouth_r": tuple(corners[1]),
        **f.kp,
        "upper_lip_inner": tuple(upper_in[n // 2]),
        "lower_lip_inner": tuple(lower_in[n // 2]),
        "upper_lip_top": tuple(upper_out[n // 2]),
        "lower_lip_bottom": tuple(lower_out[n // 2]),
        "chin": kp_chin,
    }
    return {"layers": f.layers, "keypoints": kp}


# ----------------------------------------------------------------------------- pixels
def _similarity(nuisance: Nuisance, image_size: tuple[int, int]) -> np.ndarray:
    """2x3 matrix from the face frame to image pixels."""
    h, w = image_size
    k = h / CANONICAL_HEIGHT * nuisance.scale
    a = np.deg2rad(nuisance.angle)
    c, s = np.cos(a) * k, np.sin(a) * k
    tx = w / 2 + nuisance.shift[0] * h / CANONICAL_HEIGHT
    ty = 0.45 * h + nuisance.shift[1] * h / CANONICAL_HEIGHT
    return np.array([[c, -s, tx], [s, c, ty]])


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, float).reshape(-1, 2)
    return points @ matrix[:, :2].T + matrix[:, 2]


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(points * _ONE).astype(np.int32)


def _draw_background(image: np.ndarray, identity: Identity, nuisance: Nuisance) -> None:
    h, w = image.shape[:2]
    base = np.array(identity.background, float)
    rows = np.clip(base[None, :] * np.linspace(1.06, 0.9, h)[:, None], 0, 255).astype(np.uint8)
    image[:] = rows[:, None, :]
    if nuisance.clutter <= 0:
        return
    rng = np.random.default_rng(nuisance.clutter_seed)
    for _ in range(nuisance.clutter):
        colour = tuple(float(c) for c in np.clip(base + rng.uniform(-80, 80, 3), 0, 255))
        kind = rng.integers(3)
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        size = rng.uniform(0.05, 0.3) * h
        if kind == 0:
            x2, y2 = x + rng.uniform(-1, 1) * size * 2, y + rng.uniform(-1, 1) * size * 2
            cv2.rectangle(image, (int(x), int(y)), (int(x2), int(y2)), colour, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.circle(image, (int(x), int(y)), int(size / 2) + 1, colour, -1, cv2.LINE_AA)
        else:
            x2, y2 = x + rng.uniform(-1, 1) * size * 3, y + rng.uniform(-1, 1) * size * 3
            cv2.line(
                image,
                (int(x), int(y)),
                (int(x2), int(y2)),
                colour,
                int(rng.integers(1, 6)),
                cv2.LINE_AA,
            )


_NOISE_PAD = 96
_NOISE_BANKS: dict[tuple[int, int], np.ndarray] = {}


def _noise_field(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Unit Gaussian noise ``(h, w, 3)`` float32 for one frame.

    Drawing 230k normals per frame would cost more than drawing the face, so frames take a
    window at a seed-chosen offset of one fixed bank per image size (96 x 96 = 9216
    different fields; deterministic, and plenty for sensor noise).
    """
    h, w = shape
    bank = _NOISE_BANKS.get((h, w))
    if bank is None:
        if len(_NOISE_BANKS) > 4:
            _NOISE_BANKS.clear()
        bank = np.random.default_rng(20191022).standard_normal(
            (h + _NOISE_PAD, w + _NOISE_PAD, 3), dtype=np.float32
        )
        _NOISE_BANKS[(h, w)] = bank
    dy, dx = np.random.default_rng(seed).integers(0, _NOISE_PAD, 2)
    return bank[dy : dy + h, dx : dx + w]


def _finish(image: np.ndarray, nuisance: Nuisance) -> np.ndarray:
    """Blur, illumination gradient and noise (in this order: optics, light, sensor)."""
    if nuisance.blur > 0.05:
        image = cv2.GaussianBlur(image, (0, 0), nuisance.blur)
    if nuisance.light_strength <= 0 and nuisance.noise <= 0:
        return image
    out = image.astype(np.float32)
    h, w = image.shape[:2]
    if nuisance.light_strength > 0:
        a = np.deg2rad(nuisance.light_angle)
        xs = (np.arange(w, dtype=np.float32) - w / 2) / (w / 2) * np.float32(np.cos(a))
        ys = (np.arange(h, dtype=np.float32) - h / 2) / (h / 2) * np.float32(np.sin(a))
        gain = 1.0 + np.float32(nuisance.light_strength / 1.4) * (ys[:, None] + xs[None, :])
        out *= gain[:, :, None]
    if nuisance.noise > 0:
        out += _noise_field((h, w), nuisance.noise_seed) * np.float32(nuisance.noise)
    np.maximum(out, 0, out=out)
    return cv2.convertScaleAbs(out)  # rounds and saturates at 255


def render_face(
    identity: Identity,
    aus=None,
    nuisance: Nuisance | None = None,
    config=None,
    return_keypoints: bool = False,
):
    """Draw ``identity`` showing the AU dict ``aus`` under ``nuisance``.

    Args:
        identity: from :func:`adfl_teach.synth.identity.sample_identity`.
        aus: AU dict, e.g. ``expression_aus("happiness", 1.0)`` or ``{12: 1.0}``; None = neutral.
        nuisance: pose/illumination/noise (:class:`Nuisance`); None = clean, frontal, centred.
        config: a :class:`~adfl_teach.synth.config.SynthConfig`; only ``image_size`` is used
            (default 240x320).
        return_keypoints: also return a dict of named keypoints (brows, lids, lips, chin,
            ...) in image coordinates, for tests and figures.

    Returns:
        ``(image, landmarks)``: ``image`` uint8 ``(H, W, 3)`` RGB; ``landmarks`` float
        ``(5, 2)`` image ``(x, y)`` of left eye centre, right eye centre, nose tip, left and
        right mouth corner ("left" = smaller x, the SphereFace template order,
        docs/implementation-notes.md, "Preprocessing"). With ``return_keypoints`` a third
        element, the keypoint dict.
    """
    if not isinstance(identity, Identity):
        raise TypeError(
            f"identity must be an Identity (see sample_identity), got {type(identity).__name__}"
        )
    image_size = (240, 320) if config is None else tuple(config.image_size)
    nuisance = nuisance or Nuisance()
    geometry = face_geometry(identity, aus)
    matrix = _similarity(nuisance, image_size)
    pixel_scale = abs(np.linalg.det(matrix[:, :2])) ** 0.5
    image = np.empty((*image_size, 3), np.uint8)
    _draw_background(image, identity, nuisance)
    for kind, colour, points, extra in geometry["layers"]:
        if len(points) < 2:
            continue
        colour = tuple(min(255.0, max(0.0, float(c))) for c in colour)
        pts = _apply(matrix, points)
        if kind == "fill":
            cv2.fillPoly(image, [_fixed(pts)], colour, cv2.LINE_AA, _SHIFT)
        elif kind == "line":
            width = max(1, int(round(extra * pixel_scale)))
            cv2.polylines(image, [_fixed(pts)], False, colour, width, cv2.LINE_AA, _SHIFT)
        elif kind == "clip":  # fill ``points`` only inside the convex polygon ``extra``
            _, inside = cv2.intersectConvexConvex(
                pts.astype(np.float32), _apply(matrix, extra).astype(np.float32)
            )
            if inside is not None and len(inside) >= 3:
                cv2.fillPoly(image, [_fixed(inside.reshape(-1, 2))], colour, cv2.LINE_AA, _SHIFT)
    image = _finish(image, nuisance)
    names = list(geometry["keypoints"])
    keypoints = _apply(matrix, np.array([geometry["keypoints"][k] for k in names]))
    landmarks = keypoints[: len(LANDMARK_NAMES)].copy()
    if return_keypoints:
        return image, landmarks, {k: tuple(map(float, p)) for k, p in zip(names, keypoints)}
    return image, landmarks
