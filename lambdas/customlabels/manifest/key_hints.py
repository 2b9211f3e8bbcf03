""""Did you mean" for a misspelled manifest key, against the guide's key names (spec 02 §4, the
image-level and object-localization line formats: source-ref, the metadata and box fields)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from customlabels.manifest.line import SOURCE_REF

METADATA_KEYS = ("type", "human-annotated", "creation-date", "job-name", "class-name", "confidence",
                 "class-map", "objects")
CUTOFF = 0.75  # source_ref, class-nmae and creation_date match; unrelated label attribute names do not


def did_you_mean(keys: Iterable[object], expected: Iterable[str]) -> str | None:
    """'"source_ref": did you mean "source-ref"?' for each key one edit or so from an expected one."""
    wanted = list(expected)
    hints = []
    for key in keys:
        if not isinstance(key, str) or key in wanted:
            continue
        match = difflib.get_close_matches(key, wanted, n=1, cutoff=CUTOFF)
        if match:
            hints.append(f'"{key}": did you mean "{match[0]}"?')
    return " ".join(hints) or None


def source_ref_hint(obj: dict) -> str | None:
    return did_you_mean(obj, (SOURCE_REF,))


def metadata_hint(meta: object) -> str | None:
    return did_you_mean(meta, METADATA_KEYS) if isinstance(meta, dict) else None
