"""IAM roles, inline policies and managed policies."""

from __future__ import annotations

import json
from typing import Any

from local.provision.base import Context, Created, tag_list


def role(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "RoleName",
            "AssumeRolePolicyDocument",
            "Description",
            "Path",
            "MaxSessionDuration",
            "ManagedPolicyArns",
            "Policies",
            "PermissionsBoundary",
            "Tags",
        },
    )
    iam = ctx.clients("iam")
    name = props.get("RoleName") or ctx.physical_name(64)
    request: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": json.dumps(props["AssumeRolePolicyDocument"]),
        "Path": props.get("Path", "/"),
        "Tags": tag_list(props.get("Tags")),
    }
    for optional in ("Description", "MaxSessionDuration", "PermissionsBoundary"):
        if optional in props:
            request[optional] = props[optional]
    created = iam.create_role(**request)["Role"]
    for policy_arn in props.get("ManagedPolicyArns", []):
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy in props.get("Policies", []):
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=json.dumps(policy["PolicyDocument"]),
        )
    return Created(name, {"Arn": created["Arn"], "RoleId": created["RoleId"]})


def policy(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, {"PolicyName", "PolicyDocument", "Roles", "Users", "Groups"})
    iam = ctx.clients("iam")
    document = json.dumps(props["PolicyDocument"])
    name = props["PolicyName"]
    for role_name in props.get("Roles", []):
        iam.put_role_policy(RoleName=role_name, PolicyName=name, PolicyDocument=document)
    for user in props.get("Users", []):
        iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=document)
    for group in props.get("Groups", []):
        iam.put_group_policy(GroupName=group, PolicyName=name, PolicyDocument=document)
    return Created(ctx.physical_name(128))


def managed_policy(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props, {"ManagedPolicyName", "PolicyDocument", "Description", "Path", "Roles", "Users", "Groups"}
    )
    iam = ctx.clients("iam")
    created = iam.create_policy(
        PolicyName=props.get("ManagedPolicyName") or ctx.physical_name(128),
        PolicyDocument=json.dumps(props["PolicyDocument"]),
        Path=props.get("Path", "/"),
        Description=props.get("Description", ""),
    )["Policy"]
    arn = created["Arn"]
    for role_name in props.get("Roles", []):
        iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)
    for user in props.get("Users", []):
        iam.attach_user_policy(UserName=user, PolicyArn=arn)
    for group in props.get("Groups", []):
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    return Created(arn, {"PolicyArn": arn})
