"""The knobs of the synthetic expression database, in one frozen dataclass.

The defaults aim at a *middle* difficulty (issue brief): expressions are visible but
contempt and fear are subtle, identity varies strongly, and faces are rotated, scaled,
shifted, unevenly lit, noisy and blurred so that detection and alignment have real work.
Sizes follow CK+ (docs/implementation-notes.md, "Protocols": 123 subjects, 327 labelled of
593 sequences).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from adfl_teach.config import ConfigError


@dataclass(frozen=True)
class SynthConfig:
    """Difficulty and size knobs of :func:`adfl_teach.synth.database.generate_database`.

    Attributes:
        subjects: number of subjects (CK+ has 123).
        sequences_per_subject: mean number of sequences per subject; each subject gets
            this value rounded, +-1 at random, at least 1 (CK+ labels ~2.7 per subject).
        frames_per_sequence: inclusive (min, max) frames of a neutral-to-apex sequence;
            the CK+ protocol uses the first and the last 3 frames.
        image_size: ``(height, width)`` of every frame in pixels (CK+ frames are 490x640;
            we use half scale). Faces are about 0.4 x width wide.
        intensity: apex scale of every expression (1 = clear, 0.5 = subtle).
        identity_variety: how much subjects differ in shape, colours, hair (0 = clones).
        style_variety: how much subjects differ in apex strength and asymmetry.
        nuisance: strength of pose, scale, shift, illumination, clutter, noise and blur
            (0 = clean frontal, centred pictures).
        au_noise: amplitude of small random activity of unrelated AUs per sequence (so
            that not every pixel change is the labelled expression).
        unlabelled_fraction: fraction of sequences written without an Emotion file, like
            the CK+ sequences that matched no prototype; never a subject's only sequence.
        class_weights: relative frequency of anger, contempt, disgust, fear, happiness,
            sadness, surprise among labelled sequences. The default softens CK+'s counts
            (45, 18, 59, 25, 69, 28, 83) so that rare classes keep >= 20 sequences.
        workers: processes used to render subjects (results do not depend on it).
        png_compression: zlib level of the PNG files (0 = none; fixed, so bytes are
            reproducible; frames are noisy, so Huffman-only coding is used).
    """

    subjects: int = 120
    sequences_per_subject: float = 3.0
    frames_per_sequence: tuple[int, int] = (8, 12)
    image_size: tuple[int, int] = (240, 320)
    intensity: float = 0.85
    identity_variety: float = 1.0
    style_variety: float = 1.0
    nuisance: float = 1.0
    au_noise: float = 0.08
    unlabelled_fraction: float = 0.08
    class_weights: tuple[float, ...] = (0.14, 0.09, 0.15, 0.10, 0.17, 0.11, 0.24)
    workers: int = 2
    png_compression: int = 1

    def __post_init__(self) -> None:
        def bad(field: str, problem: str) -> ConfigError:
            return ConfigError(f"SynthConfig.{field}: {problem} (got {getattr(self, field)!r})")

        if not isinstance(self.subjects, int) or self.subjects < 1:
            raise bad("subjects", "must be an integer >= 1")
        if self.subjects > 999:
            raise bad("subjects", "must be <= 999 (CK+ ids S001..S999)")
        if not _finite(self.sequences_per_subject) or not 1 <= self.sequences_per_subject <= 20:
            raise bad("sequences_per_subject", "must be a number in [1, 20]")
        fmin, fmax = _pair(self.frames_per_sequence, bad, "frames_per_sequence")
        if not (isinstance(fmin, int) and isinstance(fmax, int) and 4 <= fmin <= fmax <= 99):
            raise bad(
                "frames_per_sequence", "must be integers (min, max) with 4 <= min <= max <= 99"
            )
        h, w = _pair(self.image_size, bad, "image_size")
        if not (isinstance(h, int) and isinstance(w, int) and 96 <= h <= 2048 and 96 <= w <= 2048):
            raise bad("image_size", "must be integers (height, width) between 96 and 2048")
        if w < 0.9 * h:
            raise bad("image_size", "width must be at least 0.9 x height to fit the head")
        for name, low, high in (
            ("intensity", 0.0, 2.0),
            ("identity_variety", 0.0, 2.0),
            ("style_variety", 0.0, 2.0),
            ("nuisance", 0.0, 2.0),
            ("au_noise", 0.0, 0.5),
            ("unlabelled_fraction", 0.0, 0.5),
        ):
            value = getattr(self, name)
            if not _finite(value) or not low <= value <= high:
                raise bad(name, f"must be a number in [{low}, {high}]")
        weights = self.class_weights
        if (
            not isinstance(weights, (tuple, list))
            or len(weights) != 7
            or not all(_finite(x) and x >= 0 for x in weights)
            or sum(weights) <= 0
        ):
            raise bad("class_weights", "must be 7 non-negative numbers with a positive sum")
        if not isinstance(self.workers, int) or self.workers < 1:
            raise bad("workers", "must be an integer >= 1")
        if not isinstance(self.png_compression, int) or not 0 <= self.png_compression <= 9:
            raise bad("png_compression", "must be an integer in [0, 9]")

    def to_json(self) -> dict:
        """The knobs as a JSON-friendly dict (written to ``synth.json``)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _pair(value, bad, field):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise bad(field, "must be a pair")
    return value
