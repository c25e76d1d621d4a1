"""``python -m adfl_teach`` is the ``adfl-teach`` command."""

import sys

from adfl_teach.cli import main

sys.exit(main())
