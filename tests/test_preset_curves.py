"""scripts/preset_curves.py scores validation subjects, never the test fold."""

import importlib.util
from pathlib import Path

import numpy as np
from prepared_fakes import write_prepared

from adfl_teach.data.imageset import ImageSet
from adfl_teach.data.prepared import load_prepared
from adfl_teach.teaching.toydata import striped_imageset

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "preset_curves.py"
CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")


def _script():
    spec = importlib.util.spec_from_file_location("preset_curves", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_curves_come_from_validation_subjects_only(tmp_path, monkeypatch):
    data = striped_imageset(100, seed=5, num_classes=len(CLASSES))
    data = ImageSet(data.images, data.labels, np.array([f"S{i % 10:03d}" for i in range(100)]))
    prepared = write_prepared(tmp_path / "prepared", data, CLASSES)
    script = _script()
    monkeypatch.setattr(
        script, "SETTINGS", {"T_tiny": script._setting(3e-3, "constant", 2, "random")}
    )
    seen = []
    real = script.train

    def spy(kind, train_set, cfg, *args, **kwargs):
        seen.append((train_set, kwargs.get("val_set"), kwargs.get("test_set")))
        return real(kind, train_set, cfg, *args, **kwargs)

    monkeypatch.setattr(script, "train", spy)
    report = script.empty_report(prepared, "smoke", 0, "test")
    script.run_settings(report, prepared, ["T_tiny"], [3], tmp_path / "curves.json")
    test_subjects = set(load_prepared(prepared).subjects[load_prepared(prepared).folds == 3])
    assert len(seen) == 2 and report["scored_on"] == "validation"
    for train_set, val_set, test_set in seen:
        assert test_set is None and val_set is not None
        assert not (set(train_set.subjects) | set(val_set.subjects)) & test_subjects
    assert len(report["settings"]["T_tiny"]["curves"]["adfl"]["3"]) == 2
