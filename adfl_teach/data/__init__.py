"""Datasets: the in-memory :class:`~adfl_teach.data.imageset.ImageSet`, prepared datasets on
disk (:mod:`~adfl_teach.data.prepared`, their image :mod:`~adfl_teach.data.cache`), the
:mod:`~adfl_teach.data.protocols` that read the paper's databases, the preparation
(:mod:`~adfl_teach.data.prepare`), the folds (:mod:`~adfl_teach.data.folds`) and the output
folders the tool owns (:mod:`~adfl_teach.data.output`).
"""

from adfl_teach.data.imageset import ImageSet

__all__ = ["ImageSet"]
