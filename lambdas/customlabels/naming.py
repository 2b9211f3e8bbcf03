"""Names: the stack, its metrics, projects and model versions, and the parts of Custom Labels ARNs.

The stack and metric names are shared by infra/, the Lambdas and the CLI; project and version names
follow spec 06 §0.
"""

from __future__ import annotations

import re

STACK_NAME = "CustomLabelsPipeline"  # the default project's stack: the name before projects had stacks
DEFAULT_PROJECT = "customlabels"  # cdk.json's projectName
STACK_PREFIX = "CustomLabels-"
PRODUCTION_STACK_NAME = "CustomLabelsProduction"  # the default project's production stack
MAX_STACK_NAME = 128  # CloudFormation: a letter, then letters, digits and '-', at most 128
METRIC_NAMESPACE = "CustomLabelsPipeline"
SERVICE_NAME = "customlabels"
NAME_PATTERN = r"[a-zA-Z0-9][a-zA-Z0-9_.\-]{0,254}"
MAX_NAME = 255
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9_.\-]+")
_NOT_IN_STACK_NAME = re.compile(r"[^a-zA-Z0-9\-]+")


def stack_name_for(project: str) -> str:
    """The stack of a project's pipeline: ``CustomLabels-<project>``, with the characters a stack name
    cannot hold ('_', '.') as '-'; the default project keeps ``CustomLabelsPipeline``, so a stack
    deployed before projects had stacks of their own is updated in place, not orphaned."""
    if project == DEFAULT_PROJECT:
        return STACK_NAME
    return (STACK_PREFIX + _NOT_IN_STACK_NAME.sub("-", project))[:MAX_STACK_NAME]


def service_name_for(project: str) -> str:
    """Powertools' ``service`` dimension of a project's metrics, so projects' metrics (throttles, rejected
    images) never add up in one account; the default project keeps ``customlabels``."""
    return SERVICE_NAME if project == DEFAULT_PROJECT else f"{SERVICE_NAME}-{project}"


def production_stack_name_for(project: str) -> str:
    """The project's production-account stack (-c productionAccount): ``CustomLabelsProduction-<project>``."""
    training = stack_name_for(project)
    if training == STACK_NAME:
        return PRODUCTION_STACK_NAME
    return training.replace(STACK_PREFIX, f"{PRODUCTION_STACK_NAME}-", 1)[:MAX_STACK_NAME]


def version_name_for_execution(project: str, execution_name: str) -> str:
    """`<project>.<execution name>` with characters a version name cannot hold replaced by '-', and the
    execution name's own `<project>-` prefix (the CLI's default execution names start with it) left out
    so the project is not named twice: `digits.20261207T064305-128610`.

    The same execution (a redrive, or StartExecution repeated with the same name) gets the same
    version name, which is what makes a re-run find its version instead of training another.
    """
    cleaned = _NOT_ALLOWED.sub("-", execution_name.removeprefix(f"{project}-")).strip("-") or "run"
    return f"{project}.{cleaned}"[:MAX_NAME]


def project_name_of(arn: str) -> str:
    """The text between the first and second '/' of a project, dataset or version ARN."""
    return arn.split("/")[1]


def version_name_of(version_arn: str) -> str:
    """The text between the third and fourth '/' of a model-version ARN."""
    return version_arn.split("/")[3]
