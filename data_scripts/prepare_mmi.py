"""``python data_scripts/prepare_mmi.py --src DIR --out DIR`` = ``adfl-teach prepare mmi``.

The help text (layout, where to get the database) comes from the protocol class.
"""

import sys

from _common import main

if __name__ == "__main__":
    sys.exit(main("mmi"))
