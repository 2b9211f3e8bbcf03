"""CSV to an image-level manifest (spec 02 §8.3): no header; column 1 the image file name or its
s3:// URI (not both in one file), then one or more labels. An image listed twice makes no manifest:
`<base>-deduplicated.csv` (first rows) and `<base>-duplicates.csv` (later rows) are written instead."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from customlabels.manifest.builders import image_level_line, now_timestamp
from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.converters.conversion import Conversion, ConversionError


@dataclass(frozen=True)
class Duplicates:
    deduplicated: Path
    duplicates: Path
    count: int


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return [
                (number, [cell.strip() for cell in row])
                for number, row in enumerate(csv.reader(handle), 1)
                if any(cell.strip() for cell in row)
            ]
    except FileNotFoundError:
        raise ConversionError(f"{path} does not exist", "give the path of the CSV file") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise ConversionError(f"{path} is not a UTF-8 CSV file: {error}",
                              "save it as CSV with UTF-8 encoding, rows IMAGE,LABEL[,LABEL...]") from None


def split_duplicates(path: Path, rows: list[tuple[int, list[str]]]) -> Duplicates | None:
    """None when every image is listed once; otherwise write the two helper files (spec 02 §8.3)."""
    seen: set[str] = set()
    first, later = [], []
    for _, row in rows:
        (later if row[0] in seen else first).append(row)
        seen.add(row[0])
    base = path.with_suffix("")
    deduplicated, duplicates = Path(f"{base}-deduplicated.csv"), Path(f"{base}-duplicates.csv")
    if not later:
        deduplicated.unlink(missing_ok=True)
        duplicates.unlink(missing_ok=True)
        return None
    for target, target_rows in ((deduplicated, first), (duplicates, later)):
        with target.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(target_rows)
    return Duplicates(deduplicated, duplicates, len(later))


def _source_ref(image: str, s3_path: str | None, number: int) -> str:
    if is_s3_uri(image):
        return image
    if not s3_path:
        raise ConversionError(f"row {number}: {image!r} is a file name, not an s3:// URI",
                              "pass --s3-path s3://BUCKET/PREFIX/ to say where the images are")
    prefix = parse_s3_uri(s3_path, require_key=False)
    return f"s3://{prefix.bucket}/{prefix.key.rstrip('/') + '/' if prefix.key.strip('/') else ''}{image}"


def convert_rows(rows: list[tuple[int, list[str]]], s3_path: str | None) -> Conversion:
    styles = {is_s3_uri(row[0]) for _, row in rows}
    if len(styles) > 1:
        raise ConversionError("column 1 mixes file names and s3:// URIs",
                              "use one style for every row (file names with --s3-path, or s3:// URIs)")
    conversion = Conversion()
    created = now_timestamp()
    for number, row in rows:
        labels = [label for label in row[1:] if label]
        if not labels:
            conversion.skipped.append((f"row {number}", "no label in columns 2..n"))
            continue
        source_ref = _source_ref(row[0], s3_path, number)
        try:
            line = image_level_line(
                source_ref,
                labels,
                creation_date=created,
                job_name=f"labeling-job/{labels[0]}",
            )
        except ValueError as error:
            raise ConversionError(f"row {number}: {error}", f"correct row {number} of the CSV file") from None
        for label in labels:
            line[f"{label}-metadata"]["job-name"] = f"labeling-job/{label}"
        conversion.lines.append(line)
    if not conversion.lines:
        raise ConversionError("no rows with an image and a label",
                              "write one row per image: IMAGE,LABEL[,LABEL...], no header")
    return conversion
