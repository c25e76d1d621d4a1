"""``adfl-teach study``: a phase after the grid refuses to start without the grid's report,
with one line naming the file, and the grid's collect-only report names every point."""

import json

from prepared_fakes import write_prepared

from adfl_teach.cli import main
from adfl_teach.experiments.study import GRID
from adfl_teach.teaching.toydata import striped_imageset

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")


def _prepared(root):
    import numpy as np

    from adfl_teach.data.imageset import ImageSet

    data = striped_imageset(100, seed=3, num_classes=len(CLASSES))
    data = ImageSet(data.images, data.labels, np.array([f"S{i % 10:03d}" for i in range(100)]))
    return write_prepared(root / "prepared", data, CLASSES)


def _study_folder(tmp_path):
    """A study folder whose database is ready: prepared, with the synthetic one's record."""
    out = tmp_path / "study"
    _prepared(out)
    (out / "synthetic").mkdir()
    record = {"config": {"subjects": 100}, "seed": 0}
    (out / "synthetic" / "synth.json").write_text(json.dumps(record))
    return out


def test_headline_without_a_grid_report_is_one_line(tmp_path, capsys):
    out = _study_folder(tmp_path)
    code = main(
        ["study", "headline", "--out", str(out), "--reports", str(tmp_path / "r"), "--quiet"]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "study_grid.json: missing" in err


def test_grid_collect_only_reports_every_point_and_trains_nothing(tmp_path, capsys):
    out = _study_folder(tmp_path)
    reports = tmp_path / "r"
    assert main(["study", "grid", "--out", str(out), "--reports", str(reports), "--collect-only",
                 "--quiet"]) == 0  # fmt: skip
    report = json.loads((reports / "study_grid.json").read_text())
    assert list(report["points"]) == [p.name for p in GRID]
    assert report["selection"] == {"adfl": None, "baseline": None}
    assert not (out / "grid").exists() or not list((out / "grid").rglob("result.json"))
    assert "0/60 jobs" in capsys.readouterr().out
