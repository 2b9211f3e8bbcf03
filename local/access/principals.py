"""Who is calling: the principal behind an access key, and credentials for a role.

Keys the endpoint issued (``sts:AssumeRole``, which the endpoint also uses to give each Lambda function
and state machine the credentials of its role) belong to that role's session. Any other key
(``testing``, ``test``, whatever a user exported) acts as the default account's administrator, as
before authorization existed, so tools, the deployer and the CLI keep working.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from local.authz import Principal

PARTITION = "aws"
# The role `--accounts` makes in each extra account (local/accounts.py): its sessions act as that
# account's administrator, unchecked, as the default keys do in the default account.
ADMINISTRATOR_ROLE = "Administrator"
ROLE_ARN = re.compile(r"^arn:aws:iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[\w+=,.@-]+)$")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_lock = threading.Lock()
_role_credentials: dict[tuple[str, str], Credentials] = {}


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str


@dataclass(frozen=True)
class Caller:
    """The principal of a request; administrators (keys the endpoint did not issue) pass unchecked."""

    principal: Principal
    administrator: bool
    role_name: str | None = None


def access_key_of(authorization: str | None) -> str | None:
    match = _CREDENTIAL.search(authorization or "")
    return match.group(1) if match else None


def administrator(account: str = DEFAULT_ACCOUNT_ID) -> Caller:
    return Caller(Principal(arn=f"arn:aws:iam::{account}:root", account=account), administrator=True)


def caller_for_key(access_key_id: str | None) -> Caller:
    if not access_key_id:
        return administrator()
    for account_id, account in list(iam_backends.items()):
        key = account[PARTITION].access_keys.get(access_key_id)
        role_arn = getattr(key, "role_arn", None) if key is not None else None
        if role_arn:
            return _role_caller(account_id, role_arn, access_key_id)
    return administrator()


def _role_caller(account_id: str, role_arn: str, access_key_id: str) -> Caller:
    match = ROLE_ARN.match(role_arn)
    name = match.group("name") if match else role_arn.rsplit("/", 1)[-1]
    if name == ADMINISTRATOR_ROLE:
        return administrator(account_id)
    session = "session"
    for assumed in sts_backends[account_id][PARTITION].assumed_roles:
        if assumed.access_key_id == access_key_id:
            session = assumed.session_name
            break
    principal = Principal(
        arn=f"arn:aws:iam::{account_id}:role/{name}",
        account=account_id,
        session_arn=f"arn:aws:sts::{account_id}:assumed-role/{name}/{session}",
    )
    return Caller(principal, administrator=False, role_name=name)


def role_credentials(role_arn: str, session_name: str) -> Credentials:
    """Credentials of `role_arn`, issued once per role and session name (as a service assumes a role)."""
    cache_key = (role_arn, session_name)
    with _lock:
        cached = _role_credentials.get(cache_key)
        if cached is not None and _still_issued(cached):
            return cached
        match = ROLE_ARN.match(role_arn)
        account = match.group("account") if match else DEFAULT_ACCOUNT_ID
        assumed = sts_backends[account][PARTITION].assume_role(
            region_name="us-east-1",
            role_session_name=session_name[:64],
            role_arn=role_arn,
            policy="",
            duration=43200,
            external_id="",
        )
        issued = Credentials(assumed.access_key_id, assumed.secret_access_key, assumed.session_token)
        _role_credentials[cache_key] = issued
        return issued


def _still_issued(credentials: Credentials) -> bool:
    """A reset of the endpoint forgets issued keys: credentials cached before it must be issued again."""
    return any(
        credentials.access_key_id in account[PARTITION].access_keys
        for _, account in list(iam_backends.items())
    )
