"""The README's layout table is the map of the package: it names every module of each wing,
and the method in the reading order of ``adfl_teach/__init__.py``'s docstring."""

import re
from pathlib import Path

import adfl_teach

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "adfl_teach"


def layout_rows() -> dict[str, list[str]]:
    """Wing folder (``adfl_teach/``, ``adfl_teach/experiments/``, ..., ``data``) -> the
    module names its row lists, in order (parenthesised remarks left out)."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Layout\n") :]
    section = section[: section.index("\n## ", 1)]
    rows = {}
    for line in section.splitlines():
        if not line.startswith("| **"):
            continue
        wing, modules = line.split("|")[1:3]
        folder = re.search(r"`(adfl_teach/[\w/]*)`", wing)
        names = re.findall(r"`([\w/]+)`", re.sub(r"\([^)]*\)", "", modules))
        rows[folder[1] if folder else wing.strip(" *")] = names
    return rows


def modules_in(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")}


def test_the_layout_table_names_every_module_of_each_wing():
    rows = layout_rows()
    for wing in ("adfl_teach/", "adfl_teach/experiments/", "adfl_teach/teaching/"):
        assert set(rows[wing]) == modules_in(ROOT / wing), (
            f"README layout, row {wing}: lists {sorted(set(rows[wing]) - modules_in(ROOT / wing))}"
            f" that do not exist, misses {sorted(modules_in(ROOT / wing) - set(rows[wing]))}"
        )
    commands = {"cli/__init__", "commands/"} | modules_in(PACKAGE / "cli" / "commands")
    assert set(rows["adfl_teach/cli/"]) == commands, (
        f"README layout, cli row: {rows['adfl_teach/cli/']}"
    )
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    data = {name.strip("/").split("/")[0] for name in rows["data"]}
    assert data == packages - {"experiments", "teaching", "cli"}, f"README layout, data row: {data}"


def test_the_method_reads_in_the_order_of_the_package_docstring():
    docstring = adfl_teach.__doc__
    reading = docstring[docstring.index("Reading order") : docstring.index("Around the method")]
    order = list(dict.fromkeys(re.findall(r":mod:`~adfl_teach\.(\w+)`", reading)))
    assert order == layout_rows()["adfl_teach/"], (order, layout_rows()["adfl_teach/"])
    assert set(order) == modules_in(PACKAGE)


def test_imports_go_one_way_as_the_layout_says():
    """The method imports no wing; experiments/ neither teaching/ nor cli/; teaching/ not cli/."""
    forbidden = {
        PACKAGE: ("experiments", "teaching", "cli"),
        PACKAGE / "experiments": ("teaching", "cli"),
        PACKAGE / "teaching": ("cli",),
    }
    found = []
    for folder, wings in forbidden.items():
        for path in sorted(p for p in folder.glob("*.py") if p.name != "__main__.py"):
            for wing in wings:
                if re.search(rf"^\s*(from|import) adfl_teach\.{wing}\b", path.read_text(), re.M):
                    found.append(f"{path.relative_to(ROOT)} imports adfl_teach.{wing}")
    assert not found, "\n".join(found)
