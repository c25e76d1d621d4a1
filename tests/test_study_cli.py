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


def test_archive_is_restored_before_the_study_and_packed_after(tmp_path, capsys):
    from adfl_teach.experiments import archive

    out, elsewhere = _study_folder(tmp_path), tmp_path / "elsewhere"
    run = elsewhere / "grid" / "point"
    (run / "seed_0" / "adfl" / "fold_0").mkdir(parents=True)
    (run / "run.json").write_text('{"format": "x"}\n')
    (run / "seed_0" / "adfl" / "fold_0" / "result.json").write_text("{}\n")
    (run / "seed_0" / "adfl" / "fold_0" / "checkpoint.pt").write_bytes(b"weights")
    archive.pack(elsewhere, tmp_path / "archive")
    args = ["study", "grid", "--out", str(out), "--reports", str(tmp_path / "r"), "--collect-only",
            "--archive", str(tmp_path / "archive"), "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert "archive: 2 records restored" in capsys.readouterr().out
    assert (out / "grid" / "point" / "seed_0" / "adfl" / "fold_0" / "result.json").exists()
    assert not (out / "grid" / "point" / "seed_0" / "adfl" / "fold_0" / "checkpoint.pt").exists()
    (out / "grid" / "new").mkdir()
    (out / "grid" / "new" / "run.json").write_text('{"format": "y"}\n')
    assert main(args) == 0
    assert "new records packed into" in capsys.readouterr().out
    assert len(archive.batches(tmp_path / "archive")) == 2
