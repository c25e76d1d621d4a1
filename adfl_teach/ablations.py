"""The variant registry: each design choice of sec. 2 as a named change of the configuration.

``VARIANTS[name].apply(config)`` returns the changed :class:`~adfl_teach.config.Config`;
nothing else changes. Besides the fixed names, AMS overrides are parsed from the name:
``ams-m0.2`` (margin m = 0.2), ``ams-s16`` (scale s = 16), ``ams-m0.2-s16`` (both).

Variants whose name starts with ``beyond-`` are remedies that are *not* in the paper
(``Variant.beyond_paper``); every list and table marks them "beyond the paper". The runner
that cross-validates variants is :func:`adfl_teach.experiments.pipelines.ablate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from adfl_teach.config import Config

BEYOND_PAPER = "beyond the paper"


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    change: Callable[[Config], Config]
    question: str = ""
    beyond_paper: bool = False  # a remedy of ours, not the published method

    def apply(self, config: Config) -> Config:
        return self.change(config)

    @property
    def label(self) -> str:
        """The description, prefixed "[beyond the paper]" where that applies."""
        return f"[{BEYOND_PAPER}] {self.description}" if self.beyond_paper else self.description


def _loss(**kw):
    return lambda cfg: cfg.replace(loss=kw)


def _model(**kw):
    return lambda cfg: cfg.replace(model=kw)


def _optim(**kw):
    return lambda cfg: cfg.replace(optim=kw)


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
        Variant(
            "beyond-head-refit",
            "after training, B_r's FC and the classifier are refit for 10 epochs on the frozen "
            "residual features f_e - f_n",
            _optim(head_refit_epochs=10),
            "Is the ADFL-r head under-fit (l_r stops at the residue, so it chases moving "
            "features)?",
            beyond_paper=True,
        ),
        Variant(
            "beyond-standardize",
            "f_e and f_n standardised (non-affine BatchNorm) before the dispeller and the "
            "residue, so a small or constant f_n cannot fool the dispeller",
            _model(standardize_features=True),
            "Does taking f_n's scale out of the game (and of the residue) help?",
            beyond_paper=True,
        ),
    )
}

_AMS = re.compile(r"^ams(?:-m(?P<m>[0-9.]+))?(?:-s(?P<s>[0-9.]+))?$")


def _ams(margin: float | None = None, scale: float | None = None):
    """m is a loss setting (eq. 6's margin), s a model setting (the classifier's scale)."""

    def change(cfg: Config) -> Config:
        if margin is not None:
            cfg = cfg.replace(loss={"margin": margin})
        return cfg if scale is None else cfg.replace(model={"scale": scale})

    return change


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
            return Variant(name, f"AMS with {desc}", _ams(**changes), "How sensitive is AMS?")
    known = ", ".join([*VARIANTS, "ams-m<m>", "ams-s<s>", "ams-m<m>-s<s>"])
    raise ValueError(f"unknown ablation variant {name!r}; choose from {known}")


def format_variants() -> str:
    """The registry as ``adfl-teach ablate --list`` prints it."""
    lines = [f"{v.name:<26} {v.label}" for v in VARIANTS.values()]
    lines.append(f"{'ams-m<m>-s<s>':<26} AMS margin and/or scale overrides, e.g. ams-m0.2, ams-s16")
    return "\n".join(lines)
