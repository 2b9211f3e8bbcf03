"""MaxResults / NextToken paging as the List and Describe operations share it.

A token names the operation and the request it pages (every member but NextToken and MaxResults), so a
token from another operation, another project or dataset, or other filters is refused with
InvalidPaginationTokenException (the error botocore's model gives each paged operation) instead of
silently skipping items. MaxResults' bounds are the input shape's, checked before the operation runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any, TypeVar

from local.emulator.errors import InvalidPaginationTokenException

T = TypeVar("T")
_NOT_SCOPE = ("NextToken", "MaxResults")


def page(items: list[T], request: dict, operation: str, limit: int = 100) -> tuple[list[T], str | None]:
    """One page of `items` and the token of the next one (None on the last page); `limit` is the
    default page size (botocore's maximum)."""
    size = request.get("MaxResults", limit)
    scope = _scope(operation, request)
    token = request.get("NextToken")
    start = _offset(token, scope) if token else 0
    end = start + size
    return items[start:end], (_token(end, scope) if end < len(items) else None)


def with_token(response: dict[str, Any], token: str | None) -> dict[str, Any]:
    return {**response, "NextToken": token} if token else response


def _scope(operation: str, request: dict) -> str:
    paged = {key: value for key, value in request.items() if key not in _NOT_SCOPE}
    text = json.dumps([operation, paged], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _token(offset: int, scope: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{scope}".encode()).decode()


def _offset(token: str, scope: str) -> int:
    try:
        offset, _, issued_for = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset, issued_for = "", ""
    if not offset.isdigit():
        raise InvalidPaginationTokenException("NextToken is not a token this service returned.")
    if issued_for != scope:
        raise InvalidPaginationTokenException(
            "NextToken was returned by another call: pass it to the same operation with the same "
            "parameters (only MaxResults may change)."
        )
    return int(offset)
