"""Sub-commands of the ``adfl-teach`` CLI; see :mod:`adfl_teach.cli`."""
