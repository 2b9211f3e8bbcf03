"""`train --training ./train.manifest [--images DIR]`: put local manifests and the images they name into
the console bucket, then validate them there.

Everything of one run goes under `datasets/<project>/<timestamp>/`: the manifests (source-refs rewritten
to `images/<path>` beside them) and `upload-index.json` (size and MD5 of every image). A re-run reads the
latest earlier index and uploads only images whose size or MD5 changed; the others are copied inside S3
(no upload). The index keeps our own MD5 because the ETag of an SSE-KMS object is not its MD5.

A source-ref that is not an s3:// URI is a path, relative to --images DIR or else to the manifest's own
folder. With --images, an s3:// source-ref is looked up in DIR by the end of its key (`s3://b/x/cat/1.jpg`
is DIR/x/cat/1.jpg, DIR/cat/1.jpg or DIR/1.jpg, the longest that exists), so a Ground Truth output whose
images were downloaded trains from the folder."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from botocore.exceptions import ClientError
from tqdm import tqdm

from customlabels.manifest import validate_manifests
from customlabels.manifest.location import extension_problem
from customlabels.s3uri import is_s3_uri
from customlabels_cli.commands.validate import print_report
from customlabels_cli.support.errors import CliError

INDEX = "upload-index.json"
IMAGES = "images"
UPLOAD_THREADS = 8
MISSING_SHOWN = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--images", metavar="DIR", type=Path,
        help="folder holding the images a local manifest names (default: the manifest's folder)")


def is_local(location: str | None) -> bool:
    return location is not None and not is_s3_uri(location)


@dataclass(frozen=True)
class LocalImage:
    path: Path
    key: str  # relative to the run's images/ folder
    size: int
    md5: str


@dataclass
class Plan:
    """What one run uploads: manifests as rewritten lines and the images they name."""

    manifests: dict[str, list[str]] = field(default_factory=dict)  # file name -> rewritten lines
    images: dict[Path, LocalImage] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _image(path: Path, root: Path) -> LocalImage:
    relative = os.path.relpath(path, root)
    if relative.startswith(".."):
        raise CliError(f"image {path} is outside {root}",
                       "pass --images with a folder that holds every image the manifest names")
    data = path.read_bytes()
    return LocalImage(path, PurePosixPath(Path(relative)).as_posix(), len(data),
                      hashlib.md5(data, usedforsecurity=False).hexdigest())


def _find(ref: str, manifest_dir: Path, images: Path | None) -> Path | None:
    if not is_s3_uri(ref):
        path = Path(ref) if os.path.isabs(ref) else (images or manifest_dir) / ref
        return path if path.is_file() else None
    parts = PurePosixPath(ref[5:].partition("/")[2]).parts
    for start in range(len(parts)):
        candidate = images.joinpath(*parts[start:]) if images else None
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def plan_upload(manifests: dict[str, Path], images: Path | None, images_uri: str) -> Plan:
    """Read each local manifest, find its images and rewrite their source-refs to `images_uri/<key>`."""
    plan = Plan()
    for name, manifest in manifests.items():
        root = images or manifest.parent
        lines = []
        for text in manifest.read_text(encoding="utf-8-sig").splitlines():
            try:
                obj = json.loads(text)
            except json.JSONDecodeError:
                obj = None
            ref = obj.get("source-ref") if isinstance(obj, dict) else None
            if not isinstance(ref, str) or (is_s3_uri(ref) and images is None):
                lines.append(text)  # validation reports what is wrong with it
                continue
            path = _find(ref, manifest.parent, images)
            if path is None:
                plan.missing.append(f"{manifest.name}: {ref}")
                lines.append(text)
                continue
            found = plan.images.get(path.resolve()) or _image(path, root)
            plan.images[path.resolve()] = found
            obj["source-ref"] = f"{images_uri}/{found.key}"
            lines.append(json.dumps(obj, ensure_ascii=False))
        plan.manifests[name] = lines
    return plan


def _previous_index(s3: Any, bucket: str, project_prefix: str) -> tuple[str, dict[str, dict]]:
    """(run prefix, images) of the latest earlier upload that wrote an index; ('', {}) if none."""
    runs = [prefix["Prefix"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=project_prefix, Delimiter="/") for prefix in page.get("CommonPrefixes", [])]
    for run in sorted(runs, reverse=True):
        try:
            body = s3.get_object(Bucket=bucket, Key=run + INDEX)["Body"].read()
        except ClientError:
            continue
        return run, json.loads(body)["images"]
    return "", {}


def _manifest_names(training: str, testing: str | None) -> dict[str, Path]:
    names: dict[str, Path] = {}
    for role, location in (("training", training), ("testing", testing)):
        if not is_local(location):
            continue
        path = Path(location)
        if not path.is_file():
            raise CliError(f"the {role} manifest {location} does not exist",
                           "give the path of a local manifest file or an s3:// URI in the console bucket")
        if problem := extension_problem(location):
            raise CliError(f"the {role} manifest {location}: {problem}", f"rename it to {path.name}.manifest")
        names[path.name if path.name not in names else f"{role}-{path.name}"] = path
    return names


def structure_can_train(plan: Plan, manifests: dict[str, Path], training: str, out: TextIO) -> bool:
    """Validate the rewritten manifests' structure before anything is uploaded (the report when not)."""
    with tempfile.TemporaryDirectory(prefix="customlabels-train-") as folder:
        paths = {}
        for name, lines in plan.manifests.items():
            (Path(folder) / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            paths[manifests[name] == Path(training)] = str(Path(folder) / name)
        with validate_manifests(paths[True], paths.get(False), check_images=False) as report:
            if report.file_failure is None and report.can_train:
                return True
            print("The manifests cannot train as they are (nothing was uploaded or started):", file=out)
            if report.file_failure is not None:
                print(f"  {report.file_failure}\n  fix: {report.file_failure.fix}", file=out)
            else:
                print_report(report, out)
            return False


def upload(s3: Any, bucket: str, project: str, training: str, testing: str | None, images: Path | None,
           out: TextIO, *, now: datetime | None = None) -> tuple[str, str | None] | None:
    """Upload what the local manifest(s) need; return the training and testing manifests' s3:// URIs
    (None, with the report printed, when their structure cannot train: nothing is uploaded then)."""
    if images is not None and not images.is_dir():
        raise CliError(f"--images {images} is not a folder", "pass the folder that holds the images")
    manifests = _manifest_names(training, testing)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%f")[:-3] + "Z"
    project_prefix = f"datasets/{project}/"
    run = f"{project_prefix}{stamp}/"
    plan = plan_upload(manifests, images, f"s3://{bucket}/{run}{IMAGES}")
    if plan.missing:
        more = ", ..." if len(plan.missing) > MISSING_SHOWN else ""
        shown = "; ".join(plan.missing[:MISSING_SHOWN]) + more
        raise CliError(f"{len(plan.missing)} image(s) the manifest names are not on disk: {shown}",
                       "pass --images DIR with the folder holding them (relative source-refs are read from "
                       "there, s3:// ones by the end of their key)")
    if not structure_can_train(plan, manifests, training, out):
        return None
    previous_run, previous = _previous_index(s3, bucket, project_prefix)
    changed = [image for image in plan.images.values()
               if previous.get(image.key) != {"size": image.size, "md5": image.md5}]
    changed_keys = {image.key for image in changed}
    unchanged = [image for image in plan.images.values() if image.key not in changed_keys]

    def put(image: LocalImage) -> int:
        s3.put_object(Bucket=bucket, Key=f"{run}{IMAGES}/{image.key}", Body=image.path.read_bytes())
        return image.size

    def copy(image: LocalImage) -> int:
        s3.copy_object(Bucket=bucket, Key=f"{run}{IMAGES}/{image.key}",
                       CopySource={"Bucket": bucket, "Key": f"{previous_run}{IMAGES}/{image.key}"})
        return 0

    with (ThreadPoolExecutor(UPLOAD_THREADS) as pool,
          tqdm(total=sum(image.size for image in changed), unit="B", unit_scale=True, desc="images",
               disable=None) as bar):
        for done in pool.map(put, changed):
            bar.update(done)
        list(pool.map(copy, unchanged))
    index = {"images": {image.key: {"size": image.size, "md5": image.md5} for image in plan.images.values()}}
    s3.put_object(Bucket=bucket, Key=run + INDEX, Body=json.dumps(index).encode())
    uris = {}
    for name, lines in plan.manifests.items():
        s3.put_object(Bucket=bucket, Key=run + name, Body=("\n".join(lines) + "\n").encode())
        uris[manifests[name]] = f"s3://{bucket}/{run}{name}"
    print(f"Uploaded to s3://{bucket}/{run}: {len(manifests)} manifest(s), {len(changed)} image(s) "
          f"({sum(image.size for image in changed):,} bytes), {len(unchanged)} unchanged image(s) "
          "copied in S3", file=out)
    return (uris.get(Path(training), training),
            uris.get(Path(testing), testing) if testing is not None else None)


def upload_and_validate(stack: Any, project: str, args: argparse.Namespace, out: TextIO) -> bool:
    """Upload the local manifest(s) named by args, point args at the uploaded ones, validate them there;
    False (with the report printed) when they cannot train."""
    s3 = stack.client("s3")
    bucket = stack.output("ConsoleBucketName")
    uploaded = upload(s3, bucket, project, args.training, args.testing, args.images, out)
    if uploaded is None:
        return False
    args.training, args.testing = uploaded
    with validate_manifests(args.training, args.testing, s3=s3) as report:
        if report.file_failure is not None:
            failure = report.file_failure
            raise CliError(f"the uploaded manifest cannot be read: {failure}", failure.fix)
        if not report.can_train:
            print("The manifests cannot train as they are (nothing was started):", file=out)
            print_report(report, out)
            return False
    print("Validated (structure and images): training can proceed.", file=out)
    return True
