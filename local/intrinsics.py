"""CloudFormation intrinsic functions, conditions and pseudo parameters, resolved against a deployment.

A value is resolved recursively: a dict with exactly one ``Ref``/``Fn::*``/``Condition`` key is an
intrinsic; anything else is walked. ``AWS::NoValue`` removes the key or list item holding it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
_SUB_LITERAL = re.compile(r"\$\{!")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:([a-z\-]+):([^}]*)\}\}")


class TemplateError(ValueError):
    """The template uses something the local deployer cannot resolve."""


@dataclass(frozen=True)
class Pseudo:
    region: str
    account_id: str
    stack_name: str
    stack_id: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    def values(self) -> dict[str, Any]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }


@dataclass
class Resolver:
    """Resolves values once the resources they name exist.

    ``refs`` maps logical ids (resources and parameters) to what ``Ref`` returns; ``attributes`` maps a
    logical id to its ``Fn::GetAtt`` attributes. ``dynamic`` resolves ``{{resolve:service:key}}``.
    """

    pseudo: Pseudo
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    dynamic: Callable[[str, str], str] | None = None
    lazy: dict[str, Callable[[], Any]] = field(default_factory=dict)  # values looked up on first Ref
    _condition_values: dict[str, bool] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        resolved = self._resolve(value)
        return None if resolved is NO_VALUE else resolved

    def condition(self, name: str) -> bool:
        if name not in self._condition_values:
            if name not in self.conditions:
                raise TemplateError(f"condition {name!r} is used but not defined under Conditions")
            self._condition_values[name] = bool(self._resolve(self.conditions[name]))
        return self._condition_values[name]

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = (self._resolve(item) for item in value)
            return [item for item in items if item is not NO_VALUE]
        if isinstance(value, str):
            return self._dynamic_references(value)
        if not isinstance(value, dict):
            return value
        intrinsic = intrinsic_name(value)
        if intrinsic is not None:
            return self._intrinsic(intrinsic, value[intrinsic])
        resolved = {key: self._resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _intrinsic(self, name: str, argument: Any) -> Any:
        handler = _INTRINSICS.get(name)
        if handler is None:
            raise TemplateError(
                f"intrinsic function {name} is not supported by the local deployer "
                f"(supported: {', '.join(sorted(_INTRINSICS))})"
            )
        return handler(self, argument)

    def _ref(self, name: str) -> Any:
        pseudo = self.pseudo.values()
        if name in pseudo:
            return pseudo[name]
        if name in self.lazy:
            self.refs[name] = self.lazy.pop(name)()
        if name not in self.refs:
            raise TemplateError(f"Ref to {name!r}, which is not a parameter or a created resource")
        return self.refs[name]

    def _get_att(self, argument: Any) -> Any:
        logical_id, attribute = (
            argument.split(".", 1) if isinstance(argument, str) else self._resolve(argument)
        )
        attributes = self.attributes.get(logical_id)
        if attributes is None:
            raise TemplateError(f"Fn::GetAtt on {logical_id!r}, which is not a created resource")
        if attribute not in attributes:
            raise TemplateError(
                f"Fn::GetAtt {logical_id}.{attribute}: the local deployer provides "
                f"{', '.join(sorted(attributes)) or 'no attributes'} for this resource"
            )
        return attributes[attribute]

    def _join(self, argument: list) -> str:
        delimiter, items = argument
        return delimiter.join(_text(item) for item in self._resolve(items))

    def _sub(self, argument: Any) -> str:
        template, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = {key: self._resolve(item) for key, item in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return _text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return _text(self._get_att(name))
            return _text(self._ref(name))

        return _SUB_LITERAL.sub("${", _SUB_VARIABLE.sub(substitute, template))

    def _select(self, argument: list) -> Any:
        index, items = (self._resolve(part) for part in argument)
        index = int(index)
        if not 0 <= index < len(items):
            raise TemplateError(f"Fn::Select index {index} is outside a list of {len(items)} items")
        return items[index]

    def _split(self, argument: list) -> list[str]:
        delimiter, text = (self._resolve(part) for part in argument)
        return _text(text).split(delimiter)

    def _if(self, argument: list) -> Any:
        name, when_true, when_false = argument
        return self._resolve(when_true if self.condition(name) else when_false)

    def _find_in_map(self, argument: list) -> Any:
        map_name, top, second = (self._resolve(part) for part in argument)
        try:
            return self.mappings[map_name][top][second]
        except KeyError as missing:
            raise TemplateError(f"Fn::FindInMap {map_name}/{top}/{second}: no entry {missing}") from None

    def _dynamic_references(self, text: str) -> str:
        if "{{resolve:" not in text:
            return text
        if self.dynamic is None:
            raise TemplateError(f"dynamic reference in {text!r} cannot be resolved here")
        return _DYNAMIC_REFERENCE.sub(lambda match: self.dynamic(match.group(1), match.group(2)), text)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TemplateError(f"expected a string where the template has {json.dumps(value)[:200]}")


def _equals(resolver: Resolver, argument: list) -> bool:
    left, right = (resolver._resolve(part) for part in argument)
    return left == right


_INTRINSICS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda resolver, name: resolver._ref(name),
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Join": Resolver._join,
    "Fn::Sub": Resolver._sub,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Base64": lambda resolver, text: base64.b64encode(_text(resolver._resolve(text)).encode()).decode(),
    "Fn::GetAZs": lambda resolver, _: [f"{resolver.pseudo.region}{zone}" for zone in "abc"],
    "Fn::Equals": _equals,
    "Fn::And": lambda resolver, items: all(resolver._resolve(item) for item in items),
    "Fn::Or": lambda resolver, items: any(resolver._resolve(item) for item in items),
    "Fn::Not": lambda resolver, items: not resolver._resolve(items[0]),
    "Condition": lambda resolver, name: resolver.condition(name),
}


def intrinsic_name(value: Mapping[str, Any]) -> str | None:
    """The intrinsic a one-key dict calls, or None for a plain object."""
    if len(value) != 1:
        return None
    (key,) = value
    return key if key == "Ref" or key == "Condition" or key.startswith("Fn::") else None


def references(value: Any) -> Iterator[str]:
    """Logical ids a value refers to through Ref, Fn::GetAtt or Fn::Sub (pseudo parameters excluded)."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        name = intrinsic_name(value)
        argument = value[name] if name else None
        if name == "Ref" and not argument.startswith("AWS::"):
            yield argument
        elif name == "Fn::GetAtt":
            yield argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
        elif name == "Fn::Sub":
            template, variables = (argument, {}) if isinstance(argument, str) else argument
            for match in _SUB_VARIABLE.finditer(template):
                target = match.group(1).split(".", 1)[0]
                if target not in variables and not target.startswith("AWS::"):
                    yield target
            yield from references(variables)
        else:
            for item in value.values():
                yield from references(item)
