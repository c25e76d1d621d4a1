"""Datasets: the in-memory :class:`~adfl_teach.data.imageset.ImageSet`, prepared datasets on
disk, and protocols.
"""

from adfl_teach.data.imageset import ImageSet

__all__ = ["ImageSet"]
