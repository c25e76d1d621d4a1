"""Typed prose states no number that the committed data do not give.

Chapter 14's Markdown cells and the README's results section (outside the block that
``scripts/readme_results.py`` generates) may type a decimal number only if it is one of:
a value of a committed data file (``book/data/*.json``, as a fraction or in percent, at
any precision up to four decimals), one of the paper's Table 2 numbers or a difference of
two of them, a design constant of the configuration or of the study, or Student's t
quantile that a 95 % interval over a few seeds uses. Anything else is a finding typed by
hand, which goes stale the moment the data change.
"""

import dataclasses
import json
import re
from itertools import combinations
from pathlib import Path

from scipy import stats

from adfl_teach.config import PRESETS
from adfl_teach.experiments import study
from adfl_teach.experiments.selection import VALIDATION_FRACTION
from adfl_teach.experiments.summary import TABLE_2

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "14_reproduction.ipynb"
README = ROOT / "README.md"
DECIMAL = re.compile(r"(?<![\w.])[+-]?\d+\.\d+(?![\w.]*\d)")
GENERATED = re.compile(
    r"<!-- reproduction-results: start.*?<!-- reproduction-results: end -->", re.S
)


def _numbers(value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield float(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)


def _forms(value: float) -> set[str]:
    return {f"{abs(value * scale):.{d}f}" for scale in (1, 100) for d in range(5)}


def allowed_numbers() -> set[str]:
    allowed: set[str] = set()
    for path in sorted((ROOT / "book" / "data").glob("*.json")):
        for value in _numbers(json.loads(path.read_text())):
            allowed |= _forms(value)
    paper = [v for row in TABLE_2.values() for v in row if v is not None]
    for value in paper:
        allowed |= _forms(value)
    for column in zip(*TABLE_2.values()):
        for a, b in combinations([v for v in column if v is not None], 2):
            allowed |= _forms(a - b)
    for make in PRESETS.values():
        allowed |= {f for v in _numbers(dataclasses.asdict(make())) for f in _forms(v)}
    for point in study.GRID:
        allowed |= _forms(point.lr)
    allowed |= _forms(VALIDATION_FRACTION) | _forms(0.975)
    for df in range(1, 30):
        allowed |= _forms(float(stats.t.ppf(0.975, df)))
    return allowed


def chapter_prose(notebook: Path = CHAPTER) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def readme_results_prose(readme: Path = README) -> str:
    text = readme.read_text()
    start = text.index("## What the reproduction measured")
    end = text.index("\n## ", start + 1)
    return GENERATED.sub("", text[start:end])


def typed_numbers(prose: str) -> set[str]:
    return {m.lstrip("+-") for m in DECIMAL.findall(prose)}


def test_chapter_14_types_no_number_the_data_do_not_give():
    stray = typed_numbers(chapter_prose()) - allowed_numbers()
    assert not stray, f"{CHAPTER.name} types numbers no committed file gives: {sorted(stray)}"


def test_the_readme_results_type_no_number_the_data_do_not_give():
    stray = typed_numbers(readme_results_prose()) - allowed_numbers()
    assert not stray, f"README.md's results type numbers no committed file gives: {sorted(stray)}"


def test_a_typed_finding_is_caught():
    prose = "ADFL gains 7.31946 points (p = 0.98765), as the paper's 98.17 % suggests"
    assert typed_numbers(prose) - allowed_numbers() == {"7.31946", "0.98765"}
