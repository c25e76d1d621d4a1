"""Identity of a synthetic subject: face shape, proportions, colours, hair, accessories.

Real faces differ far more between people than between expressions of one person, which
is exactly why ADFL separates an identity ("neutral") component from the expressive one.
:func:`sample_identity` draws enough variety (skin tone, face outline, eye spacing, hair,
glasses, beards, background) that identity dominates pixel differences.

Lengths are in pixels for a 240-pixel-high frame (the renderer rescales for other sizes)
or fractions of the face width ``W`` / face height ``H`` where the name says so. The face
coordinate frame has its origin at the midpoint between the eye centres, y pointing down.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

SKIN_TONES = np.array(
    [
        (255, 226, 200),
        (240, 196, 162),
        (222, 170, 128),
        (196, 140, 98),
        (158, 104, 70),
        (112, 72, 48),
    ],
    dtype=float,
)
HAIR_COLOURS = np.array(
    [(28, 24, 24), (62, 40, 28), (104, 70, 42), (196, 160, 96), (146, 66, 32), (156, 152, 150)],
    dtype=float,
)
IRIS_COLOURS = np.array(
    [(60, 36, 22), (96, 62, 34), (60, 100, 140), (70, 110, 70), (40, 30, 26)], dtype=float
)
#: The hair styles an identity can have (``Identity.hair_style``).
HAIR_STYLES = ("short", "long", "bald", "bangs")


@dataclass(frozen=True)
class Identity:
    """Everything that makes one synthetic subject look like themselves.

    Shape (fractions of the face width ``W`` unless noted):

    - ``face_width``: ``W`` in pixels at 240-pixel frame height (about 100..130).
    - ``face_aspect``: face height ``H`` (crown to chin) over ``W``.
    - ``cheek_width``, ``jaw_width``, ``chin_width``: half-widths of the outline at cheek
      bones, jaw angle and chin, as fractions of ``W / 2``.
    - ``eye_spacing``: distance between the eye centres.
    - ``eye_size``: half-width of an eye opening.
    - ``eye_open``: upper-lid height over the eye half-width (lower lid is 0.6 of it).
    - ``eye_tilt``: outer eye corner height, as a fraction of the eye half-width.
    - ``brow_height``: brow above the eye centre; ``brow_thickness``; ``brow_arch``;
      ``brow_length`` (relative to the eye width).
    - ``nose_y``, ``mouth_y``: nose tip and mouth centre below the eye line, fractions of ``H``.
    - ``nose_width``: half-width of the nose wings.
    - ``mouth_width``: half-width of the closed mouth; ``upper_lip``, ``lower_lip``:
      thicknesses.
    - ``hairline``: hairline above the eye line, fraction of ``H``; ``hair_volume``.
    - ``ear_size``: ear height as a fraction of ``H``.

    Appearance: RGB colours ``skin``, ``lip``, ``iris``, ``hair``, ``shirt``, ``background``,
    ``hair_style`` (one of :data:`HAIR_STYLES`), ``glasses`` ("none", "round", "square"),
    ``beard`` ("none", "stubble", "full") and ``moustache``.
    """

    face_width: float = 114.0
    face_aspect: float = 1.36
    cheek_width: float = 1.0
    jaw_width: float = 0.78
    chin_width: float = 0.3
    eye_spacing: float = 0.43
    eye_size: float = 0.115
    eye_open: float = 0.5
    eye_tilt: float = 0.04
    brow_height: float = 0.15
    brow_thickness: float = 0.035
    brow_arch: float = 0.02
    brow_length: float = 1.2
    nose_y: float = 0.21
    nose_width: float = 0.095
    mouth_y: float = 0.335
    mouth_width: float = 0.2
    upper_lip: float = 0.03
    lower_lip: float = 0.045
    hairline: float = 0.25
    hair_volume: float = 0.06
    ear_size: float = 0.2
    skin: tuple[int, int, int] = (222, 170, 128)
    lip: tuple[int, int, int] = (192, 86, 75)
    iris: tuple[int, int, int] = (96, 62, 34)
    hair: tuple[int, int, int] = (62, 40, 28)
    shirt: tuple[int, int, int] = (60, 90, 140)
    background: tuple[int, int, int] = (200, 200, 196)
    hair_style: str = "short"
    glasses: str = "none"
    beard: str = "none"
    moustache: bool = False

    def to_json(self) -> dict:
        """A JSON-friendly dict of all parameters (floats rounded to 4 decimals)."""
        out = {}
        for key, value in asdict(self).items():
            if isinstance(value, float):
                value = round(value, 4)
            elif isinstance(value, tuple):
                value = [int(v) for v in value]
            out[key] = value
        return out

    @classmethod
    def from_json(cls, data: dict) -> Identity:
        """Inverse of :meth:`to_json` (used to re-render subjects from ``subjects.json``)."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown identity parameters {sorted(unknown)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def _colour(palette: np.ndarray, position: float, rng: np.random.Generator, jitter: float):
    """Interpolate ``palette`` at ``position`` in [0, 1] and add a little colour jitter."""
    position = float(np.clip(position, 0.0, 1.0)) * (len(palette) - 1)
    low = int(np.floor(position))
    high = min(low + 1, len(palette) - 1)
    colour = palette[low] + (palette[high] - palette[low]) * (position - low)
    colour = colour + jitter * rng.standard_normal(3)
    return tuple(int(c) for c in np.clip(np.round(colour), 0, 255))


def sample_identity(rng: np.random.Generator, config=None) -> Identity:
    """Draw one subject's :class:`Identity` from ``rng``.

    ``config.identity_variety`` (a :class:`~adfl_teach.synth.config.SynthConfig`; default 1)
    scales the spread of every parameter around the :class:`Identity` defaults; 0 gives
    identical clones, 1 the intended variety of a CK+-like population, 2 caricatures.
    Accessories (glasses, beard, moustache) and non-default hair styles appear with
    probabilities proportional to ``min(variety, 1)``.

    >>> a = sample_identity(np.random.default_rng(0))
    >>> a == sample_identity(np.random.default_rng(0))
    True
    """
    variety = 1.0 if config is None else float(config.identity_variety)
    base = Identity()
    # The draws happen in this order (shape, colours, accessories): reordering them would
    # change every database generated with a given seed.
    shape = _sample_shape(rng, base, variety)
    colours = _sample_colours(rng, base, variety)
    return Identity(**shape, **colours, **_sample_accessories(rng, min(variety, 1.0)))


def _sample_shape(rng: np.random.Generator, base: Identity, variety: float) -> dict:
    """The geometric parameters, each spread around its default by ``variety``."""

    def spread(name: str, half_range: float, low: float | None = None, high: float | None = None):
        value = getattr(base, name) + variety * half_range * rng.uniform(-1.0, 1.0)
        return float(
            np.clip(value, -np.inf if low is None else low, np.inf if high is None else high)
        )

    return {
        "face_width": spread("face_width", 13.0, 92.0, 136.0),
        "face_aspect": spread("face_aspect", 0.12, 1.15, 1.6),
        "cheek_width": spread("cheek_width", 0.05),
        "jaw_width": spread("jaw_width", 0.12, 0.55, 0.95),
        "chin_width": spread("chin_width", 0.1, 0.12, 0.5),
        "eye_spacing": spread("eye_spacing", 0.035, 0.36, 0.5),
        "eye_size": spread("eye_size", 0.014, 0.09, 0.14),
        "eye_open": spread("eye_open", 0.09, 0.32, 0.68),
        "eye_tilt": spread("eye_tilt", 0.08),
        "brow_height": spread("brow_height", 0.025, 0.11, 0.2),
        "brow_thickness": spread("brow_thickness", 0.012, 0.018, 0.06),
        "brow_arch": spread("brow_arch", 0.02, 0.0, 0.05),
        "brow_length": spread("brow_length", 0.15, 0.9, 1.5),
        "nose_y": spread("nose_y", 0.025, 0.16, 0.26),
        "nose_width": spread("nose_width", 0.02, 0.06, 0.13),
        "mouth_y": spread("mouth_y", 0.02, 0.3, 0.39),
        "mouth_width": spread("mouth_width", 0.03, 0.14, 0.26),
        "upper_lip": spread("upper_lip", 0.01, 0.015, 0.05),
        "lower_lip": spread("lower_lip", 0.012, 0.025, 0.07),
        "hairline": spread("hairline", 0.04, 0.17, 0.33),
        "hair_volume": spread("hair_volume", 0.04, 0.0, 0.14),
        "ear_size": spread("ear_size", 0.03, 0.14, 0.26),
    }


def _sample_colours(rng: np.random.Generator, base: Identity, variety: float) -> dict:
    """Skin, lip, iris, hair, shirt and background colours."""
    v = min(variety, 1.0)
    skin = _colour(SKIN_TONES, 0.4 + variety * 0.6 * rng.uniform(-1, 1), rng, 6 * v)
    redness = np.array([1.0, 0.62, 0.66]) * (0.82 + 0.1 * rng.uniform(-1, 1) * v)
    lip = tuple(int(c) for c in np.clip(np.array(skin) * redness + np.array([10, 0, 6]), 0, 255))
    iris = _colour(IRIS_COLOURS, 0.25 + variety * 0.75 * rng.uniform(-1, 1), rng, 8 * v)
    hair = _colour(HAIR_COLOURS, 0.2 + variety * 0.8 * rng.uniform(-1, 1), rng, 8 * v)
    shirt = tuple(
        int(c) for c in np.clip(base.shirt + variety * 90 * rng.uniform(-1, 1, 3), 0, 255)
    )
    background = tuple(
        int(c)
        for c in np.clip(np.array(base.background) + variety * 45 * rng.uniform(-1, 1, 3), 0, 255)
    )
    return {
        "skin": skin,
        "lip": lip,
        "iris": iris,
        "hair": hair,
        "shirt": shirt,
        "background": background,
    }


def _sample_accessories(rng: np.random.Generator, v: float) -> dict:
    """Hair style, glasses, beard and moustache, with probabilities proportional to ``v``."""
    style_p = np.array([1.0 - 0.6 * v, 0.3 * v, 0.1 * v, 0.2 * v])
    hair_style = HAIR_STYLES[int(rng.choice(len(HAIR_STYLES), p=style_p / style_p.sum()))]
    glasses = ("none", "round", "square")[
        int(rng.choice(3, p=[1 - 0.25 * v, 0.125 * v, 0.125 * v]))
    ]
    beard = ("none", "stubble", "full")[int(rng.choice(3, p=[1 - 0.25 * v, 0.12 * v, 0.13 * v]))]
    moustache = bool(rng.random() < 0.15 * v)
    return {"hair_style": hair_style, "glasses": glasses, "beard": beard, "moustache": moustache}
