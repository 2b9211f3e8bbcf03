"""MaxResults / NextToken paging as the List and Describe operations share it."""

from __future__ import annotations

from typing import Any, TypeVar

from local.emulator.errors import InvalidPaginationTokenException, ValidationException

T = TypeVar("T")


def page(items: list[T], request: dict, limit: int = 100) -> tuple[list[T], str | None]:
    """One page of `items` and the token of the next one (None on the last page). `MaxResults` is
    1..limit (botocore's bounds); the default is the limit."""
    size = request.get("MaxResults", limit)
    if not isinstance(size, int) or not 1 <= size <= limit:
        raise ValidationException(f"MaxResults must be between 1 and {limit}, not {size!r}.")
    token = request.get("NextToken")
    start = _offset(token) if token else 0
    end = start + size
    return items[start:end], (_token(end) if end < len(items) else None)


def with_token(response: dict[str, Any], token: str | None) -> dict[str, Any]:
    return {**response, "NextToken": token} if token else response


_PREFIX = "cl-page-"


def _token(offset: int) -> str:
    return f"{_PREFIX}{offset}"


def _offset(token: str) -> int:
    digits = token.removeprefix(_PREFIX) if isinstance(token, str) and token.startswith(_PREFIX) else ""
    if not digits.isdigit():
        raise InvalidPaginationTokenException("NextToken is not a token this service returned.")
    return int(digits)
