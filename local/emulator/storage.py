"""Reading and writing S3 objects through a boto3 S3 client (the same client the manifest engine uses)."""

from __future__ import annotations

from botocore.exceptions import ClientError


class ObjectMissing(Exception):
    """The bucket or key does not exist or cannot be read."""


class ObjectForbidden(ObjectMissing):
    """S3 refused the read (AccessDenied): the caller may not read it."""


def read_object(s3, bucket: str, key: str, version: str | None = None) -> bytes:
    extra = {"VersionId": version} if version else {}
    try:
        return s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    except ClientError as error:
        code = error.response["Error"].get("Code")
        kind = ObjectForbidden if code in ("AccessDenied", "403") else ObjectMissing
        raise kind(f"s3://{bucket}/{key}: {code}: {error.response['Error'].get('Message', '')}") from None


def write_object(s3, bucket: str, key: str, body: bytes, kms_key_id: str | None = None) -> None:
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
    s3.put_object(Bucket=bucket, Key=key, Body=body, **extra)


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"'{uri}' is not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key
