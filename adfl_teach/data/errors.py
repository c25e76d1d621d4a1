"""The error of the data layer (also importable from :mod:`adfl_teach.data.prepared`)."""


class DatasetError(ValueError):
    """Bad input for preparation or a malformed prepared dataset; the message names the file."""
