"""`customlabels teardown --yes`: stop the project's running models, then delete its model versions,
datasets and the project: the Custom Labels resources the pipeline created, which CloudFormation does not
manage (run it before `cdk destroy`). Exit 0 all deleted, 1 something could not be, 2 usage/access."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from botocore.exceptions import ClientError

from customlabels.rekognition.projects import find_project_arn
from customlabels.rekognition.versions import DELETED
from customlabels_cli.support.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments

BUSY = {"STARTING", "RUNNING", "STOPPING", "DELETING", "TRAINING_IN_PROGRESS", "COPYING_IN_PROGRESS"}


class Timeout(Exception):
    pass


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "teardown",
        help="stop running models and delete the project's Custom Labels resources",
        description="Stop every running model of the project, then delete its model versions, datasets and "
        "the project itself. CloudFormation cannot delete these; run this before cdk destroy.",
    )
    parser.add_argument("--yes", action="store_true", help="confirm: this deletes trained models for good")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600,
        metavar="SECONDS",
        help="give up waiting for a model to stop or a resource to go (default 3600)",
    )
    parser.add_argument("--poll-seconds", type=float, default=5, metavar="SECONDS", help=argparse.SUPPRESS)
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


class Teardown:
    def __init__(self, rekognition: Any, project_arn: str, out: TextIO, poll: float, timeout: float) -> None:
        self.rekognition = rekognition
        self.project_arn = project_arn
        self.out = out
        self.poll = poll
        self.deadline = time.monotonic() + timeout

    def versions(self) -> list[dict]:
        found, request = [], {"ProjectArn": self.project_arn}
        while True:
            page = self.rekognition.describe_project_versions(**request)
            found += page["ProjectVersionDescriptions"]
            if not page.get("NextToken"):
                return found
            request["NextToken"] = page["NextToken"]

    def datasets(self) -> list[str]:
        projects = self.rekognition.describe_projects()["ProjectDescriptions"]
        project = next((p for p in projects if p["ProjectArn"] == self.project_arn), None)
        return [d["DatasetArn"] for d in (project or {}).get("Datasets", [])]

    def until(self, what: str, done: Callable[[], bool]) -> None:
        while not done():
            if time.monotonic() > self.deadline:
                raise Timeout(what)
            time.sleep(self.poll)

    def stop_models(self) -> None:
        for version in self.versions():
            if version["Status"] in ("RUNNING", "STARTING"):
                self.rekognition.stop_project_version(ProjectVersionArn=version["ProjectVersionArn"])
                print(f"  stopping {version['ProjectVersionArn'].split('/')[3]}", file=self.out, flush=True)
        self.until(
            "the models to stop",
            lambda: not any(v["Status"] in ("RUNNING", "STARTING", "STOPPING") for v in self.versions()),
        )

    def delete_versions(self) -> list[str]:
        training = [v for v in self.versions() if v["Status"] == "TRAINING_IN_PROGRESS"]
        if training:
            return [
                f"{v['ProjectVersionArn'].split('/')[3]} is still training: Custom Labels cannot cancel "
                "training; run teardown again when it has finished"
                for v in training
            ]
        for version in self.versions():
            if version["Status"] not in BUSY:
                self.rekognition.delete_project_version(ProjectVersionArn=version["ProjectVersionArn"])
                print(
                    f"  deleting model {version['ProjectVersionArn'].split('/')[3]}",
                    file=self.out,
                    flush=True,
                )
        self.until("the model versions to be deleted", lambda: not self.versions())
        return []

    def delete_datasets(self) -> None:
        for arn in self.datasets():
            self.rekognition.delete_dataset(DatasetArn=arn)
            print(f"  deleting dataset {arn.split('/')[3]}", file=self.out, flush=True)
        self.until("the datasets to be deleted", lambda: not self.datasets())


def mark_deleted(stack: Stack, project: str) -> str:
    """What the registry now says; OperatorAccess reads the registry but only the pipeline writes it."""
    registry = stack.registry()
    try:
        for item in registry.list_versions(project):
            registry.update_version(project, item["versionName"], status=DELETED)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "AccessDeniedException":
            raise
        return "the registry keeps the versions' last status (only the pipeline writes it)"
    return "the registry marks its versions DELETED"


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    project = stack.project
    if not args.yes:
        print(
            f"error: teardown deletes every model of project {project} for good\n"
            "  fix: run it again with --yes",
            file=sys.stderr,
        )
        return EXIT_USAGE
    rekognition = stack.client("rekognition")
    project_arn = find_project_arn(rekognition, project)
    if project_arn is None:
        print(f"Project {project} does not exist: nothing to delete.", file=out)
        return EXIT_OK
    print(f"Tearing down project {project}", file=out, flush=True)
    teardown = Teardown(rekognition, project_arn, out, args.poll_seconds, args.timeout)
    try:
        teardown.stop_models()
        problems = teardown.delete_versions()
        if problems:
            print("Not deleted:\n" + "\n".join(f"  {p}" for p in problems), file=out)
            return EXIT_FAILED
        teardown.delete_datasets()
        rekognition.delete_project(ProjectArn=project_arn)
    except Timeout as timeout:
        print(f"Gave up waiting for {timeout} after {args.timeout:.0f} s: run teardown again later", file=out)
        return EXIT_FAILED
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
        print(f"Not deleted: {error.response['Error']['Message']}; run teardown again", file=out)
        return EXIT_FAILED
    registry = mark_deleted(stack, project)
    print(f"Deleted project {project}; {registry}. Now `cdk destroy` removes the stack.", file=out)
    return EXIT_OK
