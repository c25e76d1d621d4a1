"""Prepare Oulu-CASIA (VIS, strong illumination) for ADFL: ``python
data_scripts/prepare_oulu.py --src /path/to/Oulu-CASIA --out data/oulu``.

Where to get it: Oulu-CASIA NIR&VIS (Zhao et al., Image and Vision Computing 2011) is
distributed by the University of Oulu (Center for Machine Vision and Signal Analysis) to
researchers who sign its licence agreement. This project never ships or downloads it: point
``--src`` at your copy (the folder holding ``VL/Strong`` or ``OriginalImg/VL/Strong``, or the
``Strong`` folder itself).

Same code and options as ``adfl-teach prepare oulu`` (see ``--help``); protocol details in
``adfl_teach/data/protocols/oulu.py``.
"""

import sys

from _common import main

if __name__ == "__main__":
    sys.exit(main("oulu", __doc__))
