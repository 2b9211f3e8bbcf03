"""`s3://bucket/key` URIs: parse, format and join, shared by every module that names S3 objects."""

from __future__ import annotations

from dataclasses import dataclass

SCHEME = "s3://"


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.key}"

    def join(self, *parts: str) -> S3Uri:
        return S3Uri(self.bucket, join_key(self.key, *parts))


def is_s3_uri(text: object) -> bool:
    return isinstance(text, str) and text.startswith(SCHEME)


def parse_s3_uri(text: str, *, require_key: bool = True) -> S3Uri:
    """Split `s3://bucket/key`; raise ValueError saying what is wrong otherwise."""
    if not is_s3_uri(text):
        raise ValueError(f"{text!r} is not an S3 URI: write it as s3://BUCKET/KEY")
    bucket, _, key = text[len(SCHEME):].partition("/")
    if not bucket:
        raise ValueError(f"{text!r} has no bucket name: write it as s3://BUCKET/KEY")
    if require_key and not key:
        raise ValueError(f"{text!r} has no object key after the bucket: write it as s3://BUCKET/KEY")
    return S3Uri(bucket, key)


def join_key(prefix: str, *parts: str) -> str:
    """Join key segments with single slashes (an empty prefix stays empty)."""
    segments = [prefix.strip("/")] if prefix.strip("/") else []
    segments += [part.strip("/") for part in parts if part.strip("/")]
    return "/".join(segments)

