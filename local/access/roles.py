"""``sts:AssumeRole`` into a role that does not exist makes it, as that account's administrator.

This is how a test or a user reaches another account on the local endpoint
(``arn:aws:iam::222222222222:role/<any name>``). A role that exists keeps its own policies, so a test
principal built in the local IAM is authorized as exactly that role.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import STSBackend

from local.access.principals import PARTITION, ROLE_ARN
from local.patches import Patch, apply, remove

ADMINISTRATOR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_original = STSBackend.assume_role


def _trusting(account: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def assume_role(
    self: STSBackend, region_name: str, role_session_name: str, role_arn: str, *args: Any, **kwargs: Any
):
    match = ROLE_ARN.match(role_arn)
    if match:
        backend = iam_backends[match.group("account")][PARTITION]
        name = match.group("name")
        if not any(role.name == name for role in backend.roles.values()):
            backend.create_role(
                role_name=name,
                assume_role_policy_document=_trusting(match.group("account")),
                path="/",
                permissions_boundary=None,
                description="Made on first AssumeRole: this account's administrator on the local endpoint",
                tags=[],
                max_session_duration="3600",
                linked_service=None,
            )
            backend.put_role_policy(name, "Administrator", json.dumps(ADMINISTRATOR))
    return _original(self, region_name, role_session_name, role_arn, *args, **kwargs)


PATCHES = (
    Patch(
        STSBackend,
        "assume_role",
        assume_role,
        "moto's AssumeRole, which issues credentials for roles that do not exist without making them",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
