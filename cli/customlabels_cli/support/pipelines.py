"""The pipelines deployed in the account and Region: every CloudFormation stack whose outputs name a
project and its training state machine (the app's stacks, and any stack holding the CustomLabelsPipeline
construct, whose outputs keep their names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customlabels.naming import STACK_NAME
from customlabels_cli.support.errors import CliError

PROJECT_OUTPUT, MACHINE_OUTPUT = "ProjectName", "TrainingStateMachineArn"
GONE = "DELETE_COMPLETE"


@dataclass(frozen=True)
class Pipeline:
    project: str
    stack_name: str
    outputs: dict[str, str]


def deployed_pipelines(cloudformation: Any) -> list[Pipeline]:
    found = []
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
            if stack["StackStatus"] != GONE and PROJECT_OUTPUT in outputs and MACHINE_OUTPUT in outputs:
                found.append(Pipeline(outputs[PROJECT_OUTPUT], stack["StackName"], outputs))
    return sorted(found, key=lambda pipeline: pipeline.project)


def choose(pipelines: list[Pipeline], project: str | None, selector: str) -> Pipeline:
    """The pipeline of `project`; without one, the only pipeline deployed. `selector` says how to name one
    (``--project NAME or $CUSTOMLABELS_PROJECT``)."""
    if project is not None:
        for pipeline in pipelines:
            if pipeline.project == project:
                return pipeline
        raise CliError(
            f"no pipeline of project {project} is deployed in this account and Region "
            f"({_listing(pipelines) or 'none is'})",
            f"check the name, or deploy it: cdk deploy -c projectName={project} (offline: python -m local "
            f"deploy -c projectName={project})",
        )
    if len(pipelines) == 1:
        return pipelines[0]
    if not pipelines:
        raise CliError(
            f"no pipeline is deployed in this account and Region (no stack {STACK_NAME} or CustomLabels-*)",
            "deploy it (cdk deploy) or pass --stack NAME; for the offline stack, source the env file "
            "`python -m local serve --env-file FILE` wrote (the port changes each run)",
        )
    raise CliError(
        f"{len(pipelines)} pipelines are deployed: {_listing(pipelines)}",
        f"choose one with {selector} (`customlabels projects` lists them)",
    )


def _listing(pipelines: list[Pipeline]) -> str:
    return ", ".join(f"{pipeline.project} (stack {pipeline.stack_name})" for pipeline in pipelines)
