"""A procedural facial-expression database that behaves like CK+ (see ``shared/NOTES.md``).

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
