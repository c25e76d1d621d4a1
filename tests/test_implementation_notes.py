"""The project is self-contained: the code cites its own implementation notes, by section."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = ROOT / "docs" / "implementation-notes.md"
SOURCES = sorted((ROOT / "adfl_teach").rglob("*.py"))
# `docs/implementation-notes.md, "Classes"`, `("Protocols", docs/...)`, `"Classes" in docs/...`
CITATION = re.compile(
    r'implementation-notes\.md`*,?\s*(?:#:?\s*)?\(?"([^"]+)"'
    r'|"([^"]+)",?\s+(?:in|table of|table in)\s+(?:#:?\s*)?docs/implementation-notes'
    r'|\("([^"]+)", docs/implementation-notes'
)


def headings() -> list[str]:
    return [line[3:] for line in DOC_PATH.read_text().splitlines() if line.startswith("## ")]


def citations() -> list[tuple[str, str]]:
    found = []
    for path in SOURCES:
        for match in CITATION.finditer(path.read_text()):
            found.append((path.name, next(group for group in match.groups() if group)))
    return found


def test_every_cited_section_of_the_notes_exists():
    titles = headings()
    cited = citations()
    assert len(cited) >= 10, f"the citation pattern finds too few citations: {cited}"
    missing = [(name, s) for name, s in cited if not any(t.startswith(s) for t in titles)]
    assert not missing, f"citations of sections the notes do not have: {missing}; {titles}"


def test_no_module_cites_notes_outside_the_project():
    outside = re.compile(r"shared/|(?<![-\w])notes\.md", re.IGNORECASE)
    cites = [p.name for p in SOURCES if outside.search(p.read_text())]
    assert not cites, f"modules citing files outside the project: {cites}"
