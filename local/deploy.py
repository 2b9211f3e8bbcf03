"""Deploy a synthesized CloudFormation template onto the local endpoint, resource by resource.

Resources are created in dependency order (``DependsOn`` plus every ``Ref``/``Fn::GetAtt``/``Fn::Sub``),
each by the provisioner for its type (``local.provision``), with its properties resolved against what
was created before it. Types with no local meaning, resources whose condition is false, and the
provider Lambda of the CDK's bucket-notifications custom resource (applied directly instead) are
recorded in ``Deployment.not_created`` with the reason. A stack record is kept in the endpoint's
CloudFormation so ``describe-stacks`` shows the outputs.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from graphlib import CycleError, TopologicalSorter
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from local import access, assets
from local.intrinsics import Pseudo, Resolver, TemplateError, references
from local.provision import IGNORED_PROPERTIES, NO_LOCAL_MEANING, PROVISIONERS
from local.provision.base import Clients, Context, Created
from local.rule_input import target_input
from local.synth import StackArtifact

NOTIFICATIONS_TYPE = "Custom::S3BucketNotifications"
_SCHEDULED_TYPES = ("AWS::Events::Rule", "AWS::Scheduler::Schedule")
_PLACEHOLDER_TEMPLATE = {"Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}


class DeployError(RuntimeError):
    """A resource could not be created on the local endpoint."""


@dataclass(frozen=True)
class DeployedResource:
    logical_id: str
    type: str
    ref: Any
    attributes: dict[str, Any]
    properties: dict[str, Any]


@dataclass
class Deployment:
    stack_name: str
    stack_id: str
    region: str
    account_id: str
    clients: Clients
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, DeployedResource] = field(default_factory=dict)
    not_created: dict[str, str] = field(default_factory=dict)
    ignored_properties: list[str] = field(default_factory=list)
    unchecked_rules: list[str] = field(default_factory=list)  # template Rules: CloudFormation-only checks

    def of_type(self, resource_type: str) -> list[DeployedResource]:
        return [r for r in self.resources.values() if r.type == resource_type]

    def scheduled(self) -> list[DeployedResource]:
        """Scheduled EventBridge rules and schedules: fired only through ``fire_rule`` (a rule with an event
        pattern delivers what matches by itself, ``local.rule_targets``)."""
        return [
            r
            for r in self.resources.values()
            if r.type == "AWS::Scheduler::Schedule"
            or (r.type == "AWS::Events::Rule" and "ScheduleExpression" in r.properties)
        ]


def deploy_artifact(
    artifact: StackArtifact, session: boto3.Session, endpoint_url: str | None = None
) -> Deployment:
    """Publish the artifact's assets to the local staging bucket and deploy its template."""
    clients = Clients(session, endpoint_url)
    account_id = clients("sts").get_caller_identity()["Account"]
    pseudo_without_stack = Pseudo(session.region_name, account_id, artifact.name, "")
    assets.publish(clients, pseudo_without_stack, artifact.assembly_dir, artifact.assets)
    return deploy(artifact.template, clients, stack_name=artifact.name)


def deploy(template: dict[str, Any], clients: Clients, *, stack_name: str) -> Deployment:
    account_id = clients("sts").get_caller_identity()["Account"]
    region = clients.session.region_name
    stack_id = _create_stack_record(clients, stack_name)
    pseudo = Pseudo(region, account_id, stack_name, stack_id)
    deployment = Deployment(stack_name, stack_id, region, account_id, clients)
    resolver = Resolver(
        pseudo,
        conditions=template.get("Conditions", {}),
        mappings=template.get("Mappings", {}),
        dynamic=lambda service, key: _dynamic_reference(clients, service, key),
    )
    resolver.lazy.update(_parameters(clients, template.get("Parameters", {})))
    resources = template.get("Resources", {})
    deployment.not_created.update(_not_created(resources, resolver))
    deployment.unchecked_rules = list(template.get("Rules", {}))
    deferred: list = []
    for logical_id in _creation_order(resources):
        if logical_id in deployment.not_created:
            continue
        created = _create(logical_id, resources[logical_id], resolver, clients, pseudo, deferred, deployment)
        resolver.refs[logical_id] = created.ref
        resolver.attributes[logical_id] = created.attributes
    for step in deferred:
        step()
    deployment.outputs = _outputs(template.get("Outputs", {}), resolver)
    _complete_stack_record(clients, stack_name, template.get("Outputs", {}), deployment.outputs)
    return deployment


def _create(
    logical_id: str,
    resource: dict[str, Any],
    resolver: Resolver,
    clients: Clients,
    pseudo: Pseudo,
    deferred: list,
    deployment: Deployment,
) -> Created:
    resource_type = resource["Type"]
    provisioner = PROVISIONERS.get(resource_type)
    if provisioner is None:
        raise TemplateError(
            f"{logical_id}: resource type {resource_type} is not supported by the local deployer; "
            f"add a provisioner in local/provision or list it in NO_LOCAL_MEANING with a reason"
        )
    properties = dict(resource.get("Properties", {}))
    for name, reason in IGNORED_PROPERTIES.get(resource_type, {}).items():
        if properties.pop(name, None) is not None:
            deployment.ignored_properties.append(f"{logical_id}.{name}: {reason}")
    try:
        resolved = resolver.resolve(properties)
    except TemplateError as error:
        raise TemplateError(f"{logical_id} ({resource_type}): {error}") from None
    context = Context(clients, pseudo, logical_id, resource_type, deferred)
    try:
        created = provisioner(context, resolved)
    except (ClientError, BotoCoreError) as error:
        raise DeployError(
            f"creating {logical_id} ({resource_type}) on the local endpoint failed: {error}"
        ) from error
    deployment.resources[logical_id] = DeployedResource(
        logical_id, resource_type, created.ref, created.attributes, resolved
    )
    return created


def _not_created(resources: dict[str, Any], resolver: Resolver) -> dict[str, str]:
    skipped = {
        logical_id: f"{resource['Type']}: {NO_LOCAL_MEANING[resource['Type']]}"
        for logical_id, resource in resources.items()
        if resource["Type"] in NO_LOCAL_MEANING
    }
    for logical_id, resource in resources.items():
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            skipped[logical_id] = f"condition {resource['Condition']} is false"
    for logical_id in notification_providers(resources):
        skipped[logical_id] = (
            f"{resources[logical_id]['Type']}: only serves {NOTIFICATIONS_TYPE}, which is applied directly"
        )
    return skipped


def notification_providers(resources: dict[str, Any]) -> set[str]:
    """The CDK's bucket-notifications handler and everything that exists only for it (role, policies)."""
    dependencies = {lid: _dependencies(r) & set(resources) for lid, r in resources.items()}
    referrers: dict[str, set[str]] = {lid: set() for lid in resources}
    for logical_id, targets in dependencies.items():
        for target in targets:
            referrers[target].add(logical_id)
    custom = {lid for lid, r in resources.items() if r["Type"] == NOTIFICATIONS_TYPE}
    tokens = {
        t for lid in custom for t in references(resources[lid].get("Properties", {}).get("ServiceToken"))
    }
    group = {t for t in tokens if referrers[t] and referrers[t] <= custom}
    grew = True
    while grew:
        grew = False
        for member in list(group):
            for dependency in dependencies[member] - group - custom:
                tentative = group | {dependency}
                attached = {  # the policies of the provider's role, which CDK attaches separately
                    lid
                    for lid, r in resources.items()
                    if r["Type"] == "AWS::IAM::Policy"
                    and lid not in tentative
                    and set(references(r["Properties"].get("Roles", []))) <= tentative
                    and r["Properties"].get("Roles")
                    and referrers[lid] <= tentative | custom
                }
                if referrers[dependency] <= tentative | custom | attached:
                    group |= {dependency} | attached
                    grew = True
    return group


def _dependencies(resource: dict[str, Any]) -> set[str]:
    depends_on = resource.get("DependsOn", [])
    explicit = {depends_on} if isinstance(depends_on, str) else set(depends_on)
    return explicit | set(references(resource.get("Properties", {})))


def _creation_order(resources: dict[str, Any]) -> list[str]:
    graph = {lid: {d for d in _dependencies(r) if d in resources} for lid, r in resources.items()}
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise TemplateError(
            f"resources depend on each other in a cycle: {' -> '.join(error.args[1])}"
        ) from None


def _parameters(clients: Clients, parameters: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Parameter values, looked up when first used: SSM-typed ones (CDK's ``BootstrapVersion``) read
    SSM, which an unused parameter should not need."""
    values = {}
    for name, parameter in parameters.items():
        if "Default" not in parameter:
            raise TemplateError(
                f"parameter {name} has no Default; the local deployer takes no parameter values"
            )
        default = parameter["Default"]
        if parameter.get("Type", "").startswith("AWS::SSM::Parameter::Value"):
            values[name] = lambda key=default, name=name: _ssm_value(clients, key, f"parameter {name}")
        else:
            values[name] = lambda value=default: value
    return values


def _dynamic_reference(clients: Clients, service: str, key: str) -> str:
    if service != "ssm":
        raise TemplateError(
            f"dynamic reference {{{{resolve:{service}:{key}}}}}: only ssm is supported locally"
        )
    return _ssm_value(clients, key, "dynamic reference")


def _ssm_value(clients: Clients, name: str, used_by: str) -> str:
    try:
        return clients("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError:
        raise TemplateError(
            f"{used_by} reads SSM parameter {name}, which does not exist on the local endpoint"
        ) from None


def _outputs(outputs: dict[str, Any], resolver: Resolver) -> dict[str, str]:
    values = {}
    for name, output in outputs.items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        try:
            values[name] = str(resolver.resolve(output["Value"]))
        except TemplateError as error:
            raise TemplateError(f"output {name}: {error}") from None
    return values


def _create_stack_record(clients: Clients, stack_name: str) -> str:
    cloudformation = clients("cloudformation")
    existing = [
        s
        for s in cloudformation.list_stacks()["StackSummaries"]
        if s["StackName"] == stack_name and s["StackStatus"] != "DELETE_COMPLETE"
    ]
    if existing:
        raise DeployError(f"stack {stack_name} is already deployed on this endpoint; start a fresh endpoint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # moto warns that the placeholder is not modelled
        return cloudformation.create_stack(
            StackName=stack_name, TemplateBody=json.dumps(_PLACEHOLDER_TEMPLATE)
        )["StackId"]


def _complete_stack_record(
    clients: Clients, stack_name: str, outputs: dict[str, Any], values: dict[str, str]
) -> None:
    """Give the stack record the resolved outputs (with their export names) for ``describe-stacks``."""
    recorded = {
        name: {"Value": value, **({"Export": outputs[name]["Export"]} if "Export" in outputs[name] else {})}
        for name, value in values.items()
    }
    for output in recorded.values():
        if "Export" in output:
            output["Export"] = {"Name": output["Export"]["Name"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clients("cloudformation").update_stack(
            StackName=stack_name, TemplateBody=json.dumps({**_PLACEHOLDER_TEMPLATE, "Outputs": recorded})
        )


def fire_rule(deployment: Deployment, logical_id: str) -> list[dict[str, Any]]:
    """Deliver one firing of a scheduled rule or schedule to each of its targets, as EventBridge would.

    Returns one entry per target with what the target answered (a Lambda's payload, an execution ARN,
    a message id).
    """
    resource = deployment.resources.get(logical_id)
    if resource is None or resource.type not in _SCHEDULED_TYPES:
        names = ", ".join(r.logical_id for r in deployment.scheduled()) or "none"
        raise KeyError(f"{logical_id} is not a deployed EventBridge rule or schedule (deployed: {names})")
    if resource.type == "AWS::Scheduler::Schedule":
        target = resource.properties["Target"]
        return [_deliver(deployment, target, target.get("Input", "{}"), resource.attributes["Arn"])]
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": deployment.account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": deployment.region,
        "resources": [resource.attributes["Arn"]],
        "detail": {},
    }
    rule_arn = resource.attributes["Arn"]
    return [
        _deliver(deployment, target, target_input(target, event, rule_arn), rule_arn)
        for target in resource.properties.get("Targets", [])
    ]


def _deliver(deployment: Deployment, target: dict[str, Any], payload: str, source_arn: str) -> dict[str, Any]:
    """Deliver as EventBridge does: with the target's role where it has one, else as the service principal
    that the target's resource policy must let in."""
    arn = target["Arn"]
    service = arn.split(":")[2]
    principal = "scheduler.amazonaws.com" if ":schedule/" in source_arn else "events.amazonaws.com"
    clients = deployment.clients
    if target.get("RoleArn"):
        clients = access.clients_for_role(target["RoleArn"], principal, deployment) or clients
    elif refusal := access.refusal(principal, arn, source_arn, deployment.account_id, deployment.region):
        return {"Arn": arn, "Refused": refusal}
    if service == "lambda":
        response = clients("lambda").invoke(FunctionName=arn, Payload=payload.encode())
        body = response["Payload"].read()
        return {
            "Arn": arn,
            "FunctionError": response.get("FunctionError"),
            "Payload": json.loads(body or "null"),
        }
    if service == "states":
        execution = clients("stepfunctions").start_execution(
            stateMachineArn=arn, name=str(uuid.uuid4()), input=payload
        )
        return {"Arn": arn, "ExecutionArn": execution["executionArn"]}
    if service == "sqs":
        url = clients("sqs").get_queue_url(QueueName=arn.split(":")[5])["QueueUrl"]
        return {
            "Arn": arn,
            "MessageId": clients("sqs").send_message(QueueUrl=url, MessageBody=payload)["MessageId"],
        }
    if service == "sns":
        return {"Arn": arn, "MessageId": clients("sns").publish(TopicArn=arn, Message=payload)["MessageId"]}
    raise TemplateError(f"target {arn}: firing {service} targets locally is not supported")
