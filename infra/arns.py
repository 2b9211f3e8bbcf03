"""ARNs and ARN patterns this stack names in policies, built in one place.

Custom Labels ARNs end in a creation timestamp unknown at deploy time (spec 01 §7.1), so policies name
them by pattern. Alarm, log-group, topic and queue patterns are used where naming the resource itself would
make a CloudFormation cycle (the key policy cannot reference what the key encrypts).
"""

from __future__ import annotations

from aws_cdk import Aws


def _arn(service: str, resource: str) -> str:
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def project_arn_pattern(project_name: str) -> str:
    """Matches the project, its datasets and its model versions."""
    return _arn("rekognition", f"project/{project_name}/*")


def project_itself_arn_pattern(project_name: str) -> str:
    """Matches the project only: its ARN ends in a 13-digit epoch-milliseconds creation time (spec 01
    §7.1), and one ``?`` matches one character, so dataset and model-version ARNs do not match."""
    return _arn("rekognition", f"project/{project_name}/{'?' * 13}")


def model_version_arn_pattern(project_name: str) -> str:
    return _arn("rekognition", f"project/{project_name}/version/*")


def alarm_arn_pattern() -> str:
    return _arn("cloudwatch", "alarm:*")


def log_group_arn_pattern() -> str:
    return _arn("logs", "log-group:*")


def regional_service(service: str) -> str:
    """The ``kms:ViaService`` value (and regional principal) of ``service`` in the stack's Region."""
    return f"{service}.{Aws.REGION}.amazonaws.com"


def testing_dataset_arn_pattern(project_name: str) -> str:
    """The project's TEST dataset (``project/<name>/dataset/test/<timestamp>``, spec 06)."""
    return _arn("rekognition", f"project/{project_name}/dataset/test/*")


def queue_arn_pattern() -> str:
    """Every queue of the stack's account and Region: the key policy cannot name the queue it encrypts."""
    return _arn("sqs", "*")
