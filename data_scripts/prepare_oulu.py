"""``python data_scripts/prepare_oulu.py --src DIR --out DIR`` = ``adfl-teach prepare oulu``.

The help text (layout, where to get the database) comes from the protocol class.
"""

import sys

from _common import main

if __name__ == "__main__":
    sys.exit(main("oulu"))
