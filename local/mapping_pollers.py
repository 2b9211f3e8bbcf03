"""What Lambda's pollers of SQS and DynamoDB-stream event-source mappings share: a thread per poller
that reports what it delivered and what went wrong, and clients acting as the function's execution
role (Lambda reads the source, and sends to an on-failure destination, with that role)."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.exceptions import ClientError

from local import access

PROBLEM_BACKOFF_SECONDS = 1.0


class MappingPoller(threading.Thread):
    def __init__(self, name: str, lambda_: Any, stopping: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self._lambda = lambda_
        self._stopping = stopping
        self.invocations = 0
        self.disabled_reason: str | None = None  # why it stopped, as Lambda disables a mapping
        self.last_problem: str | None = None  # the last error it keeps polling through

    def _source_gone(self, error: ClientError, gone_codes: frozenset[str], source: str) -> bool:
        """True when `error` says the source no longer exists (Lambda disables the mapping). Otherwise
        Lambda goes on polling a source its role may not read or decrypt, and says why: the problem is
        kept and polling resumes after a back-off, so a fixed policy lets the mapping resume."""
        code = error.response.get("Error", {}).get("Code")
        if code in gone_codes:
            self.disabled_reason = f"{source} no longer exists"
            return True
        self.last_problem = f"{code}: {error}"
        self._stopping.wait(PROBLEM_BACKOFF_SECONDS)
        return False


def role_client(service: str, role_arn: str, like: Any) -> Any:
    """A `service` client with `role_arn`'s credentials, pointed where `like` points; `like` itself
    when authorization is off."""
    issued = access.role_credentials_if_enabled(role_arn, "event-source-mapping")
    if issued is None:
        return like
    return boto3.client(
        service,
        region_name=like.meta.region_name,
        endpoint_url=like.meta.endpoint_url,
        aws_access_key_id=issued.access_key_id,
        aws_secret_access_key=issued.secret_access_key,
        aws_session_token=issued.session_token,
    )
