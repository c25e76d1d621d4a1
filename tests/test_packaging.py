"""A releasable package, and workflows that run the README's commands.

``python -m build`` and ``twine check`` themselves run in ``scripts/test.sh`` (they take a
while); these tests check what they cannot: one version source, the release's paperwork,
and that CI and the published book use the same commands as a person does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import adfl_teach

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
README = (ROOT / "README.md").read_text()


def workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / f"{name}.yml").read_text())


def commands(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_the_version_has_one_source():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "adfl_teach.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+", adfl_teach.__version__)


def test_release_paperwork_names_this_version():
    version = adfl_teach.__version__
    assert re.search(rf"^## \[{re.escape(version)}\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["version"] == version
    assert citation["license"] == PYPROJECT["project"]["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text()


def test_citation_cites_the_paper():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    (paper,) = [r for r in citation["references"] if r["type"] == "conference-paper"]
    assert [a["family-names"] for a in paper["authors"]] == ["Bai", "Xie", "Shen"]
    assert paper["year"] == 2019 and "ICIP" in paper["collection-title"]
    assert "Disentangled Feature Based Adversarial Learning" in paper["title"]


def test_project_metadata_points_at_the_configured_repository():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    urls = PYPROJECT["project"]["urls"]
    assert urls["Repository"] == url.rstrip("/")
    assert {"Homepage", "Documentation", "Issues", "Changelog"} <= set(urls)
    classifiers = PYPROJECT["project"]["classifiers"]
    assert any(c.startswith("Intended Audience :: Education") for c in classifiers)
    assert {"build", "twine", "playwright"} <= {
        re.split(r"[<>=\[ ]", d)[0] for d in PYPROJECT["project"]["optional-dependencies"]["dev"]
    }


def test_the_test_command_builds_and_checks_the_package():
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "-m build" in script and "twine check" in script


def test_ci_runs_the_readme_test_command():
    readme_command = "bash scripts/setup.sh && bash scripts/test.sh"
    assert readme_command in README
    assert readme_command in (ROOT / ".ci" / "run").read_text()
    tests = workflow("tests")
    assert {"push", "pull_request"} <= set(tests[True])  # YAML 1.1 reads `on` as True
    (job,) = tests["jobs"].values()
    assert "bash .ci/run" in commands(job)


def test_the_book_workflow_publishes_the_local_publish_command():
    assert "bash scripts/build_book.sh --publish" in README
    book = workflow("book")
    build, deploy = book["jobs"]["build"], book["jobs"]["deploy"]
    assert "bash scripts/build_book.sh --publish" in commands(build)
    assert {"actions/checkout", "actions/cache", "actions/upload-pages-artifact"} <= set(
        uses(build)
    )
    (cache,) = [s for s in build["steps"] if s.get("uses", "").startswith("actions/cache")]
    assert "_build/publish/adfl_home" in cache["with"]["path"]
    assert "_build/publish/jupyter_cache" in cache["with"]["path"]
    assert "adfl_teach/**" in cache["with"]["key"]  # a changed library never reuses results
    (upload,) = [s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "_build/publish/html"
    assert uses(deploy) == ["actions/deploy-pages"] and deploy["needs"] == "build"
    assert book["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_the_publish_build_never_uses_smoke():
    script = (ROOT / "scripts" / "build_book.sh").read_text()
    assert re.search(r"^PUBLISH_PRESET=cpu-quick$", script, re.M)
