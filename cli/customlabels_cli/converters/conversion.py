"""What a converter produces, and writing it as a manifest (local path or s3:// URI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from customlabels.manifest.builders import to_json_line
from customlabels.s3uri import is_s3_uri, parse_s3_uri

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


class ConversionError(ValueError):
    """The input cannot be converted as a whole: `message` says what is wrong, `fix` what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass
class Conversion:
    lines: list[dict] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (input item, reason)

    @property
    def labels(self) -> set[str]:
        names: set[str] = set()
        for line in self.lines:
            for key, value in line.items():
                if key.endswith("-metadata"):
                    names |= (
                        {value["class-name"]} if "class-name" in value else set(value["class-map"].values())
                    )
        return names


def is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def manifest_text(lines: list[dict]) -> str:
    return "".join(to_json_line(line) + "\n" for line in lines)


def write_manifest(lines: list[dict], destination: str, s3: Any = None) -> str:
    if not destination.endswith(".manifest"):
        raise ConversionError(
            f"{destination} does not end in .manifest; the pipeline accepts only .manifest files",
            "name the output NAME.manifest")
    body = manifest_text(lines).encode()
    if is_s3_uri(destination):
        uri = parse_s3_uri(destination)
        if s3 is None:
            import boto3

            s3 = boto3.client("s3")
        s3.put_object(Bucket=uri.bucket, Key=uri.key, Body=body)
    else:
        path = Path(destination)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return destination
