"""Lambda functions, permissions and event-source mappings, and Step Functions state machines.

Functions are created with the template's handler, environment and code location; the endpoint's
in-process hook runs ``handlers.<module>.handler`` from them.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from local.function_urls import local_url
from local.intrinsics import TemplateError
from local.provision.base import Context, Created

_FUNCTION_PASS_THROUGH = {
    "Description": "Description",
    "Timeout": "Timeout",
    "MemorySize": "MemorySize",
    "Environment": "Environment",
    "TracingConfig": "TracingConfig",
    "DeadLetterConfig": "DeadLetterConfig",
    "Architectures": "Architectures",
    "EphemeralStorage": "EphemeralStorage",
    "KmsKeyArn": "KMSKeyArn",
    "LoggingConfig": "LoggingConfig",
}


def function(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "FunctionName",
            "Handler",
            "Runtime",
            "Role",
            "Code",
            "ReservedConcurrentExecutions",
            "Tags",
            *_FUNCTION_PASS_THROUGH,
        },
    )
    lambda_ = ctx.clients("lambda")
    name = props.get("FunctionName") or ctx.physical_name(64)
    request: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": props["Runtime"],
        "Role": props["Role"],
        "Handler": props["Handler"],
        "Code": _code(ctx, props["Code"]),
        "Tags": {tag["Key"]: tag["Value"] for tag in props.get("Tags", [])},
    }
    request.update({api: props[cfn] for cfn, api in _FUNCTION_PASS_THROUGH.items() if cfn in props})
    created = lambda_.create_function(**request)
    if "ReservedConcurrentExecutions" in props:
        lambda_.put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=props["ReservedConcurrentExecutions"]
        )
    return Created(name, {"Arn": created["FunctionArn"]})


def _code(ctx: Context, code: dict[str, Any]) -> dict[str, Any]:
    if "S3Bucket" in code:
        return {"S3Bucket": code["S3Bucket"], "S3Key": code["S3Key"]}
    if "ZipFile" in code:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("index.py", code["ZipFile"])
        return {"ZipFile": archive.getvalue()}
    raise TemplateError(
        f"{ctx.logical_id}: Lambda code {sorted(code)} is not supported locally (use an S3 asset or ZipFile)"
    )


def permission(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "Action",
            "FunctionName",
            "Principal",
            "SourceArn",
            "SourceAccount",
            "EventSourceToken",
            "PrincipalOrgID",
            "FunctionUrlAuthType",
        },
    )
    statement_id = ctx.logical_id[:100]
    ctx.clients("lambda").add_permission(StatementId=statement_id, **props)
    return Created(statement_id)


def function_url(ctx: Context, props: dict[str, Any]) -> Created:
    """A function URL config; its ``FunctionUrl`` is the endpoint's (local/function_urls.py)."""
    ctx.check_properties(props, {"TargetFunctionArn", "AuthType", "Cors", "InvokeMode", "Qualifier"})
    request = {"FunctionName": props["TargetFunctionArn"], "AuthType": props["AuthType"]}
    request.update({key: props[key] for key in ("Cors", "InvokeMode", "Qualifier") if key in props})
    created = ctx.clients("lambda").create_function_url_config(**request)
    endpoint = ctx.clients.endpoint_url
    url = local_url(endpoint, created["FunctionUrl"]) if endpoint else created["FunctionUrl"]
    return Created(created["FunctionArn"], {"FunctionUrl": url, "FunctionArn": created["FunctionArn"]})


_MAPPING_PROPERTIES = {
    "EventSourceArn",
    "FunctionName",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "FunctionResponseTypes",
    "Enabled",
    "ScalingConfig",
    "FilterCriteria",
    "StartingPosition",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "ParallelizationFactor",
    "MaximumRecordAgeInSeconds",
    "TumblingWindowInSeconds",
}


def event_source_mapping(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, _MAPPING_PROPERTIES)
    created = ctx.clients("lambda").create_event_source_mapping(**props)
    return Created(created["UUID"], {"Id": created["UUID"]})


def state_machine(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "StateMachineName",
            "StateMachineType",
            "RoleArn",
            "DefinitionString",
            "Definition",
            "DefinitionSubstitutions",
            "LoggingConfiguration",
            "TracingConfiguration",
            "Tags",
        },
    )
    name = props.get("StateMachineName") or ctx.physical_name(80)
    request: dict[str, Any] = {
        "name": name,
        "definition": definition(ctx, props),
        "roleArn": props["RoleArn"],
        "type": props.get("StateMachineType", "STANDARD"),
        "tags": [{"key": tag["Key"], "value": tag["Value"]} for tag in props.get("Tags", [])],
    }
    if "LoggingConfiguration" in props:
        request["loggingConfiguration"] = _logging(props["LoggingConfiguration"])
    if "TracingConfiguration" in props:
        request["tracingConfiguration"] = {"enabled": bool(props["TracingConfiguration"].get("Enabled"))}
    arn = ctx.clients("stepfunctions").create_state_machine(**request)["stateMachineArn"]
    return Created(arn, {"Arn": arn, "Name": name})


def definition(ctx: Context, props: dict[str, Any]) -> str:
    """The ASL text Step Functions receives: the resolved definition with its substitutions applied."""
    if "DefinitionString" in props:
        text = props["DefinitionString"]
    elif "Definition" in props:
        text = json.dumps(props["Definition"])
    else:
        raise TemplateError(f"{ctx.logical_id}: a state machine needs DefinitionString or Definition")
    for key, value in props.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + key + "}", str(value))
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise TemplateError(
            f"{ctx.logical_id}: the resolved state-machine definition is not JSON: {error}"
        ) from None
    return text


def _logging(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "level": config.get("Level", "OFF"),
        "includeExecutionData": bool(config.get("IncludeExecutionData", False)),
        "destinations": [
            {"cloudWatchLogsLogGroup": {"logGroupArn": d["CloudWatchLogsLogGroup"]["LogGroupArn"]}}
            for d in config.get("Destinations", [])
        ],
    }
