"""Where a manifest may be and what it may be called: one rule for `validate`, `train` and the pipeline.

The file name needs an extension, any extension: the guide calls `.manifest` conventional and names
only a *missing* extension as a cause of "The manifest file extension or contents are invalid."
(spec 02 §4 and §7, spec 03 §3 F1). The pipeline reads manifests from its console bucket only: its
roles are granted that bucket (infra/grants.py), as the console reads its own bucket (spec 02 §1)."""

from __future__ import annotations

from pathlib import PurePosixPath

NO_EXTENSION = "the file name has no extension (any extension works; .manifest is conventional)"


def extension_problem(location: str) -> str | None:
    name = PurePosixPath(location.rstrip("/")).name
    return None if PurePosixPath(name).suffix else NO_EXTENSION


def console_bucket_problem(bucket: str, console_bucket: str, project: str) -> str | None:
    """Why the pipeline cannot read a manifest in `bucket` (None when it can)."""
    if not console_bucket or bucket == console_bucket:
        return None
    return (f"it is in bucket {bucket!r}: the pipeline reads manifests from the console bucket "
            f"{console_bucket!r} only; copy it to s3://{console_bucket}/datasets/{project}/")
