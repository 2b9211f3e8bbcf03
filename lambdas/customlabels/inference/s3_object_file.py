"""One S3 object version as a seekable binary file, read with ranged GETs.

The decoder opens a long video through it: reading the container's header takes a few GETs, and a
chunk of the batch analysis reads only the bytes of its window (after seeking), never the whole file.
``io.BufferedReader`` does the buffering; each refill is one ranged GET of ``buffer_bytes``.
"""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from customlabels.inference.errors import TransientProblem

BUFFER_BYTES = 4 * 1024 * 1024


class _RangedObject(io.RawIOBase):
    def __init__(self, s3: Any, bucket: str, key: str, version_id: str | None, size: int) -> None:
        self._s3, self._bucket, self._key = s3, bucket, key
        self._version = {"VersionId": version_id} if version_id else {}
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._size or len(buffer) == 0:
            return 0
        last = min(self._position + len(buffer), self._size) - 1
        try:
            response = self._s3.get_object(
                Bucket=self._bucket, Key=self._key, Range=f"bytes={self._position}-{last}", **self._version
            )
            data = response["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise TransientProblem(f"reading s3://{self._bucket}/{self._key} failed: {error}") from error
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def open_object(
    s3: Any, bucket: str, key: str, *, version_id: str | None, size: int, buffer_bytes: int = BUFFER_BYTES
) -> io.BufferedReader:
    """``size``: the object's length in bytes (from the event or a HeadObject)."""
    return io.BufferedReader(_RangedObject(s3, bucket, key, version_id, size), buffer_size=buffer_bytes)
