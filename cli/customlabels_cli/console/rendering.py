"""The static evaluation report: the console's evaluation page as one self-contained file (styles,
script and thumbnails embedded), filtered in the browser."""

from __future__ import annotations

import base64
from collections.abc import Callable
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from customlabels.s3uri import parse_s3_uri
from customlabels_cli.console.evaluation_page import page_context
from customlabels_cli.support.evaluation_images import TestImage
from customlabels_cli.support.version_evaluation import VersionEvaluation

MEDIA_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def media_type(data: bytes) -> str:
    return next(
        (kind for magic, kind in MEDIA_TYPES.items() if data.startswith(magic)), "application/octet-stream"
    )


def s3_data_uri(s3: Any) -> Callable[[TestImage], str]:
    def embed(image: TestImage) -> str:
        uri = parse_s3_uri(image.source_ref)
        data = s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read()
        return f"data:{media_type(data)};base64,{base64.b64encode(data).decode()}"

    return embed


def _static(name: str) -> str:
    return resources.files("customlabels_cli.console").joinpath("static", name).read_text(encoding="utf-8")


def static_report(view: VersionEvaluation, image_src: Callable[[TestImage], str]) -> str:
    environment = Environment(
        loader=PackageLoader("customlabels_cli.console", "templates"), autoescape=select_autoescape()
    )
    return environment.get_template("report.html").render(
        page=page_context(view, image_src), css=_static("console.css"), js=_static("console.js")
    )
