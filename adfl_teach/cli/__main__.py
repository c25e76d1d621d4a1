"""``python -m adfl_teach.cli``: the same as the ``adfl-teach`` command."""

import sys

from adfl_teach.cli import main

sys.exit(main())
