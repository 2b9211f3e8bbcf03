"""Task ValidateInput (model control): check the operator's input and find the model version."""

from __future__ import annotations

from customlabels.pipeline_env import PipelineEnv
from customlabels.pipeline_input import check_control_input
from customlabels.rekognition.clients import client
from customlabels.rekognition.projects import find_project_arn
from customlabels.rekognition.versions import describe_version

ENV = PipelineEnv.from_environ()
REKOGNITION = client("rekognition")


def handler(event: dict, context: object) -> dict:
    verdict = check_control_input(event.get("input"), managed_project=ENV.project_name)
    if verdict.valid:
        settings = verdict.settings
        project_arn = find_project_arn(REKOGNITION, settings["projectName"])
        description = (
            describe_version(REKOGNITION, project_arn, settings["versionName"]) if project_arn else None
        )
        if description is None:
            verdict.problems.append(
                f"model version {settings['versionName']!r} does not exist "
                f"in project {settings['projectName']!r}: "
                "use a versionName from the registry table or DescribeProjectVersions"
            )
            verdict.settings = None
        else:
            settings.update(projectArn=project_arn, versionArn=description["ProjectVersionArn"])
    return verdict.as_output()
