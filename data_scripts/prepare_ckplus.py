"""``python data_scripts/prepare_ckplus.py --src DIR --out DIR`` = ``adfl-teach prepare ckplus``.

The help text (layout, where to get the database) comes from the protocol class.
"""

import sys

from _common import main

if __name__ == "__main__":
    sys.exit(main("ckplus"))
