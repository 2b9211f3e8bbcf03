"""More accounts on one endpoint (``--accounts 222222222222,333333333333``): each gets an ``Administrator``
role at start, trusting the default account, so the default keys reach it with ``sts assume-role``."""

from __future__ import annotations

import json
import re

from moto.iam.models import iam_backends

from local.access.principals import ADMINISTRATOR_ROLE, PARTITION
from local.access.roles import ADMINISTRATOR

ROLE_NAME = ADMINISTRATOR_ROLE
_ACCOUNT = re.compile(r"^\d{12}$")


def parse(text: str) -> tuple[str, ...]:
    """``222222222222,333333333333`` -> the account ids (12 digits each)."""
    accounts = tuple(part.strip() for part in text.split(",") if part.strip())
    wrong = [account for account in accounts if not _ACCOUNT.match(account)]
    if wrong or not accounts:
        raise ValueError(f"accounts must be 12-digit ids separated by commas, got {text!r}")
    return accounts


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE_NAME}"


def register(account: str, trusted_account: str) -> str:
    """Make the account's Administrator role (if it is not there yet); returns its ARN."""
    backend = iam_backends[account][PARTITION]
    if not any(role.name == ROLE_NAME for role in backend.roles.values()):
        trust = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
            "Action": "sts:AssumeRole",
        }
        backend.create_role(
            role_name=ROLE_NAME,
            assume_role_policy_document=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
            path="/",
            permissions_boundary=None,
            description=f"Administrator of {account} on the local endpoint (--accounts)",
            tags=[],
            max_session_duration="3600",
            linked_service=None,
        )
        backend.put_role_policy(ROLE_NAME, ROLE_NAME, json.dumps(ADMINISTRATOR))
    return role_arn(account)


def how_to_reach(account: str, endpoint_url: str) -> str:
    return (
        f"account {account}: aws --endpoint-url {endpoint_url} sts assume-role "
        f"--role-arn {role_arn(account)} --role-session-name local  (with the default keys; "
        "boto3: sts.assume_role(RoleArn=..., RoleSessionName=...))"
    )
