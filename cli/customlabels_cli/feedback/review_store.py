"""The review set as the CLI sees it: the entries the inference path wrote (one object each under
``review/<project>/open/``), plus the export and import records that say where each entry is.

An entry is *open* until an export lists it, *in review* until an import answers it, then *imported*.
The records live beside the entries (``review/<project>/exports/``, ``.../imports/``), so the
inference path, which may rewrite an entry, never changes its state.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from botocore.exceptions import ClientError

from customlabels.feedback.review import entry_id
from customlabels.s3uri import parse_s3_uri
from customlabels.storage_layout import open_review_prefix, review_prefix
from customlabels_cli.support.errors import CliError

OPEN, IN_REVIEW, IMPORTED = "open", "in review", "imported"
ADDED_BY_HAND = "ADDED_BY_HAND"
READERS = 16


def record_id() -> str:
    """Sortable by time, unique: the id of an export or an import."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid4().hex[:6]


@dataclass
class ReviewStore:
    s3: Any
    bucket: str
    project: str

    def _keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(".json")]
        return keys

    def _read(self, key: str) -> dict[str, Any]:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def _read_all(self, prefix: str) -> list[dict[str, Any]]:
        keys = self._keys(prefix)
        with ThreadPoolExecutor(READERS) as pool:
            return list(pool.map(self._read, keys))

    def _put(self, key: str, document: dict[str, Any]) -> None:
        body = json.dumps(document, ensure_ascii=False, indent=1).encode()
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest analysis first."""
        entries = self._read_all(open_review_prefix(self.project))
        return sorted(entries, key=lambda e: (e["analysedAt"], e["id"]))

    def exports(self) -> list[dict[str, Any]]:
        return sorted(self._read_all(f"{review_prefix(self.project)}exports/"), key=lambda r: r["exportId"])

    def imports(self) -> list[dict[str, Any]]:
        return sorted(self._read_all(f"{review_prefix(self.project)}imports/"), key=lambda r: r["importId"])

    def states(self, entries: list[dict[str, Any]]) -> dict[str, str]:
        """Entry id -> open / in review / imported."""
        exported = {i for record in self.exports() for i in record["ids"]}
        imported = {i for record in self.imports() for i in record["ids"]}
        def state(entry_id: str) -> str:
            return IMPORTED if entry_id in imported else IN_REVIEW if entry_id in exported else OPEN

        return {entry["id"]: state(entry["id"]) for entry in entries}

    def record_export(self, export_id: str, ids: list[str], file_format: str, destination: str) -> None:
        self._put(f"{review_prefix(self.project)}exports/{export_id}.json", {
            "exportId": export_id, "exportedAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "format": file_format, "file": destination, "ids": ids})

    def record_import(self, import_id: str, ids: list[str], source: str) -> None:
        self._put(f"{review_prefix(self.project)}imports/{import_id}.json", {
            "importId": import_id, "importedAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "file": source, "ids": ids})

    def add(self, uri: str) -> tuple[dict[str, Any], bool]:
        """An entry for an image a person wants reviewed (its current version), whatever its result;
        (the entry, False) when that version is in the review set already (its entry is kept)."""
        location = parse_s3_uri(uri)
        try:
            head = self.s3.head_object(Bucket=location.bucket, Key=location.key)
        except ClientError as error:
            raise CliError(f"cannot read {uri}: {error.response['Error'].get('Code')}",
                           "give the s3:// URI of an image you can read") from None
        version = head.get("VersionId") or head["ETag"].strip('"')
        if version == "null":
            version = head["ETag"].strip('"')
        key = f"{open_review_prefix(self.project)}{entry_id(uri, version)}.json"
        try:
            return self._read(key), False
        except ClientError as error:
            if error.response["Error"].get("Code") not in ("NoSuchKey", "404"):
                raise
        entry = {
            "id": entry_id(uri, version), "image": uri, "version": version,
            "versionId": head.get("VersionId"), "modelVersionArn": None, "resultUri": None,
            "analysedAt": datetime.now(UTC).isoformat(timespec="seconds"), "reason": ADDED_BY_HAND,
            "labels": [],
        }
        self._put(key, entry)
        return entry, True
