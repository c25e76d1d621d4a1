"""When should disentangling help? The data regimes (beyond the paper).

The paper's premise is that an expressive face is a neutral face plus an expressive
residue, and that removing the person (f_n) from the face (f_e) leaves the expression. The
synthetic database is the one place where that premise can be turned up and down
(:class:`adfl_teach.synth.config.SynthConfig`):

* ``identity_variety``: how much subjects differ from each other (faces, colours, hair);
* ``intensity``: how strong the expressions are at the apex;
* ``subjects``: how many people the database holds.

The hypothesis, stated before the runs (chapter 14 repeats it): ADFL - baseline grows with
``identity_variety`` (more person to remove), shrinks as ``intensity`` grows (a strong
expression is read without removing anybody), and grows with ``subjects`` (the adversarial
game needs people to learn what a person is; with few, the splitter and dispeller overfit).

Each regime changes one knob from the default database and keeps the others; every regime
is trained at the settings the grid chose (:mod:`adfl_teach.experiments.headline`), over
the grid's seeds and the ten folds, scored on the test folds. The default level of every
knob is the headline's own database, whose first seeds are reused.
"""

from __future__ import annotations

from pathlib import Path

from adfl_teach.config import Config
from adfl_teach.data.prepare import prepare
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments.headline import chosen_configs
from adfl_teach.experiments.study import (
    GRID_SEEDS,
    MODELS,
    REPORT_FORMAT,
    adjust_p_values,
    collect,
    model_report,
    paired_difference,
    run_point,
)
from adfl_teach.synth import SynthConfig, generate_database

#: Each knob and its levels (the middle level is the default database).
REGIMES = {
    "identity_variety": (0.25, 1.0, 1.75),
    "intensity": (0.45, 0.85, 1.25),
    "subjects": (30, 100, 200),
}
#: The default database's level of each knob (the headline's own database).
DEFAULTS = {"identity_variety": 1.0, "intensity": 0.85, "subjects": 100}


def regime_name(knob: str, level) -> str:
    return f"{knob}-{level:g}"


def regime_dataset(root: str | Path, knob: str, level, seed: int = 0, progress=True) -> Path:
    """The database of one regime (``ROOT/<regime>/synthetic``), prepared with the CK+
    protocol into ``ROOT/<regime>/prepared``; reused when both exist."""
    if knob not in REGIMES:
        raise ValueError(f"unknown regime knob {knob!r}; choose from {', '.join(REGIMES)}")
    root = Path(root) / regime_name(knob, level)
    raw, prepared = root / "synthetic", root / "prepared"
    settings = {**DEFAULTS, knob: level}
    config = SynthConfig(
        subjects=int(settings["subjects"]),
        identity_variety=float(settings["identity_variety"]),
        intensity=float(settings["intensity"]),
    )
    if not raw.exists():
        generate_database(raw, seed=seed, config=config, progress=progress)
    if not (prepared / "dataset.json").exists():
        prepare("ckplus", raw, prepared, detector="landmarks", progress=progress)
    return prepared


def non_default_regimes() -> list[tuple[str, float]]:
    """The (knob, level) pairs that need a database of their own."""
    return [(k, v) for k, levels in REGIMES.items() for v in levels if v != DEFAULTS[k]]


def run_regimes(
    out, grid: dict, base: Config, folds=None, workers=1, progress=True, seeds=GRID_SEEDS
) -> None:
    """Every non-default regime's database and its runs of both models at their chosen
    settings, into ``OUT/<regime>/<model>``."""
    chosen = chosen_configs(grid, base)
    for knob, level in non_default_regimes():
        data = load_prepared(regime_dataset(out, knob, level, progress=progress))
        for model in MODELS:
            run = Path(out) / regime_name(knob, level) / model
            run_point(data, run, chosen[model], (model,), seeds, folds, workers, progress)


def regimes_report(out, headline_out, folds=None) -> dict:
    """Per knob and level: both models' report and ADFL - baseline; the default level reads
    the headline's runs (its first :data:`~adfl_teach.experiments.study.GRID_SEEDS`).
    P-values are BH-adjusted over all levels of all knobs together."""
    folds = list(range(10)) if folds is None else list(folds)
    table: dict[str, dict] = {}
    for knob, levels in REGIMES.items():
        table[knob] = {}
        for level in levels:
            models = {}
            for model in MODELS:
                if level == DEFAULTS[knob]:
                    run = Path(headline_out) / model
                else:
                    run = Path(out) / regime_name(knob, level) / model
                models[model] = model_report(
                    collect(run, GRID_SEEDS, folds, (model,))[model], folds
                )
            table[knob][f"{level:g}"] = {
                "models": models,
                "difference": paired_difference(models["adfl"], models["baseline"]),
            }
    flat = {f"{k}={v}": row["difference"] for k, rows in table.items() for v, row in rows.items()}
    adjust_p_values(flat)
    return {"format": REPORT_FORMAT, "phase": "regimes", "scored_on": "test", "folds": folds,
            "seeds": list(GRID_SEEDS), "defaults": DEFAULTS, "regimes": table}  # fmt: skip
