"""A procedural facial-expression database that behaves like CK+.

Its facts (sizes, layout, expression prototypes) are in ``docs/implementation-notes.md``.

The paper's databases (CK+, MMI, Oulu-CASIA) are licensed, so the book, the tests and the
main job use this generator instead. Faces are drawn from an identity (:mod:`.identity`)
plus an expressive component driven by FACS action units combined per the EMFACS
prototypes (:mod:`.aus`), the very decomposition ADFL learns ("expression = neutral face
+ expressive component"). :mod:`.render` draws one frame, :mod:`.database` writes whole
neutral-to-apex sequences in the native CK+ layout with full ground truth, and
:mod:`.contact_sheet` makes the overview figure of the book.

Public API::

    EXPRESSIONS, PROTOTYPES, AUS, SynthConfig, Identity, ExpressionStyle, Nuisance,
    sample_identity, sample_style, sample_nuisance, expression_aus, render_face,
    generate_database, contact_sheet

One face, then a whole database (CLI: ``adfl-teach synth --out data/synth``)::

    import numpy as np
    from adfl_teach.synth import expression_aus, generate_database, render_face, sample_identity

    identity = sample_identity(np.random.default_rng(0))
    image, landmarks = render_face(identity, expression_aus("happiness", 1.0))
    image.shape, landmarks.shape            # (240, 320, 3) RGB uint8, (5, 2) image (x, y)
    generate_database("data/synth", subjects=120, seed=0)   # CK+ layout, ~1 min on 2 cores
"""

from .aus import (
    AU_NAMES,
    AUS,
    CODE_OF,
    EXPRESSIONS,
    PROTOTYPES,
    ExpressionStyle,
    au_totals,
    expression_aus,
    sample_style,
    side_intensities,
)
from .config import SynthConfig
from .contact_sheet import contact_sheet
from .database import generate_database
from .identity import Identity, sample_identity
from .render import LANDMARK_NAMES, Nuisance, face_geometry, render_face, sample_nuisance

__all__ = [
    "AU_NAMES",
    "AUS",
    "CODE_OF",
    "EXPRESSIONS",
    "LANDMARK_NAMES",
    "PROTOTYPES",
    "ExpressionStyle",
    "Identity",
    "Nuisance",
    "SynthConfig",
    "au_totals",
    "expression_aus",
    "contact_sheet",
    "face_geometry",
    "generate_database",
    "render_face",
    "sample_identity",
    "sample_nuisance",
    "sample_style",
    "side_intensities",
]
