"""The contact sheet: subjects (rows) x the 8 CK+ classes (columns), the book's overview figure.

Rows are subjects drawn exactly as in a database with the same ``seed`` (subject ``i``'s
identity and style come from the generator seeded with ``(seed, 1, i)``); columns are
neutral and the seven expressions at apex. Clean frames (no nuisance) cropped around the
face, so that identity and expression can be compared by eye: identity differs a lot
between rows, expression only a little along a row, which is ADFL's premise.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .aus import EXPRESSIONS, expression_aus, sample_style
from .config import SynthConfig
from .identity import sample_identity
from .render import render_face


def contact_sheet(path=None, subjects: int = 6, seed: int = 0, config: SynthConfig | None = None):
    """Draw ``subjects`` rows x 8 expressions and return the matplotlib Figure.

    Args:
        path: where to save a PNG (e.g. ``book/images/synth_contact_sheet.png``); None = don't.
        subjects: number of rows (subjects 0 .. subjects-1 of the database with ``seed``).
        seed: database seed.
        config: knobs (``intensity``, ``identity_variety``, ``style_variety``, image size).
    """
    if not isinstance(subjects, int) or subjects < 1:
        raise ValueError(f"subjects must be an integer >= 1, got {subjects!r}")
    config = config or SynthConfig()
    h, w = config.image_size
    top, bottom = int(0.06 * h), int(0.94 * h)
    left, right = int(w / 2 - 0.36 * h), int(w / 2 + 0.36 * h)
    fig, axes = plt.subplots(
        subjects,
        len(EXPRESSIONS),
        figsize=(1.25 * len(EXPRESSIONS), 1.45 * subjects + 0.3),
        squeeze=False,
    )
    for row in range(subjects):
        rng = np.random.default_rng([seed, 1, row])
        identity = sample_identity(rng, config)
        style = sample_style(rng, config.style_variety)
        for col, name in enumerate(EXPRESSIONS):
            aus = expression_aus(name, config.intensity, style)
            image, _ = render_face(identity, aus, None, config)
            ax = axes[row, col]
            ax.imshow(image[top:bottom, left:right])
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name, fontsize=9)
            if col == 0:
                ax.set_ylabel(f"S{row + 1:03d}", fontsize=9)
    fig.suptitle(
        f"Synthetic CK+: {subjects} subjects x 8 classes (apex, intensity {config.intensity})",
        fontsize=10,
    )
    fig.tight_layout(pad=0.3, rect=(0, 0, 1, 0.97))
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=90)
    return fig
