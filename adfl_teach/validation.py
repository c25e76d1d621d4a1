"""The rules a configuration must satisfy: each names the field it checks, so an invalid
value fails with one clear line (``invalid configuration: optim.lr must be positive, got -1``).
"""

from __future__ import annotations

import dataclasses

RESIDUES = ("features", "maps")
CLASSIFIERS = ("ams", "softmax")
SCHEDULES = ("constant", "step", "cosine")
TRAIN_CROPS = ("all", "random")
AMP_MODES = ("off", "fp16", "bf16")


class ConfigError(ValueError):
    """An invalid configuration value. The message names the field and the reason."""


def fail(name: str, why: str):
    raise ConfigError(f"invalid configuration: {name} {why}")


def check_keys(cls, data: dict, prefix: str = "") -> None:
    """Every key of ``data`` must be a field of the dataclass ``cls`` (e.g. in an old file)."""
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            fail(f"{prefix}{key}", f"is not a setting; known: {', '.join(sorted(known))}")


def _choice(choices: tuple) -> tuple:
    return choices.__contains__, f"must be one of {', '.join(map(repr, choices))}"


def _positive(value) -> bool:
    return value > 0


def _non_negative(value) -> bool:
    return value >= 0


# (field, check, requirement): every single-field rule.
RULES = (
    ("model.widths", lambda v: len(v) == 4, "must have 4 entries (Conv1, Conv2, Conv3, branches)"),
    ("model.widths", lambda v: all(int(w) > 0 for w in v), "must be positive"),
    ("model.units", lambda v: all(int(u) >= 0 for u in v), "must be >= 0"),
    ("model.feature_dim", _positive, "must be positive"),
    ("model.residue", *_choice(RESIDUES)),
    ("model.classifier", *_choice(CLASSIFIERS)),
    ("model.scale", _positive, "must be positive"),
    ("loss.margin", lambda v: 0 <= v < 1, "must satisfy 0 <= m < 1 (cosines lie in [-1, 1])"),
    ("loss.lambda_d", _non_negative, "must be >= 0"),
    ("loss.lambda_n", _non_negative, "must be >= 0"),
    ("loss.lambda_r", _non_negative, "must be >= 0"),
    ("optim.lr", _positive, "must be positive"),
    ("optim.betas", lambda v: len(v) == 2 and all(0 <= b < 1 for b in v), "must be two in [0, 1)"),
    ("optim.eps", _positive, "must be positive"),
    ("optim.weight_decay", _non_negative, "must be >= 0"),
    ("optim.batch_size", lambda v: v >= 1, "must be >= 1"),
    ("optim.epochs", lambda v: v >= 1, "must be >= 1"),
    ("optim.schedule", *_choice(SCHEDULES)),
    ("optim.head_refit_epochs", _non_negative, "must be >= 0"),
    ("data.crop", lambda v: min(v) >= 16, "must be >= 16 high and wide (four stride-2 stages)"),
    ("data.train_crops", *_choice(TRAIN_CROPS)),
    ("data.synth_subjects", lambda v: v >= 10, "must be >= 10 (one subject per fold)"),
    ("eval_every", lambda v: v >= 1, "must be >= 1"),
    ("amp", *_choice(AMP_MODES)),
    ("device", lambda v: v in ("auto", "cpu", "cuda", "mps") or v.startswith("cuda:"),
     "must be auto, cpu, cuda, cuda:N or mps"),
)  # fmt: skip


def check_config(cfg) -> None:
    """Raise :class:`ConfigError` naming the field and the reason for the first invalid value
    of a :class:`~adfl_teach.config.Config` (the preset name is checked in ``config``)."""
    for name, check, requirement in RULES:
        value = cfg
        for part in name.split("."):
            value = getattr(value, part)
        if not check(value):
            fail(name, f"{requirement}, got {value!r}")
    m, d = cfg.model, cfg.data
    if len(m.units) != len(m.widths):
        fail("model.units", f"has {len(m.units)} entries but model.widths has {len(m.widths)}")
    if d.crop[0] > d.canvas[0] or d.crop[1] > d.canvas[1]:
        fail("data.crop", f"{d.crop} must fit inside data.canvas {d.canvas}")
    if m.standardize_features and m.residue != "features":
        fail("model.standardize_features", "standardises eq. (5)'s f_e and f_n: it needs "
             f"model.residue='features', got {m.residue!r}")  # fmt: skip
