"""A mapping's FilterCriteria, applied to DynamoDB stream records as Lambda applies them.

Lambda keeps a record when it matches any of the mapping's patterns and drops (checkpoints past) the
others before batching ("Control which events Lambda sends to your function" and "Using event
filtering with a DynamoDB event source", AWS Lambda Developer Guide:
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html,
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html). The pattern syntax is
EventBridge's; moto's EventBridge matcher evaluates it. Patterns address leaf values of the DynamoDB
JSON (``{"dynamodb": {"NewImage": {"document": {"B": [{"exists": true}]}}}}``): ``exists`` on an
attribute's type key says whether the attribute is there. DynamoDB JSON carries numbers as strings
(``{"N": "5"}``); the guide's DynamoDB examples compare them with ``numeric``, so a numeric rule reads
an ``N`` string as the number it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.events.models import EventPattern


class _DynamoDBPattern(EventPattern):
    @staticmethod
    def _does_item_match_named_filter(item: Any, pattern: dict[str, Any]) -> bool:
        if "numeric" in pattern and isinstance(item, str):
            try:
                item = float(item)
            except ValueError:
                return False
        return EventPattern._does_item_match_named_filter(item, pattern)


class InvalidFilterCriteria(ValueError):
    """A mapping's filter pattern that is not an event pattern."""


def record_filter(filter_criteria: dict[str, Any] | None) -> Callable[[dict[str, Any]], bool]:
    """Whether a record (as Lambda sends it) passes the mapping's filters; all pass without filters."""
    try:
        filters = (filter_criteria or {}).get("Filters") or []
        patterns = [_DynamoDBPattern.load(item["Pattern"]) for item in filters]
    except Exception as error:  # moto's parser raises its own error types
        raise InvalidFilterCriteria(
            f"the mapping's FilterCriteria is not a list of event patterns ({error}); see "
            "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html"
        ) from error
    if not patterns:
        return lambda record: True
    return lambda record: any(pattern.matches_event(record) for pattern in patterns)
