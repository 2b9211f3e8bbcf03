"""Real PNG/JPEG bytes for the tests (Pillow is fine here: tests never ship to Lambda)."""

from __future__ import annotations

import io

from PIL import Image


def png(width: int = 128, height: int = 96, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(width: int = 128, height: int = 96, color: tuple[int, int, int] = (30, 30, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def oversized_png(total_bytes: int = 16 * 1024 * 1024) -> bytes:
    """A valid 128x96 PNG padded past the 15 MB S3 limit (bytes after IEND are ignored by readers)."""
    data = png()
    return data + b"\0" * (total_bytes - len(data))
