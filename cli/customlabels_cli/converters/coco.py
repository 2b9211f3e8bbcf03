"""COCO object detection to a bounding-box manifest (spec 02 §8.1): one line per image, also for images
without annotations; source-ref is the S3 prefix plus file_name (or coco_url when it is an s3:// URI)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from customlabels.manifest.builders import Box, bounding_box_line
from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.converters.conversion import Conversion, ConversionError

REQUIRED = {
    "images": ("id", "width", "height", "file_name"),
    "annotations": ("image_id", "category_id", "bbox"),
    "categories": ("id", "name"),
}


def read_coco(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConversionError(f"{path} does not exist", "give the path of the COCO JSON file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConversionError(f"{path} is not a JSON file: {error}",
                              "give the COCO annotations file (instances_*.json), UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise ConversionError(f"{path} holds a JSON {type(document).__name__}, not a COCO object",
                              "give a COCO file: one object with images, annotations and categories lists")
    for section, fields in REQUIRED.items():
        entries = document.get(section)
        if not isinstance(entries, list):
            raise ConversionError(f"{path} has no {section} list",
                                  "a COCO file needs images, annotations and categories lists")
        for index, entry in enumerate(entries):
            missing = [name for name in fields if not isinstance(entry, Mapping) or name not in entry]
            if missing:
                raise ConversionError(f"{section}[{index}] lacks {', '.join(missing)}",
                                      f"give every {section} entry {', '.join(fields)}")
    return document


def creation_date(date_captured: Any) -> str | None:
    """COCO `YYYY-MM-DD HH:MM:SS` as `YYYY-MM-DDTHH:MM:SS`; None (use now) when absent or unreadable."""
    if not isinstance(date_captured, str):
        return None
    try:
        return datetime.fromisoformat(date_captured.strip()).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def _source_ref(image: Mapping, s3_path: str | None) -> str:
    if is_s3_uri(image.get("coco_url")):
        return image["coco_url"]
    if not s3_path:
        raise ConversionError(
            f"image {image['id']} ({image['file_name']}) has no s3:// coco_url",
            "pass --s3-path s3://BUCKET/PREFIX/ where the images are (e.g. after aws s3 sync)",
        )
    prefix = parse_s3_uri(s3_path, require_key=False)
    key = f"{prefix.key.rstrip('/')}/{image['file_name']}" if prefix.key.strip("/") else image["file_name"]
    return f"s3://{prefix.bucket}/{key}"


def convert_coco(
    document: Mapping, s3_path: str | None, job_name: str = "customlabels-convert/coco"
) -> Conversion:
    categories = {category["id"]: str(category["name"]) for category in document["categories"]}
    images = {image["id"]: image for image in document["images"]}
    by_image: dict[Any, list[Box]] = defaultdict(list)
    conversion = Conversion()
    for index, annotation in enumerate(document["annotations"]):
        image_id, category = annotation["image_id"], annotation["category_id"]
        if image_id not in images:
            conversion.skipped.append((f"annotations[{index}]", f"image_id {image_id} is not in images"))
        elif category not in categories:
            conversion.skipped.append(
                (f"annotations[{index}]", f"category_id {category} is not in categories")
            )
        elif not (isinstance(annotation["bbox"], list) and len(annotation["bbox"]) == 4):
            conversion.skipped.append((f"annotations[{index}]", "bbox is not [x, y, width, height]"))
        else:
            left, top, width, height = annotation["bbox"]
            by_image[image_id].append(Box(categories[category], left, top, width, height))
    for image_id, image in images.items():
        conversion.lines.append(
            bounding_box_line(
                _source_ref(image, s3_path),
                int(image["width"]),
                int(image["height"]),
                by_image[image_id],
                job_name=job_name,
                creation_date=creation_date(image.get("date_captured")),
            )
        )
    if not conversion.lines:
        raise ConversionError("the COCO file lists no images", "add the images to its images list")
    return conversion
