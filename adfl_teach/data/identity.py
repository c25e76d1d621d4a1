"""Identity leaks: one person under two subject ids (checks beyond the paper).

Subject-independent cross-validation (sec. 3.2) keeps every subject's images in one fold.
That only holds when one person is one subject id: a subject folder copied under a case
variant (``S002`` and ``s002``) or under another id with renamed files would put the same
faces into a training fold and a test fold, and the test accuracy would measure recognition
of a face seen in training. :func:`check_identities` refuses both before anything is detected,
each time with one line naming the two places:

- subject ids that differ only in case (also two folders that a case-insensitive file system,
  macOS or Windows, would write into one);
- identical file content (SHA-256 of the bytes, as the image cache hashes them) under two
  subject ids; identical files within one subject are allowed.

Subject and sequence ids are also written to ``manifest.csv`` as UTF-8 text, so an id whose
folder name is not UTF-8 is refused here too, before an hour of detection.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from adfl_teach.data.errors import DatasetError
from adfl_teach.data.imagefiles import is_utf8
from adfl_teach.data.protocols.base import Sample


def check_identities(samples: Sequence[Sample]) -> None:
    """Refuse (DatasetError, one line) what would let one person be two subjects: ids equal up
    to case, identical files under two ids; and ids that are not UTF-8."""
    check_subject_ids(samples)
    check_duplicate_files(samples)


def check_subject_ids(samples: Sequence[Sample]) -> None:
    """Subject ids compared case-insensitively: two spellings of one id are refused, naming a
    file of each; an id or sequence that is not UTF-8 is refused naming its file."""
    first: dict[str, Sample] = {}
    for sample in samples:
        for what, value in (("subject", sample.subject), ("sequence", sample.sequence)):
            if not is_utf8(value):
                raise DatasetError(
                    f"{sample.source}: the {what} id {value!r} is not UTF-8 text, which "
                    "manifest.csv needs: rename its folder"
                )
        seen = first.setdefault(sample.subject.casefold(), sample)
        if seen.subject != sample.subject:
            raise DatasetError(
                f"{sample.source}: subject ids {seen.subject!r} (e.g. {seen.source}) and "
                f"{sample.subject!r} differ only in case: one person would be two subjects, "
                "possibly in a training and a test fold; merge the two folders or remove one"
            )


def check_duplicate_files(samples: Sequence[Sample]) -> None:
    """Identical bytes under two subject ids are refused, naming both files. A file that
    cannot be read is left to the reading step, which names it."""
    owner: dict[str, Sample] = {}
    seen_sources: set[str] = set()
    for sample in samples:
        if str(sample.source) in seen_sources:  # several frames of one video
            continue
        seen_sources.add(str(sample.source))
        try:
            digest = hashlib.sha256(sample.source.read_bytes()).hexdigest()
        except OSError:
            continue
        other = owner.setdefault(digest, sample)
        if other.subject != sample.subject:
            raise DatasetError(
                f"{sample.source}: the same file content as {other.source} (SHA-256 "
                f"{digest[:12]}), under subject {sample.subject!r} and subject "
                f"{other.subject!r}: one person would be two subjects, possibly in a training "
                "and a test fold; remove the copy or give both the same subject id"
            )
