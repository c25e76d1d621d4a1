"""The three protocols of sec. 3.2, by name: ``ckplus``, ``mmi``, ``oulu``.

Each reads the user's own copy of a licensed database in its native layout (nothing is ever
downloaded) and selects frames and labels; :func:`adfl_teach.data.prepare.prepare` then
detects, aligns and writes them in the prepared format with 10 subject-independent folds.

=========  ======================================  ==========================================
name       classes (index 0 = neutral)             frames per sequence
=========  ======================================  ==========================================
ckplus     neutral + anger, contempt, disgust,     first (neutral) + last 3 (label)
           fear, happiness, sadness, surprise
mmi        neutral + the six basic expressions     first (neutral) + middle 3 (label)
oulu       neutral + the six basic expressions     first (neutral) + last 3 (label)
=========  ======================================  ==========================================
"""

from __future__ import annotations

from adfl_teach.data.protocols.base import Collection, Protocol, Sample
from adfl_teach.data.protocols.ckplus import CKPlus
from adfl_teach.data.protocols.mmi import MMI
from adfl_teach.data.protocols.oulu import OuluCASIA

PROTOCOLS: dict[str, type[Protocol]] = {"ckplus": CKPlus, "mmi": MMI, "oulu": OuluCASIA}


def get_protocol(name: str) -> Protocol:
    """The protocol object for ``ckplus``, ``mmi`` or ``oulu``."""
    try:
        return PROTOCOLS[name]()
    except KeyError:
        raise ValueError(f"unknown protocol {name!r}; choose from {', '.join(PROTOCOLS)}") from None


__all__ = ["PROTOCOLS", "Collection", "Protocol", "Sample", "get_protocol"]
