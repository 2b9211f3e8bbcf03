"""A synthesized stack running on a local endpoint: deployed, with its SQS and DynamoDB-stream event
sources polled the way Lambda polls them (local/event_sources.py, local/stream_sources.py), until closed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

from local import accounts
from local.deploy import Deployment, deploy_artifact
from local.event_sources import EventSources
from local.synth import StackArtifact

REGION = "us-east-1"


def local_session() -> boto3.Session:
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@dataclass
class DeployedStack:
    """The stack deployed on the local endpoint: its outputs, clients in its account, its event sources."""

    artifact: StackArtifact
    deployment: Deployment
    session: boto3.Session
    endpoint_url: str
    sources: EventSources
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def outputs(self) -> dict[str, str]:
        return self.deployment.outputs

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint_url)
        return self._clients[service]

    def close(self) -> None:
        self.sources.stop()


def account_session(account: str, endpoint_url: str) -> boto3.Session:
    """A session in another account of the endpoint: its Administrator role, assumed with the default keys."""
    sts = local_session().client("sts", endpoint_url=endpoint_url)
    credentials = sts.assume_role(RoleArn=accounts.role_arn(account), RoleSessionName="local")["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


def artifact_session(artifact: StackArtifact, endpoint_url: str) -> boto3.Session:
    """A session in the artifact's account (the default account when it names none)."""
    default = local_session()
    default_account = default.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    elsewhere = artifact.account and artifact.account != default_account
    return account_session(artifact.account, endpoint_url) if elsewhere else default


def launch(artifact: StackArtifact, endpoint_url: str) -> DeployedStack:
    """Deploy into the artifact's account, and poll its SQS and DynamoDB-stream event sources from this
    process."""
    session = artifact_session(artifact, endpoint_url)
    deployment = deploy_artifact(artifact, session, endpoint_url)
    sources = EventSources.take_over(session, endpoint_url)
    return DeployedStack(artifact, deployment, session, endpoint_url, sources)
