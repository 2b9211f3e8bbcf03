"""The deployed stack as the CLI sees it: its outputs, the managed project name and boto3 clients.

Outputs come from, in order: `--outputs FILE` (what `python -m local serve --outputs` writes),
CloudFormation DescribeStacks of `--stack NAME`, the CUSTOMLABELS_OUTPUTS file (unless it is another
project's than the one asked for), DescribeStacks of $CUSTOMLABELS_STACK, or the pipeline of the project
asked for (`--project NAME`, before or after the command, or $CUSTOMLABELS_PROJECT) among those deployed
(support/pipelines.py); without a project, the one pipeline deployed.
The clients follow boto3's own settings, so AWS_ENDPOINT_URL points every call at the offline stack.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from customlabels.naming import DEFAULT_PROJECT, stack_name_for
from customlabels.training.registry import Registry
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.pipelines import PROJECT_OUTPUT, choose, deployed_pipelines

OUTPUTS_ENV, STACK_ENV, PROJECT_ENV = "CUSTOMLABELS_OUTPUTS", "CUSTOMLABELS_STACK", "CUSTOMLABELS_PROJECT"
CDK_JSON = "cdk.json"
PROJECT_HELP = (
    f"the Custom Labels project whose pipeline to use (default ${PROJECT_ENV}; without it, the one "
    "pipeline deployed in the account and Region: `customlabels projects` lists them)"
)
PROJECT_SELECTOR = f"--project NAME or ${PROJECT_ENV}"
DENIED = {"AccessDenied", "AccessDeniedException"}
RETRIES = Config(retries={"mode": "standard"})  # attempts: AWS_MAX_ATTEMPTS, else 3


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("stack")
    group.add_argument(
        "--outputs",
        metavar="FILE",
        help=f"stack outputs JSON (from `python -m local serve --outputs`); default ${OUTPUTS_ENV} "
        "or CloudFormation describe-stacks",
    )
    group.add_argument(
        "--stack",
        metavar="NAME",
        help=f"CloudFormation stack name (default ${STACK_ENV}, else the project's pipeline)",
    )
    group.add_argument("--project", metavar="NAME", help=PROJECT_HELP)


def read_outputs_file(path: str) -> dict[str, str]:
    try:
        outputs = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise CliError(
            f"outputs file {path} does not exist",
            "pass the file `python -m local serve --outputs FILE` wrote, or omit --outputs "
            "to read them from CloudFormation",
        ) from None
    except (OSError, json.JSONDecodeError) as error:
        raise CliError(
            f"outputs file {path} is not readable JSON: {error}",
            "pass the JSON object of stack outputs that `serve --outputs` writes",
        ) from None
    if not isinstance(outputs, dict):
        raise CliError(
            f"outputs file {path} holds {type(outputs).__name__}, not an object of outputs",
            "pass the JSON object of stack outputs that `serve --outputs` writes",
        )
    return {str(key): str(value) for key, value in outputs.items()}


def _outputs_from_file(args: argparse.Namespace, project: str | None) -> dict[str, str] | None:
    """What the command line says wins over the environment: --stack beats CUSTOMLABELS_OUTPUTS, and so
    does a project other than the one the environment's file is of."""
    if args.outputs:
        outputs = read_outputs_file(args.outputs)
        if project and outputs.get(PROJECT_OUTPUT, project) != project:
            raise CliError(
                f"outputs file {args.outputs} is project {outputs[PROJECT_OUTPUT]}'s, not {project}'s",
                f"pass the outputs of {project}'s stack, or leave --outputs out to find it in CloudFormation",
            )
        return outputs
    from_environment = None if args.stack else os.environ.get(OUTPUTS_ENV)
    if not from_environment:
        return None
    outputs = read_outputs_file(from_environment)
    return None if project and outputs.get(PROJECT_OUTPUT, project) != project else outputs


def pipeline_outputs(cloudformation: Any, project: str | None) -> dict[str, str]:
    """The project's pipeline: its stack by name (the people's policies may describe that one stack
    only), else the one among those deployed whose ProjectName it is (``-c stackName``, a team's own
    stack); without a project, the only pipeline deployed."""
    if project is not None:
        with contextlib.suppress(CliError):  # not found: a stack named otherwise
            return describe_stack_outputs(cloudformation, stack_name_for(project))
    try:
        pipelines = deployed_pipelines(cloudformation)
    except ClientError as error:
        if _code(error) not in DENIED:
            raise
        return _one_readable_stack(cloudformation, project)
    return choose(pipelines, project, PROJECT_SELECTOR).outputs


def _one_readable_stack(cloudformation: Any, project: str | None) -> dict[str, str]:
    """Listing every stack needs DescribeStacks on *, which people's policies do not grant: without a
    project, the default project's stack, as before projects had stacks of their own."""
    if project is not None:
        return describe_stack_outputs(cloudformation, stack_name_for(project))
    try:
        return describe_stack_outputs(cloudformation, stack_name_for(DEFAULT_PROJECT))
    except CliError:
        pass  # no such stack
    except ClientError as error:
        if _code(error) not in DENIED:  # denied: not the caller's stack
            raise
    raise CliError(
        "these credentials may not list the account's stacks, so the pipeline is found by its project",
        f"pass {PROJECT_SELECTOR}",
    )


def _code(error: ClientError) -> str | None:
    return error.response.get("Error", {}).get("Code")


def describe_stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationError":
            raise CliError(
                f"stack {stack_name} was not found",
                "deploy it (cdk deploy) or pass --stack NAME; for the offline stack, source the env "
                "file `python -m local serve --env-file FILE` wrote (the port changes each run)",
            ) from None
        raise
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


def cdk_json_project(directory: Path) -> str | None:
    path = directory / CDK_JSON
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text()).get("context", {}).get("customlabels", {}).get("projectName")
    except (OSError, json.JSONDecodeError, AttributeError):
        return None


@dataclass
class Stack:
    outputs: dict[str, str]
    explicit_project: str | None = None
    session: Any = field(default_factory=boto3.Session)
    _clients: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Stack:
        session = boto3.Session()
        project = args.project or getattr(args, "global_project", None) or os.environ.get(PROJECT_ENV)
        outputs = _outputs_from_file(args, project)
        if outputs is None:
            cloudformation = session.client("cloudformation", config=RETRIES)
            stack_name = args.stack or os.environ.get(STACK_ENV)
            if stack_name:
                outputs = describe_stack_outputs(cloudformation, stack_name)
            else:
                outputs = pipeline_outputs(cloudformation, project)
        return cls(outputs, project, session)

    def output(self, name: str) -> str:
        value = self.outputs.get(name)
        if not value:
            raise CliError(
                f"the stack has no output {name} (it has: {', '.join(sorted(self.outputs)) or 'none'})",
                "deploy the current version of the stack (cdk deploy, or restart `python -m local "
                "serve`) and pass its outputs",
            )
        return value

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, config=RETRIES)
        return self._clients[service]

    def registry(self) -> Registry:
        return Registry(self.output("RegistryTableName"), self.session.resource("dynamodb", config=RETRIES))

    @property
    def project(self) -> str:
        found = (
            self.explicit_project
            or self.outputs.get("ProjectName")
            or cdk_json_project(Path.cwd())
            or self._registry_project()
        )
        if not found:
            raise CliError(
                "cannot tell which Custom Labels project the stack manages",
                f"pass --project NAME or set {PROJECT_ENV} (cdk.json: customlabels.projectName)",
            )
        return found

    def _registry_project(self) -> str | None:
        table = self.registry().table
        projects: set[str] = set()
        scan: dict[str, Any] = {"ProjectionExpression": "#p", "ExpressionAttributeNames": {"#p": "project"}}
        while True:
            page = table.scan(**scan)
            # Other partitions (FEEDBACK#<project>, DRIFT#<project>) are not project names, which
            # cannot hold a "#" (CreateProject's ProjectName pattern in botocore's model).
            projects |= {item["project"] for item in page["Items"] if "#" not in item["project"]}
            if "LastEvaluatedKey" not in page:
                break
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return projects.pop() if len(projects) == 1 else None
