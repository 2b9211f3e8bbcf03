"""Opening images under the service's limits (spec 02 §3, spec 05 §7)."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from local.emulator.errors import ImageTooLargeException, InvalidImageFormatException

MAX_BYTES_INLINE = 4 * 1024 * 1024
MAX_BYTES_S3 = 15 * 1024 * 1024
MIN_SIDE, MAX_SIDE = 64, 4096
MAX_ASPECT = 20.0
FORMATS = {"PNG", "JPEG"}


def open_image(data: bytes, max_bytes: int) -> Image.Image:
    """Decode PNG/JPEG bytes into RGB, raising the API's exceptions for anything out of limits."""
    if len(data) > max_bytes:
        raise ImageTooLargeException(
            f"The image is {len(data)} bytes; the limit is {max_bytes} bytes. Send a smaller image."
        )
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidImageFormatException(
            f"The image could not be decoded ({error}). Send a PNG or JPEG image."
        ) from None
    if image.format not in FORMATS:
        raise InvalidImageFormatException(
            f"The image format {image.format} is not supported: use PNG or JPEG."
        )
    width, height = image.size
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise InvalidImageFormatException(
            f"The image is {width}x{height} px; each side must be between {MIN_SIDE} and {MAX_SIDE} px."
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise InvalidImageFormatException(f"The image aspect ratio exceeds {MAX_ASPECT:.0f}:1.")
    return image.convert("RGB")

