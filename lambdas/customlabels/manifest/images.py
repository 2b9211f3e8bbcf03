"""Image header probe: size, format and dimensions of an S3 object from a few ranged GETs.

The first GET reads `FIRST_READ` bytes; the object size comes from its Content-Range header. PNG keeps
its dimensions in the IHDR chunk (bytes 16-24). JPEG keeps them in a SOFn segment after any number of
APPn segments (EXIF thumbnails can be 60 KB): the walker jumps over segments and issues a further small
GET at the next marker only when the segment header lies past what was read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from customlabels.s3uri import parse_s3_uri

FIRST_READ = 8192
NEXT_READ = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8\xff"
# SOF0-3, 5-7, 9-11, 13-15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
JPEG_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
OTHER_FORMATS = ((b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"),
                 (b"MM\x00*", "TIFF"))
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})
DENIED_CODES = frozenset({"AccessDenied", "403", "AllAccessDisabled", "KMS.AccessDeniedException",
                          "InvalidObjectState"})


@dataclass(frozen=True, slots=True)
class ImageProbe:
    source_ref: str
    size: int = 0
    format: str | None = None
    width: int | None = None
    height: int | None = None
    bytes_read: int = 0
    error: str | None = None  # the object could not be read: why
    access_denied: bool = False
    unreachable: bool = False  # S3 itself could not be reached (credentials, endpoint, network)


class _RangedObject:
    def __init__(self, s3, bucket: str, key: str, version_id: str | None = None) -> None:
        self._s3 = s3
        self._location = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        self.size: int | None = None
        self.bytes_read = 0

    def read(self, offset: int, length: int) -> bytes:
        if self.size is not None and offset >= self.size:
            return b""
        response = self._s3.get_object(**self._location, Range=f"bytes={offset}-{offset + length - 1}")
        data = response["Body"].read()
        self.bytes_read += len(data)
        if self.size is None:
            self.size = _total_size(response, len(data))
        return data


def _total_size(response: dict, received: int) -> int:
    content_range = response.get("ContentRange") or ""
    total = content_range.rpartition("/")[2]
    return int(total) if total.isdigit() else int(response.get("ContentLength", received))


def probe_image(s3, source_ref: str, version_id: str | None = None) -> ImageProbe:
    """Read just enough of the object at `source_ref` (that version, when given) to learn its size,
    format and dimensions."""
    try:
        uri = parse_s3_uri(source_ref)
    except ValueError as error:
        return ImageProbe(source_ref, error=str(error))
    obj = _RangedObject(s3, uri.bucket, uri.key, version_id)
    try:
        head = obj.read(0, FIRST_READ)
        kind, width, height = _identify(obj, head)
    except ClientError as error:
        return _failed(source_ref, obj, error)
    except BotoCoreError as error:
        reason = "no AWS credentials were found" if isinstance(error, NoCredentialsError) else str(error)
        return ImageProbe(source_ref, bytes_read=obj.bytes_read, unreachable=True,
                          error=f"the object could not be read: {reason}")
    return ImageProbe(source_ref, obj.size or 0, kind, width, height, obj.bytes_read)


def _failed(source_ref: str, obj: _RangedObject, error: ClientError) -> ImageProbe:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "InvalidRange":
        return ImageProbe(source_ref, 0, None, bytes_read=obj.bytes_read, error="the object is empty")
    if code in MISSING_CODES:
        return ImageProbe(source_ref, bytes_read=obj.bytes_read, error="no object exists at this S3 path")
    if code in DENIED_CODES:
        return ImageProbe(source_ref, bytes_read=obj.bytes_read, access_denied=True,
                          error=f"access to the object was denied ({code})")
    server_fault = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    return ImageProbe(source_ref, bytes_read=obj.bytes_read, unreachable=server_fault,
                      error=f"the object could not be read ({code})")


def _identify(obj: _RangedObject, head: bytes) -> tuple[str | None, int | None, int | None]:
    if head.startswith(PNG_SIGNATURE):
        if len(head) >= 24 and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return "PNG", width, height
        return "PNG", None, None
    if head.startswith(JPEG_SOI):
        size = _jpeg_dimensions(obj, head)
        return ("JPEG", *size) if size else ("JPEG", None, None)
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return "WEBP", None, None
    for magic, name in OTHER_FORMATS:
        if head.startswith(magic):
            return name, None, None
    return None, None, None


def _jpeg_dimensions(obj: _RangedObject, head: bytes) -> tuple[int, int] | None:
    """Walk JPEG segments from SOI to the first SOFn and return (width, height)."""
    window, base, pos = head, 0, 2
    while True:
        at = pos - base
        window_reaches_end = base + len(window) >= (obj.size or 0)
        if at + 9 > len(window) and not window_reaches_end:
            window, base = obj.read(pos, NEXT_READ), pos
        at = pos - base
        if at + 2 > len(window) or window[at] != 0xFF:
            return None
        marker = window[at + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in JPEG_STANDALONE_MARKERS:
            pos += 2
            continue
        if marker in (0xD9, 0xDA) or at + 4 > len(window):
            return None
        if marker in JPEG_SOF_MARKERS:
            if at + 9 > len(window):
                return None
            height, width = struct.unpack(">HH", window[at + 5:at + 9])
            return width, height
        pos += 2 + ((window[at + 2] << 8) | window[at + 3])
