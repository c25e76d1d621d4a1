"""adfl-teach: ADFL (Bai, Xie & Shen, ICIP 2019) re-implemented for teaching.

Start here::

    from adfl_teach import ADFL, Baseline, get_preset
    model = ADFL(num_classes=8, neutral_index=0)      # CK+: neutral + 7 expressions
    out = model(images)                                 # (B, 3, 112, 96)
    out.f_e, out.f_n, out.f_r                           # (B, 256) each

Modules by concept: :mod:`~adfl_teach.config` (paper numbers, presets),
:mod:`~adfl_teach.layers` and :mod:`~adfl_teach.model` (Table 1, Fig. 2, the routing),
:mod:`~adfl_teach.losses` (eqs. 2-8), :mod:`~adfl_teach.training` (sec. 3.1),
:mod:`~adfl_teach.evaluation` (ten-crop accuracy), :mod:`~adfl_teach.diagnostics` (the
adversarial game), :mod:`~adfl_teach.crops` (the ten crops), :mod:`~adfl_teach.teaching.toydata`.
"""

from adfl_teach.config import Config, ConfigError, get_preset
from adfl_teach.losses import adfl_objective
from adfl_teach.model import ADFL, Baseline, ModelOutput, create_model

__version__ = "0.1.0"

__all__ = [
    "ADFL",
    "Baseline",
    "Config",
    "ConfigError",
    "ModelOutput",
    "adfl_objective",
    "create_model",
    "get_preset",
    "__version__",
]
