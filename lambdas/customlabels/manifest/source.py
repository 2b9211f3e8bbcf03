"""Open a manifest (local path or s3:// URI) as a byte stream, after the manifest-file checks that need
no content: existence, permissions, extension and size (from stat / HeadObject, never by reading)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from customlabels.manifest import limits
from customlabels.manifest.codes import FILE_ERROR_FIXES, FileError
from customlabels.manifest.images import DENIED_CODES, MISSING_CODES
from customlabels.manifest.location import extension_problem
from customlabels.s3uri import is_s3_uri, parse_s3_uri

READ_BUFFER = 1 << 20
# A line of 100,000 characters is at most 400,000 UTF-8 bytes; reading one more byte proves it longer.
LINE_BYTE_LIMIT = limits.MAX_LINE_CHARS * 4 + 1


class ManifestFileError(Exception):
    """A terminal manifest-file error (spec 03 §3): no code, the message is the service's."""

    def __init__(self, error: FileError, location: str, detail: str, *, unreadable: bool = False,
                 no_credentials: bool = False, fix: str | None = None) -> None:
        super().__init__(f"{error.value} {location}: {detail}")
        self.error = error
        self.location = location
        self.detail = detail
        self.unreadable = unreadable  # the file could not be reached at all (missing, denied, network)
        self.no_credentials = no_credentials  # nobody was asked: there were no credentials to sign with
        self.fix = fix or FILE_ERROR_FIXES[self.error]


@dataclass
class ManifestSource:
    location: str
    size: int
    bucket: str | None
    stream: BinaryIO

    def close(self) -> None:
        self.stream.close()


class _BodyReader(io.RawIOBase):
    """Adapts a botocore StreamingBody to RawIOBase so a BufferedReader can bound readline()."""

    def __init__(self, body) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def _check_extension(location: str) -> None:
    problem = extension_problem(location)
    if problem:
        raise ManifestFileError(FileError.INVALID, location, problem)


def _check_size(location: str, size: int) -> None:
    if size > limits.MAX_MANIFEST_BYTES:
        raise ManifestFileError(FileError.TOO_LARGE, location, f"{size:,} bytes is over the 1 GB maximum")
    if size == 0:
        raise ManifestFileError(FileError.EMPTY, location, "the file has no content")


def open_manifest(location: str, s3=None) -> ManifestSource:
    return _open_s3(location, s3) if is_s3_uri(location) else _open_local(location)


def _open_local(path: str) -> ManifestSource:
    try:
        stat = os.stat(path)
    except OSError as error:
        raise ManifestFileError(FileError.INVALID, path, f"cannot read it ({error.strerror})",
                                unreadable=True) from error
    if not os.path.isfile(path):
        raise ManifestFileError(FileError.INVALID, path, "it is not a file", unreadable=True)
    _check_extension(path)
    _check_size(path, stat.st_size)
    try:
        stream = open(path, "rb", buffering=READ_BUFFER)  # noqa: SIM115 - closed by ManifestSource.close
    except OSError as error:
        raise ManifestFileError(FileError.PERMISSIONS, path, f"cannot open it ({error.strerror})",
                                unreadable=True) from error
    return ManifestSource(path, stat.st_size, None, stream)


def _s3_failure(location: str, error: Exception) -> ManifestFileError:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in MISSING_CODES:
            folder = location.rsplit("/", 1)[0] + "/"
            return ManifestFileError(FileError.INVALID, location, "the bucket or key does not exist",
                                     unreadable=True,
                                     fix=f"check the bucket name and the key: `aws s3 ls {folder}` lists "
                                     "what is there")
        if code in DENIED_CODES:
            return ManifestFileError(FileError.PERMISSIONS, location, f"access denied ({code})",
                                     unreadable=True)
        return ManifestFileError(FileError.INVALID, location, f"S3 error {code}", unreadable=True)
    if isinstance(error, NoCredentialsError):
        return ManifestFileError(FileError.PERMISSIONS, location, "no AWS credentials were found to read it",
                                 unreadable=True, no_credentials=True)
    return ManifestFileError(FileError.PERMISSIONS, location, f"S3 is unreachable ({error})", unreadable=True)


def _open_s3(location: str, s3) -> ManifestSource:
    try:
        uri = parse_s3_uri(location)
    except ValueError as error:
        raise ManifestFileError(FileError.INVALID, location, str(error), unreadable=True) from error
    _check_extension(location)
    try:
        size = s3.head_object(Bucket=uri.bucket, Key=uri.key)["ContentLength"]
        _check_size(location, size)
        body = s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"]
    except (ClientError, BotoCoreError) as error:
        raise _s3_failure(location, error) from error
    return ManifestSource(location, size, uri.bucket, io.BufferedReader(_BodyReader(body), READ_BUFFER))


def iter_lines(stream: BinaryIO) -> Iterator[str]:
    """Decoded lines, each at most LINE_BYTE_LIMIT bytes; the rest of a longer line is skipped unread
    into memory (the kept prefix is already too long, so the line is reported invalid)."""
    readline = stream.readline
    while raw := readline(LINE_BYTE_LIMIT):
        if len(raw) == LINE_BYTE_LIMIT and not raw.endswith(b"\n"):
            while (rest := readline(READ_BUFFER)) and not rest.endswith(b"\n"):
                pass
        yield raw.decode("utf-8", "replace")
