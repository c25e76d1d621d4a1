"""The README's results section is the reproduction report's summary, and stays so."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("readme_results", ROOT / "scripts/readme_results.py")
readme_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_results)
START, END = readme_results.START, readme_results.END


def test_the_readme_section_matches_the_committed_report(capsys):
    assert readme_results.main(["--check"]) == 0, capsys.readouterr().out


def test_the_readme_no_longer_makes_the_claims_the_measurements_contradict():
    readme = (ROOT / "README.md").read_text()
    assert "p = 0.021" not in readme
    assert "the probes show the disentanglement works" not in readme
    assert "adfl-teach reproduce" in readme and "preset `cpu-quick`" in readme


def test_rewrite_changes_only_the_text_between_the_markers(tmp_path):
    readme = f"# Title\n\nkept\n{START}\nold table\n{END}\n\nalso kept\n"
    new = readme_results.rewrite(readme, "new table", tmp_path / "README.md")
    assert new == f"# Title\n\nkept\n{START}\nnew table\n{END}\n\nalso kept\n"


def test_a_stale_section_fails_the_check_and_a_rewrite_fixes_it(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nstale\n{END}\n")
    args = ["--readme", str(readme), "--report", str(ROOT / "book/data/reproduction.json")]
    assert readme_results.main([*args, "--check"]) == 1
    assert "out of date" in capsys.readouterr().out
    assert readme_results.main(args) == 0 and readme_results.main([*args, "--check"]) == 0


def test_missing_markers_are_one_error_naming_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"README\.md: needs exactly one"):
        readme_results.rewrite("no markers", "x", tmp_path / "README.md")


def test_an_earlier_report_of_the_same_command_adds_how_far_the_numbers_moved(tmp_path):
    report = ROOT / "book/data/reproduction.json"
    alone = readme_results.section(report, tmp_path / "no_such_report.json")
    assert "How firm are these verdicts?" not in alone
    with_earlier = readme_results.section(report, report)  # the same report: nothing moved
    assert with_earlier.startswith(alone)
    assert "One seed's accuracy moved by up to 0.00 points" in with_earlier
    assert "Every comparison keeps its verdict" in with_earlier


def test_the_section_opens_with_the_studys_verdict_and_grid(tmp_path):
    report, earlier = ROOT / "book/data/reproduction.json", tmp_path / "none.json"
    text = readme_results.section(report, earlier, ROOT / "book" / "data")
    assert text.startswith("**The study (chapter 14's answer).** ")
    assert "| lr | schedule | epochs |" in text
    assert text.index("The study") < text.index("The first reproduction")
    from adfl_teach.experiments import study_findings
    from adfl_teach.runtime import read_json

    grid = read_json(ROOT / "book/data/study_grid.json", expect=dict)
    reading = study_findings.grid_text(grid)
    assert reading  # the committed grid is complete; its reading follows its table
    assert (
        text.index("| lr | schedule") < text.index(reading) < text.index("The first reproduction")
    )
    empty = readme_results.section(report, earlier, tmp_path)
    assert "The study has not run yet" in empty and "| lr |" not in empty


def test_the_readme_summarises_the_chapters_later_phases_from_their_reports():
    from adfl_teach.experiments import study_findings
    from adfl_teach.teaching import notebook

    reports = study_findings.read_reports(notebook.book_data)
    text = "\n\n".join(readme_results.later_phases(reports))
    for title in (
        "The dispeller's weight lambda_n",
        "The data regimes",
        "Against the ground truth",
    ):
        assert f"**{title}** (beyond the paper)." in text
    if reports["lambda"] is not None:
        assert reports["lambda"]["command"] in text
    missing = readme_results.later_phases({**reports, "regimes": None})
    assert study_findings.not_run("regimes") in "\n".join(missing)
