"""One streaming pass over one manifest: validate each line, probe images in bounded concurrent batches,
spool the validation manifest to a temporary file and keep only counts and compact per-line outcomes."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import NamedTuple

from customlabels.manifest import codes
from customlabels.manifest.check_line import apply_image, validate_line
from customlabels.manifest.codes import FileError
from customlabels.manifest.images import ImageProbe
from customlabels.manifest.line import (
    IMAGE_LEVEL_LABELS,
    NOT_DETERMINED,
    OBJECT_LOCALIZATION,
    Issue,
    LineResult,
    Status,
    usable_entry,
)
from customlabels.manifest.rules import duplicate_source_ref
from customlabels.manifest.sampling import StratifiedSampler
from customlabels.manifest.source import ManifestFileError, ManifestSource, iter_lines

BATCH_LINES = 512
FIRST_LINES_PER_CODE = 5
# Codes that drop the whole line before any label check (spec 02 §9.2): counted for TOO_MANY_RECORDS_IN_ERROR.
DROPPED_LINE_CODES = frozenset({codes.INVALID_JSON_LINE.name, codes.MISSING_SOURCE_REF.name,
                                codes.INVALID_SOURCE_REF_FORMAT.name, codes.DUPLICATE_SOURCE_REF.name})


class LineOutcome(NamedTuple):
    line_number: int
    status: Status
    use_cases: tuple[str, ...]
    codes: tuple[str, ...]


@dataclass
class CodeLines:
    """One code's occurrences in a dataset: `count` issues on `lines` distinct lines."""

    count: int = 0
    lines: int = 0
    first_lines: list[int] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # distinct filled-in messages, at most a few


@dataclass
class ImageStats:
    checked: int = 0
    readable: int = 0
    denied: int = 0
    unreachable: int = 0
    bytes_read: int = 0
    bytes_total: int = 0
    not_sampled: int = 0  # valid lines left out of a stratified sample (sampling.py)


@dataclass
class DatasetResult:
    """Everything known about one dataset after its pass; `entries` is what the service would train on."""

    name: str
    location: str
    total: int = 0
    valid: int = 0
    invalid: int = 0
    ignored: int = 0
    dropped: int = 0
    rows_exceeded: bool = False
    error_line_numbers: list[int] = field(default_factory=list)
    # One byte per line (status and use cases, see _pack) and the codes of lines that have any: a
    # 250,000-line manifest costs ~250 KB here instead of one object per line.
    _packed: bytearray = field(default_factory=bytearray)
    _line_codes: dict[int, tuple[str, ...]] = field(default_factory=dict)
    code_lines: dict[str, CodeLines] = field(default_factory=dict)
    use_case_lines: dict[str, int] = field(default_factory=dict)
    label_images: dict[str, Counter[str]] = field(default_factory=dict)
    buckets: dict[str, int] = field(default_factory=dict)
    images: ImageStats = field(default_factory=ImageStats)
    use_case: str = NOT_DETERMINED
    errors: list[Issue] = field(default_factory=list)
    manifest_bucket: str | None = None
    _spool: object = None

    @property
    def outcomes(self) -> Iterator[LineOutcome]:
        """Per-line results in line order."""
        codes_of = self._line_codes.get
        for number, packed in enumerate(self._packed, 1):
            status, use_cases = _UNPACK[packed]
            yield LineOutcome(number, status, use_cases, codes_of(number, ()))

    @property
    def labels(self) -> set[str]:
        return {label for names in self.label_images.values() for label in names}

    @property
    def usable_labels(self) -> set[str]:
        return set(self.label_images.get(self.use_case, ()))

    def validation_lines(self) -> Iterator[str]:
        """The lines of <dataset>_manifest_with_validation.json, without line ends."""
        if self._spool is None:
            return
        self._spool.seek(0)
        for line in self._spool:
            yield line.rstrip("\n")

    def iter_entries(self) -> Iterator[dict]:
        wanted = {_pack(Status.VALID, cases) for cases in _USE_CASE_SETS if self.use_case in cases}
        for packed, line in zip(self._packed, self.validation_lines(), strict=True):
            if packed in wanted:
                yield usable_entry(json.loads(line), self.use_case)

    @property
    def entries(self) -> list[dict]:
        return list(self.iter_entries())

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()


_STATUSES = (Status.VALID, Status.INVALID, Status.IGNORED)
_USE_CASE_SETS = ((), (IMAGE_LEVEL_LABELS,), (OBJECT_LOCALIZATION,),
                  (IMAGE_LEVEL_LABELS, OBJECT_LOCALIZATION))


def _pack(status: Status, use_cases: tuple[str, ...]) -> int:
    return _STATUSES.index(status) * 4 + _USE_CASE_SETS.index(use_cases)


_UNPACK = {_pack(status, cases): (status, cases) for status in _STATUSES for cases in _USE_CASE_SETS}
_PACK = {(status, cases): packed for packed, (status, cases) in _UNPACK.items()}
_PACK[Status.VALID, (OBJECT_LOCALIZATION, IMAGE_LEVEL_LABELS)] = _pack(Status.VALID, _USE_CASE_SETS[3])
# Valid lines are packed without hashing the Status enum (a Python-level __hash__) per line.
_PACK_VALID = {cases: packed for (status, cases), packed in _PACK.items() if status is Status.VALID}
_VALID = Status.VALID  # a module global: reading an enum member off its class costs ~100 ns per line


def empty_dataset(name: str) -> DatasetResult:
    return DatasetResult(name, "")


class _Recorder:
    def __init__(self, result: DatasetResult) -> None:
        self.result = result
        self.spool_write = result._spool.write
        self.pending: list[str] = []  # validation lines not yet written: one write per batch, not per line
        self.write = self.pending.append
        self.pack = result._packed.append
        self.bucket_prefix = "\0"  # "s3://bucket/" of the previous line: most lines share it
        # Label names of the batch per use case, counted once per batch; status and use-case line counts
        # are counted from the packed bytes at the end.
        self.pending_names: dict[str, list[str]] = {IMAGE_LEVEL_LABELS: [], OBJECT_LOCALIZATION: []}

    def record(self, line: LineResult) -> None:
        labels = line.labels
        if labels:
            pending_names = self.pending_names
            for use_case, names in labels.items():
                pending_names[use_case].extend(names)
        ref = line.source_ref
        if ref is not None and not ref.startswith(self.bucket_prefix):
            self._record_bucket(ref, line.line_number)
        if line.issues:
            self._record_issues(line)
            self.write(line.validation_line())
        elif line.obj is None:  # found clean by the fast path: written as read
            self.write(line.text)
        else:
            self.write(line.validation_line())
        status = line.status
        self.pack(_PACK_VALID[tuple(labels)] if status is _VALID else _PACK[status, tuple(labels)])
        if len(self.pending) == BATCH_LINES:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.spool_write("\n".join(self.pending) + "\n")
            self.pending.clear()
        label_images = self.result.label_images
        for use_case, names in self.pending_names.items():
            if names:
                label_images.setdefault(use_case, Counter()).update(names)
                names.clear()

    def finish(self) -> None:
        self.flush()
        result = self.result
        lines_per_pack = Counter(result._packed)
        status_counts = dict.fromkeys(_STATUSES, 0)
        for packed, count in lines_per_pack.items():
            status, use_cases = _UNPACK[packed]
            status_counts[status] += count
            for use_case in use_cases:
                result.use_case_lines[use_case] = result.use_case_lines.get(use_case, 0) + count
        result.valid, result.invalid, result.ignored = (status_counts[status] for status in _STATUSES)
        result.total = result.valid + result.invalid + result.ignored

    def _record_bucket(self, ref: str, number: int) -> None:
        slash = ref.find("/", 5)
        self.bucket_prefix = ref[:slash + 1]
        self.result.buckets.setdefault(ref[5:slash], number)

    def _record_issues(self, line: LineResult) -> None:
        result = self.result
        line_codes = result._line_codes[line.line_number] = line.codes
        if line.has_error:
            result.error_line_numbers.append(line.line_number)
        if line_codes[0] in DROPPED_LINE_CODES:
            result.dropped += 1
        on_this_line: set[str] = set()
        for issue in line.issues:
            name = issue.code.name
            entry = result.code_lines.get(name)
            if entry is None:
                entry = result.code_lines[name] = CodeLines()
            entry.count += 1
            if len(entry.messages) < FIRST_LINES_PER_CODE and "{}" in issue.code.message:
                message = issue.message
                if message not in entry.messages:
                    entry.messages.append(message)
            if name in on_this_line:
                continue
            on_this_line.add(name)
            entry.lines += 1
            if len(entry.first_lines) < FIRST_LINES_PER_CODE:
                entry.first_lines.append(line.line_number)
                if issue.detail:
                    entry.details.append(issue.detail)


def scan_dataset(name: str, source: ManifestSource, *, max_rows: int,
                 probe: Callable[[str], ImageProbe] | None = None,
                 pool: Executor | None = None, sampler: StratifiedSampler | None = None) -> DatasetResult:
    """Validate every line of `source` (up to max_rows), checking images with `probe` when given."""
    result = DatasetResult(name, source.location, manifest_bucket=source.bucket)
    result._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115 - owned by result
    recorder = _Recorder(result)
    seen: set[str] = set()
    batch: list[LineResult] = []
    non_blank = False
    for number, text in enumerate(iter_lines(source.stream), 1):
        if number > max_rows:
            result.rows_exceeded = True
            break
        line = validate_line(text, number)
        non_blank = non_blank or bool(text.strip().lstrip("\ufeff"))
        if line.source_ref is not None and duplicate_source_ref(line.source_ref, seen):
            line.issues = [Issue(codes.DUPLICATE_SOURCE_REF, detail=f"{line.source_ref} is already used")]
            line.status, line.labels = Status.INVALID, {}
        if probe is None:
            recorder.record(line)
            continue
        batch.append(line)
        if len(batch) == BATCH_LINES:
            _flush(batch, recorder, probe, pool, sampler)
    _flush(batch, recorder, probe, pool, sampler)
    recorder.finish()
    if not non_blank:
        result.close()
        raise ManifestFileError(FileError.EMPTY, source.location, "the file holds only blank lines")
    return result


def _flush(batch: list[LineResult], recorder: _Recorder, probe, pool,
           sampler: StratifiedSampler | None = None) -> None:
    if probe is not None:
        needing = [line for line in batch if line.needs_image]
        stats = recorder.result.images
        if sampler is not None:
            kept = [line for line in needing
                    if sampler.take({label for names in line.labels.values() for label in names})]
            stats.not_sampled += len(needing) - len(kept)
            needing = kept
        mapper = pool.map if pool is not None else map
        for line, found in zip(needing, mapper(probe, [line.source_ref for line in needing]), strict=True):
            stats.checked += 1
            stats.bytes_read += found.bytes_read
            if found.error is None:
                stats.readable += 1
                stats.bytes_total += found.size
            stats.denied += found.access_denied
            stats.unreachable += found.unreachable
            apply_image(line, found)
    for line in batch:
        recorder.record(line)
    batch.clear()
