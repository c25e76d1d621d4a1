"""The protocol registry: a protocol is one class, and everything shown about it derives from
it (``prepare --help``, Table 2 columns, data scripts)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from adfl_teach.cli import main as cli_main
from adfl_teach.data import protocols
from adfl_teach.data.protocols import PROTOCOLS, Protocol, get_protocol
from adfl_teach.experiments import summary


class Tiny(Protocol):
    name = "tiny"
    title = "Tiny-DB"
    classes = ("neutral", "smile")
    layout = "SRC/<subject>/<frame>.png"
    help = "Tiny-DB: a protocol registered by a test"
    table2_column = 1


def test_a_registered_protocol_appears_in_prepare_help_and_table_2(monkeypatch, capsys):
    monkeypatch.setitem(PROTOCOLS, "tiny", Tiny)  # removed again after the test
    with pytest.raises(SystemExit):
        cli_main(["prepare", "--help"])
    printed = capsys.readouterr().out
    assert re.search(r"\n  tiny +Tiny-DB: a protocol registered by a test\n", printed)
    assert "{ckplus,mmi,oulu,tiny}" in printed
    assert summary.TABLE_2_COLUMNS["tiny"] == 1 and summary.DATABASE_NAMES["tiny"] == "Tiny-DB"
    assert summary.TABLE_2_COLUMNS == {"ckplus": 0, "mmi": 1, "oulu": 2, "tiny": 1}
    assert get_protocol("tiny").classes == ("neutral", "smile")
    monkeypatch.setattr(Tiny, "table2_column", None)  # a database the paper did not use
    assert "tiny" not in summary.TABLE_2_COLUMNS and "tiny" in summary.DATABASE_NAMES


def test_register_checks_the_class(monkeypatch):
    monkeypatch.setattr(protocols, "PROTOCOLS", dict(PROTOCOLS))
    assert protocols.register(Tiny) is Tiny and protocols.PROTOCOLS["tiny"] is Tiny
    with pytest.raises(ValueError, match="'ckplus' is taken"):
        protocols.register(type("Other", (Tiny,), {"name": "ckplus"}))
    with pytest.raises(ValueError, match="starting 'neutral'"):
        protocols.register(type("NoNeutral", (Tiny,), {"classes": ("smile", "neutral")}))


def test_data_scripts_are_thin_wrappers_of_the_registry():
    folder = Path(__file__).resolve().parents[1] / "data_scripts"
    scripts = {p.name for p in folder.glob("prepare_*.py")}
    assert scripts == {cls.data_script for cls in PROTOCOLS.values() if cls.data_script}
    for name, cls in PROTOCOLS.items():
        text = (folder / cls.data_script).read_text()
        assert f'main("{name}")' in text and len(text.splitlines()) < 15
    help_text = subprocess.run(
        [sys.executable, str(folder / "prepare_oulu.py"), "--help"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "University of Oulu" in help_text and "--skip-missing-faces" in help_text
