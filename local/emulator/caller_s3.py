"""The S3 client the service uses for its caller: each call is first authorized as the caller.

In AWS, Rekognition reads training data and writes output with the caller's permissions (a forward
access session; spec 01 §3.3). The service reaches S3 with its own client; while it serves a request
(and in the work it schedules from it) it uses a `CallerS3`, which asks `authorize` first and answers a
refusal with S3's own AccessDenied error. Without authorization on the endpoint, the service's client
is used as is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from botocore.exceptions import ClientError

Authorize = Callable[[str, dict[str, Any]], str | None]  # (S3 operation, parameters) -> why refused
# Existence probes of the service itself, not reads of the caller's data.
SERVICE_PROBES = frozenset({"HeadBucket"})
_acting: ContextVar[CallerS3 | None] = ContextVar("caller_s3", default=None)


class CallerS3:
    def __init__(self, s3: Any, authorize: Authorize) -> None:
        self._s3, self._authorize = s3, authorize

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._s3, name)
        operation = self._s3.meta.method_to_api_mapping.get(name)
        if operation is None or operation in SERVICE_PROBES:
            return method

        def call(**params: Any) -> Any:
            refused = self._authorize(operation, params)
            if refused is not None:
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": refused}}, operation)
            return method(**params)

        return call


def acting_client() -> CallerS3 | None:
    return _acting.get()


@contextmanager
def acting_for(client: CallerS3 | None) -> Iterator[None]:
    """Within the block the service's `state.s3` is `client` (None: the service's own client)."""
    token = _acting.set(client)
    try:
        yield
    finally:
        _acting.reset(token)
