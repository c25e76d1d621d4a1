"""Prepare CK+ (the Extended Cohn-Kanade database) for ADFL: ``python data_scripts/prepare_ckplus.py
--src /path/to/CK+ --out data/ckplus``.

Where to get it: CK+ (Lucey et al., CVPR Workshops 2010) is distributed by its authors (the
Affect Analysis Group, University of Pittsburgh) to researchers who sign its licence agreement.
This project never ships or downloads it: request it yourself and point ``--src`` at your copy,
with ``cohn-kanade-images/``, ``Emotion/`` and (optional) ``Landmarks/`` side by side.

Same code and options as ``adfl-teach prepare ckplus`` (see ``--help``); protocol details in
``adfl_teach/data/protocols/ckplus.py``.
"""

import sys

from _common import main

if __name__ == "__main__":
    sys.exit(main("ckplus", __doc__))
