"""Facial action units (FACS) and the EMFACS expression prototypes.

The synthetic database drives every expression through action units (AUs), like the
Facial Action Coding System that CK+ was labelled with. The prototypes below are the
EMFACS combinations listed in ``docs/implementation-notes.md`` ("Synthetic database"):

==========  ===============================  ==============================
expression  prototype AUs (EMFACS)           weights used here
==========  ===============================  ==============================
anger       4 + 5 + 7 + 23                   brows down, stare, thin lips
contempt    12 + 14, one side, slight        one mouth corner only
disgust     9 + 15 + 16                      nose wrinkle, lip corners down
fear        1 + 2 + 4 + 5 + 7 + 20 + 26      raised flat brows, lip stretch
happiness   6 + 12                           cheek raise + lip corner pull
sadness     1 + 4 + 15                       oblique brows, corners down
surprise    1 + 2 + 5 (slight) + 26 (+ 25)   brows up, eyes wide, jaw drop
==========  ===============================  ==============================

AU intensities are floats, 0 = absent and 1 = a clear apex (FACS grades A..E map onto
about 0.2 .. 1.2). An *AU dict* maps

* an ``int`` AU number to a bilateral intensity (both sides of the face), and
* a string ``"L12"`` / ``"R12"`` to an extra intensity on one side only, like FACS's
  unilateral codes. Here ``L`` is the **image** left (smaller x), the same convention as
  the 5 landmarks, i.e. the subject's right side in a frontal picture.

:func:`side_intensities` resolves such a dict into per-side intensities and
:func:`au_totals` into the one number per AU that the ground-truth table stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from adfl_teach.classes import CKPLUS_CLASSES

#: The CK+ expression names; the CK+ label codes are the list positions (0 neutral ... 7
#: surprise), docs/implementation-notes.md, "Protocols".
EXPRESSIONS: list[str] = list(CKPLUS_CLASSES)
#: The CK+ label code of each expression name.
CODE_OF: dict[str, int] = {name: code for code, name in enumerate(EXPRESSIONS)}

#: The AUs the renderer knows, with their FACS names (docs/implementation-notes.md,
#: "Synthetic database").
AU_NAMES: dict[int, str] = {
    1: "inner brow raiser",
    2: "outer brow raiser",
    4: "brow lowerer",
    5: "upper lid raiser",
    6: "cheek raiser",
    7: "lid tightener",
    9: "nose wrinkler",
    12: "lip corner puller",
    14: "dimpler",
    15: "lip corner depressor",
    16: "lower lip depressor",
    20: "lip stretcher",
    23: "lip tightener",
    25: "lips part",
    26: "jaw drop",
}
#: The AU numbers of :data:`AU_NAMES`, in order.
AUS: tuple[int, ...] = tuple(AU_NAMES)

#: EMFACS prototypes (the notes' table). Weights < 1 mark the components it calls weak.
PROTOTYPES: dict[str, dict[int, float]] = {
    "neutral": {},
    "anger": {4: 1.0, 5: 0.6, 7: 0.8, 23: 1.0},
    "contempt": {12: 0.7, 14: 0.8},  # applied to ONE side only, see UNILATERAL
    "disgust": {9: 1.0, 15: 0.8, 16: 0.7},
    "fear": {1: 0.9, 2: 0.7, 4: 0.6, 5: 1.0, 7: 0.4, 20: 1.0, 26: 0.5},
    "happiness": {6: 1.0, 12: 1.0},
    "sadness": {1: 1.0, 4: 0.7, 15: 1.0},
    "surprise": {1: 1.0, 2: 1.0, 5: 0.6, 25: 1.0, 26: 1.0},
}
#: Expressions whose prototype is unilateral (contempt is "one side only").
UNILATERAL: frozenset[str] = frozenset({"contempt"})


@dataclass(frozen=True)
class ExpressionStyle:
    """How one subject poses expressions, so that expression and identity interact.

    Attributes:
        apex: multiplies every apex intensity (some people pose strongly, some weakly).
        asymmetry: extra fraction added to one side of every bilateral AU; positive means
            the image-left side is stronger, e.g. 0.2 = 20 % stronger on the left.
        contempt_side: ``"L"`` or ``"R"``, the side this subject pulls for contempt.
        au_gain: per-AU multipliers (keys are AU numbers) for idiosyncratic muscles.
    """

    apex: float = 1.0
    asymmetry: float = 0.0
    contempt_side: str = "L"
    au_gain: Mapping[int, float] | None = None

    def to_json(self) -> dict:
        """A JSON-friendly dict (AU keys become strings)."""
        gains = {str(k): round(float(v), 4) for k, v in (self.au_gain or {}).items()}
        return {
            "apex": round(float(self.apex), 4),
            "asymmetry": round(float(self.asymmetry), 4),
            "contempt_side": self.contempt_side,
            "au_gain": gains,
        }


def sample_style(rng: np.random.Generator, variety: float = 1.0) -> ExpressionStyle:
    """Draw a subject's :class:`ExpressionStyle`; ``variety`` scales how much subjects differ."""
    apex = float(np.clip(1.0 + 0.18 * variety * rng.standard_normal(), 0.55, 1.45))
    asymmetry = float(np.clip(0.12 * variety * rng.standard_normal(), -0.35, 0.35))
    side = "L" if rng.random() < 0.5 else "R"
    gains = {
        au: float(np.clip(1.0 + 0.15 * variety * rng.standard_normal(), 0.6, 1.4)) for au in AUS
    }
    return ExpressionStyle(apex=apex, asymmetry=asymmetry, contempt_side=side, au_gain=gains)


def expression_aus(
    name: str, intensity: float = 1.0, style: ExpressionStyle | None = None
) -> dict[int | str, float]:
    """AU intensities of expression ``name`` at ``intensity`` (0 = neutral, 1 = apex).

    The EMFACS prototype (:data:`PROTOTYPES`) is scaled by ``intensity``, by the subject's
    ``style.apex`` and per-AU gains; ``style.asymmetry`` adds a one-sided extra (``"L<n>"`` or
    ``"R<n>"`` key) and contempt goes entirely to ``style.contempt_side``.

    >>> expression_aus("happiness", 0.5)
    {6: 0.5, 12: 0.5}
    >>> expression_aus("contempt", 1.0, ExpressionStyle(contempt_side="R"))
    {'R12': 0.7, 'R14': 0.8}
    """
    if name not in PROTOTYPES:
        raise ValueError(f"unknown expression {name!r}; expected one of {EXPRESSIONS}")
    if not np.isfinite(intensity) or intensity < 0:
        raise ValueError(f"expression intensity must be a finite number >= 0, got {intensity!r}")
    style = style or ExpressionStyle()
    aus: dict[int | str, float] = {}
    for au, weight in PROTOTYPES[name].items():
        gain = (style.au_gain or {}).get(au, 1.0)
        value = round(float(weight * intensity * style.apex * gain), 6)
        if value <= 0:
            continue
        if name in UNILATERAL:
            aus[f"{style.contempt_side}{au}"] = value
            continue
        aus[au] = value
        if style.asymmetry:
            side = "L" if style.asymmetry > 0 else "R"
            aus[f"{side}{au}"] = round(abs(style.asymmetry) * value, 6)
    return aus


def _parse_key(key: int | str) -> tuple[str | None, int]:
    """``12 -> (None, 12)``, ``"L12" -> ("L", 12)``; raises on anything else."""
    if isinstance(key, (int, np.integer)):
        side, au = None, int(key)
    elif isinstance(key, str) and key[:1] in ("L", "R") and key[1:].isdigit():
        side, au = key[0], int(key[1:])
    else:
        raise ValueError(f"AU key {key!r} is neither an AU number nor 'L<n>'/'R<n>'")
    if au not in AU_NAMES:
        raise ValueError(f"AU {au} (key {key!r}) is not one of the modelled AUs {list(AUS)}")
    return side, au


def side_intensities(aus: Mapping[int | str, float]) -> tuple[dict[int, float], dict[int, float]]:
    """Resolve an AU dict into ``(left, right)`` per-side intensities (image left/right)."""
    left = dict.fromkeys(AUS, 0.0)
    right = dict.fromkeys(AUS, 0.0)
    for key, value in aus.items():
        side, au = _parse_key(key)
        value = float(value)
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"AU {key!r} intensity must be a finite number >= 0, got {value!r}")
        if side in (None, "L"):
            left[au] += value
        if side in (None, "R"):
            right[au] += value
    return left, right


def au_totals(aus: Mapping[int | str, float]) -> dict[int, float]:
    """One intensity per AU (the stronger side), as stored in ``ground_truth.csv``."""
    left, right = side_intensities(aus)
    return {au: max(left[au], right[au]) for au in AUS}
