"""Ablations: each design choice of sec. 2 as a named variant of the configuration.

``VARIANTS[name].apply(config)`` returns the changed :class:`~adfl_teach.config.Config`;
nothing else changes. Besides the fixed names, AMS overrides are parsed from the name:
``ams-m0.2`` (margin m = 0.2), ``ams-s16`` (scale s = 16), ``ams-m0.2-s16`` (both).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from adfl_teach.config import Config


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    change: Callable[[Config], Config]
    question: str = ""

    def apply(self, config: Config) -> Config:
        return self.change(config)


def _loss(**kw):
    return lambda cfg: cfg.replace(loss=kw)


def _model(**kw):
    return lambda cfg: cfg.replace(model=kw)


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("paper", "ADFL as published", lambda cfg: cfg, "the reference point"),
        Variant(
            "no-adversary",
            "lambda_n = 0: no dispeller training (l_a) and no fooling (l_n)",
            _loss(lambda_n=0.0),
            "Does the adversarial pair help, or is ADFL a baseline with extra branches?",
        ),
        Variant(
            "no-entropy",
            "l_a on, l_n off: the dispeller learns, but B_n is never pushed to fool it",
            _loss(use_entropy=False),
            "Is the entropy (fooling) term what empties f_n of expression?",
        ),
        Variant(
            "plain-softmax",
            "the AMS classifier (eq. 6) replaced by a linear layer with softmax cross-entropy",
            _model(classifier="softmax"),
            "How much of the gain comes from the margin-based classifier?",
        ),
        Variant(
            "residual-maps",
            "residue on the branch feature maps (sec. 2.1) instead of f_e - f_n (eq. 5)",
            _model(residue="maps"),
            "Which reading of 'residue calculation' works better?",
        ),
        Variant(
            "residual-trains-branches",
            "l_r also updates B_e, B_n and the shared layers (not only B_r's FC, sec. 2.4)",
            _model(residual_trains_branches=True),
            "Is stopping l_r's gradient at the residue a good idea?",
        ),
        Variant(
            "no-neutral-masking",
            "neutral is an ordinary class of the splitter and the classifier; no sample masked",
            _model(neutral_is_class=True),
            "Does masking neutral samples (eqs. 2, 4, 7) matter?",
        ),
    )
}

_AMS = re.compile(r"^ams(?:-m(?P<m>[0-9.]+))?(?:-s(?P<s>[0-9.]+))?$")


def get_variant(name: str) -> Variant:
    """A registered variant, or an AMS override parsed from ``ams-m<m>-s<s>``."""
    if name in VARIANTS:
        return VARIANTS[name]
    match = _AMS.match(name)
    if match and (match["m"] or match["s"]):
        changes = {}
        try:
            if match["m"]:
                changes["margin"] = float(match["m"])
            if match["s"]:
                changes["scale"] = float(match["s"])
        except ValueError:
            match = None
        if match:
            desc = ", ".join(f"{'m' if k == 'margin' else 's'} = {v:g}" for k, v in changes.items())
            loss = {k: v for k, v in changes.items() if k == "margin"}  # m: LossConfig
            model = {k: v for k, v in changes.items() if k == "scale"}  # s: ModelConfig
            return Variant(
                name,
                f"AMS with {desc}",
                lambda cfg: cfg.replace(loss=loss, model=model),
                "How sensitive is AMS?",
            )
    known = ", ".join([*VARIANTS, "ams-m<m>", "ams-s<s>", "ams-m<m>-s<s>"])
    raise ValueError(f"unknown ablation variant {name!r}; choose from {known}")


def ablate(
    data_dir: str | Path,
    run: str | Path,
    config: Config,
    variants: list[str],
    folds: list[int] | None = None,
    progress: bool = True,
) -> dict:
    """Cross-validate ADFL under each variant into ``RUN/<variant>/``; return the comparison.

    The comparison (also written to ``RUN/ablation.json``) holds, per variant, the pooled
    accuracy, the mean and std over folds, and the change from ``paper`` when it ran.
    """
    from adfl_teach.cv import cross_validate
    from adfl_teach.runtime import atomic_write_json
    from adfl_teach.summary import summarize

    run = Path(run)
    resolved = [get_variant(v) for v in variants]  # fail before training anything
    rows = {}
    for variant in resolved:
        cfg = variant.apply(config)
        cross_validate(data_dir, run / variant.name, cfg, ("adfl",), folds, variant.name, progress)
        s = summarize(run / variant.name, figures=False)["models"]["adfl"]
        rows[variant.name] = {
            "description": variant.description,
            "overall_accuracy": s["overall_accuracy"],
            "mean_fold_accuracy": s["mean_fold_accuracy"],
            "std_fold_accuracy": s["std_fold_accuracy"],
            "folds": s["folds"],
        }
    if "paper" in rows:
        for row in rows.values():
            row["change_from_paper"] = row["overall_accuracy"] - rows["paper"]["overall_accuracy"]
    atomic_write_json(run / "ablation.json", rows)
    return rows


def format_ablation(rows: dict) -> str:
    lines = [f"{'variant':<26} {'overall %':>9} {'mean % ± std':>15} {'vs paper':>9}  what changes"]
    for name, r in rows.items():
        delta = r.get("change_from_paper")
        delta = "" if delta is None else f"{100 * delta:+.2f}"
        lines.append(
            f"{name:<26} {100 * r['overall_accuracy']:>9.2f} "
            f"{100 * r['mean_fold_accuracy']:>8.2f} ± {100 * r['std_fold_accuracy']:<5.2f} "
            f"{delta:>9}  {r['description']}"
        )
    return "\n".join(lines)
