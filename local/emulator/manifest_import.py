"""Importing JSON lines into a dataset (spec 02 §7, §9): terminal content errors drop the line."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from customlabels.manifest import validate_line
from local.emulator.entries import read_entry

MAX_LINE_CHARS = 100_000
MAX_LABELS = 250
MAX_LINES = 250_000
INVALID_SHARE = 0.2

FILE_INVALID = "The manifest file extension or contents are invalid."
FILE_EMPTY = "The manifest file is empty."
TOO_MANY_ROWS = "The manifest file has too many rows."
TOO_MANY_RECORDS_IN_ERROR = "The manifest file has too many terminal errors."
TOO_MANY_LABELS = "The manifest file has too many labels."
NOT_ENOUGH_TO_DISTRIBUTE = "The manifest file doesn't have enough labeled images to distribute the dataset."


class ImportFailed(Exception):
    def __init__(self, message: str, code: str = "CLIENT_ERROR") -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class ImportedLines:
    entries: dict[str, str]
    dropped: int


def parse_lines(text: str, existing: dict[str, str] | None = None) -> ImportedLines:
    """Keep lines that are JSON objects with an s3:// source-ref (a later line for the same
    source-ref replaces an existing entry; a repeat inside the same text is dropped)."""
    entries = dict(existing or {})
    seen: set[str] = set()
    dropped = 0
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ImportFailed(TOO_MANY_ROWS)
    for number, line in enumerate(lines, start=1):
        source_ref = _source_ref(line)
        if source_ref is None or source_ref in seen:
            dropped += 1
            continue
        seen.add(source_ref)
        entries[source_ref] = validate_line(line, number).validation_line()  # non-terminal errors attached
    if lines and dropped / len(lines) > INVALID_SHARE:
        raise ImportFailed(TOO_MANY_RECORDS_IN_ERROR)
    labels = set().union(*(read_entry(line).labels for line in entries.values()))
    if len(labels) > MAX_LABELS:
        raise ImportFailed(TOO_MANY_LABELS)
    return ImportedLines(entries, dropped)


def parse_manifest(text: str) -> ImportedLines:
    if not text.strip():
        raise ImportFailed(FILE_EMPTY)
    return parse_lines(text)


def _source_ref(line: str) -> str | None:
    if not line.strip() or len(line) > MAX_LINE_CHARS:
        return None
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    value = data.get("source-ref") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value.startswith("s3://") and "/" in value[5:] else None


def split_for_test(entries: dict[str, str], seed: str) -> tuple[dict[str, str], dict[str, str]]:
    """Move 20 % of the entries (a fixed, seed-dependent choice) to a test set."""
    keys = sorted(entries, key=lambda k: hashlib.sha256(f"{seed}/{k}".encode()).hexdigest())
    count = round(len(keys) * 0.2)
    if len(keys) < 2 or count == 0:
        raise ImportFailed(NOT_ENOUGH_TO_DISTRIBUTE)
    moved = set(keys[:count])
    return (
        {k: v for k, v in entries.items() if k not in moved},
        {k: v for k, v in entries.items() if k in moved},
    )
