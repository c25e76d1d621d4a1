"""The protocols of sec. 3.2, by name: ``ckplus``, ``mmi``, ``oulu``.

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

How to add a protocol
---------------------
A protocol is one file. Everything else the project shows about it is derived from its class.

1. Write ``adfl_teach/data/protocols/<name>.py`` with a subclass of
   :class:`~adfl_teach.data.protocols.base.Protocol` (``ckplus.py`` is the model). Set
   ``name`` (the command-line name), ``title``, ``classes`` (index 0 = ``neutral``),
   ``layout``, ``help`` (its line in ``adfl-teach prepare --help``), ``obtain`` (where the
   database comes from), ``table2_column`` (its column in the paper's Table 2, or None) and
   ``data_script`` (or None). Implement ``find_root`` and ``collect``, using the helpers of
   :mod:`~adfl_teach.data.protocols.base` (frame listing, image and video reading,
   :func:`~adfl_teach.data.protocols.base.parse_label_code`, sequence lists); every error
   raises :class:`~adfl_teach.data.prepared.DatasetError` naming the file.
2. Add the class to :data:`PROTOCOLS` below (or call :func:`register`). From then on
   ``adfl-teach prepare <name>`` and its help text, the result tables
   (:data:`TABLE_2_COLUMNS`, :data:`DATABASE_NAMES`, read by :mod:`adfl_teach.experiments.summary`)
   know it.
3. For a data script, add ``data_scripts/<data_script>``: three lines calling
   ``_common.main("<name>")`` (see ``prepare_oulu.py``); its help text comes from the class.
4. Test it with a fake database in the native layout (``tests/fakes.py``) and a manifest
   computed by hand (``tests/test_protocols.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from adfl_teach.data.protocols.base import Collection, Protocol, Sample
from adfl_teach.data.protocols.ckplus import CKPlus
from adfl_teach.data.protocols.mmi import MMI
from adfl_teach.data.protocols.oulu import OuluCASIA

#: Every protocol by its command-line name.
PROTOCOLS: dict[str, type[Protocol]] = {cls.name: cls for cls in (CKPlus, MMI, OuluCASIA)}


def register(cls: type[Protocol]) -> type[Protocol]:
    """Add a protocol class to :data:`PROTOCOLS` (usable as a class decorator)."""
    if not cls.name or not cls.classes or cls.classes[0] != "neutral":
        raise ValueError(f"protocol {cls.__name__}: needs a name and classes starting 'neutral'")
    if PROTOCOLS.get(cls.name, cls) is not cls:
        raise ValueError(f"protocol name {cls.name!r} is taken by {PROTOCOLS[cls.name].__name__}")
    PROTOCOLS[cls.name] = cls
    return cls


def get_protocol(name: str) -> Protocol:
    """The protocol object for a registered name (``ckplus``, ``mmi``, ``oulu``, ...)."""
    try:
        return PROTOCOLS[name]()
    except KeyError:
        raise ValueError(f"unknown protocol {name!r}; choose from {', '.join(PROTOCOLS)}") from None


class _RegistryView(Mapping):
    """``{protocol name: value}`` read from :data:`PROTOCOLS` on every access, so protocols
    registered later appear; protocols whose value is None are left out."""

    def __init__(self, value: Callable[[type[Protocol]], object]):
        self._value = value

    def _items(self) -> dict:
        items = {name: self._value(cls) for name, cls in PROTOCOLS.items()}
        return {name: value for name, value in items.items() if value is not None}

    def __getitem__(self, name: str):
        return self._items()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __repr__(self) -> str:
        return repr(self._items())


#: ``{protocol: column of the paper's Table 2}`` for the databases the paper used.
TABLE_2_COLUMNS: Mapping[str, int] = _RegistryView(lambda cls: cls.table2_column)
#: ``{protocol: the database's usual name}`` (result tables).
DATABASE_NAMES: Mapping[str, str] = _RegistryView(lambda cls: cls.title)

__all__ = [
    "DATABASE_NAMES",
    "PROTOCOLS",
    "TABLE_2_COLUMNS",
    "Collection",
    "Protocol",
    "Sample",
    "get_protocol",
    "register",
]
