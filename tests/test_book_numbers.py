"""Chapter 14's prose quotes the committed report: every difference with an interval that it
types is one the report computes, so a new report cannot leave stale numbers behind (the
earlier report's numbers reach the chapter only through computed cells)."""

import json
import re
from pathlib import Path

from adfl_teach.experiments.findings import difference_text

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "14_reproduction.ipynb"
REPORT = ROOT / "book" / "data" / "reproduction.json"
TYPED = re.compile(r"[+-]\d+\.\d\d \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\]")


def computed_differences(report: dict) -> set[str]:
    return {
        difference_text(row[key])
        for row in report["rows"].values()
        for key in ("vs_paper", "vs_baseline")
        if (row.get(key) or {}).get("difference_ci95")
    }


def typed_differences(notebook: Path) -> set[str]:
    cells = json.loads(notebook.read_text())["cells"]
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return set(TYPED.findall(re.sub(r"\s+", " ", prose)))


def test_every_interval_chapter_14_types_comes_from_the_committed_report():
    computed = computed_differences(json.loads(REPORT.read_text()))
    typed = typed_differences(CHAPTER)
    assert typed, "the chapter types no interval: this test has nothing to check"
    assert typed <= computed, f"typed in {CHAPTER.name} but in no report: {typed - computed}"


def test_a_stale_interval_is_caught(tmp_path):
    stale = tmp_path / "stale.ipynb"
    cell = {"cell_type": "markdown", "source": ["gains +5.75 [+4.48,\n", "+7.02] here"]}
    stale.write_text(json.dumps({"cells": [cell]}))
    assert typed_differences(stale) == {"+5.75 [+4.48, +7.02]"}
