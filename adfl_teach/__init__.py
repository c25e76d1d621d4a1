"""adfl-teach: ADFL (Bai, Xie & Shen, ICIP 2019) re-implemented for teaching.

Start here::

    from adfl_teach import ADFL, Baseline, get_preset
    model = ADFL(num_classes=8, neutral_index=0)      # CK+: neutral + 7 expressions
    out = model(images)                                 # (B, 3, 112, 96)
    out.f_e, out.f_n, out.f_r                           # (B, 256) each

Reading order of the method (the flat modules of this package), from the paper's numbers
to the trained and measured model:

1. :mod:`~adfl_teach.config`: the paper's numbers and the presets;
   :mod:`~adfl_teach.validation`: their checks.
2. :mod:`~adfl_teach.classes`: each database's classes; neutral and the heads.
3. :mod:`~adfl_teach.layers` and :mod:`~adfl_teach.model`: Table 1, Fig. 2, the seven
   parts and the routing of each loss.
4. :mod:`~adfl_teach.losses`: eqs. (2)-(8).
5. :mod:`~adfl_teach.crops`: the ten crops (sec. 3.1).
6. :mod:`~adfl_teach.optimization` and :mod:`~adfl_teach.training`: Adam, the schedule,
   one fold trained (sec. 3.1).
7. :mod:`~adfl_teach.evaluation`: ten-crop accuracy on the expressions.
8. :mod:`~adfl_teach.diagnostics`: the adversarial game, measured.
9. :mod:`~adfl_teach.acceleration`, :mod:`~adfl_teach.head_refit`,
   :mod:`~adfl_teach.ablations`, :mod:`~adfl_teach.runtime`: speed, a refit head, the
   variants, devices and seeds.

Around the method: :mod:`adfl_teach.experiments` (cross-validation, run folders, reports),
:mod:`adfl_teach.teaching` (the book's helpers and figures), :mod:`adfl_teach.cli` (the
command line), and the data packages :mod:`adfl_teach.data`, :mod:`adfl_teach.preprocess`,
:mod:`adfl_teach.synth`. The README's "Layout" section is the map.
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
