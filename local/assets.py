"""Local asset publishing, as ``cdk deploy`` does it: the file assets of a cloud assembly are zipped and
uploaded to the staging bucket (created if missing) that the template's Lambda ``Code`` points at."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from local.intrinsics import Pseudo
from local.provision.base import Clients


def publish(clients: Clients, pseudo: Pseudo, assembly_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """Upload every file asset to its destination; returns the ``s3://`` URLs written."""
    s3 = clients("s3")
    written = []
    for asset in manifest.get("files", {}).values():
        body = _package(assembly_dir / asset["source"]["path"], asset["source"].get("packaging", "file"))
        for destination in asset["destinations"].values():
            bucket = _placeholders(destination["bucketName"], pseudo)
            key = _placeholders(destination["objectKey"], pseudo)
            _ensure_bucket(s3, bucket, pseudo.region)
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            written.append(f"s3://{bucket}/{key}")
    return written


def _package(source: Path, packaging: str) -> bytes:
    if packaging == "file":
        return source.read_bytes()
    if packaging != "zip":
        raise ValueError(f"asset {source}: packaging {packaging!r} is not supported locally (file or zip)")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(source).as_posix())
    return archive.getvalue()


def _placeholders(text: str, pseudo: Pseudo) -> str:
    for name, value in (
        ("AWS::AccountId", pseudo.account_id),
        ("AWS::Region", pseudo.region),
        ("AWS::Partition", pseudo.partition),
    ):
        text = text.replace("${" + name + "}", value)
    return text


def _ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket in existing:
        return
    create: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
