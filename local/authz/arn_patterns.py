"""Can a policy's Resource pattern (``*``/``?`` wildcards) name a resource of an ARN template's type?

Both sides are patterns, so the question is whether their languages intersect. Each is turned into a
small automaton over a finite alphabet (the literal characters of both, the separators ``:`` and
``/``, and one stand-in for every other character), and the product automaton is searched.

An ARN template's placeholder (``${BucketName}``) stands for one or more characters without ``:``.
Whether it may hold ``/`` is decided by its name: S3 object keys, paths, parameter and log-group
names may; bucket, project, table or queue names may not. So ``arn:aws:s3:::bucket/*`` fits the
``object`` type and not ``bucket``, which is the mistake a static check should catch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_ANY = frozenset()
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
_SLASH_ALLOWED = re.compile(r"Path|Object|ParameterName|LogGroupName|LogStreamName|Key$|Prefix")
# A DynamoDB stream label is an ISO 8601 timestamp, colons included ("StreamLabel", Amazon DynamoDB
# Streams API Reference, DescribeStream: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamDescription.html).
_COLON_ALLOWED = re.compile(r"^Object|^StreamLabel$")
_OTHER = "\x00"


@dataclass(frozen=True)
class _Token:
    literal: str | None  # one exact character, or None for a class
    excluded: frozenset[str]  # for a class: characters it does not accept
    repeat: bool  # zero or more (True) or exactly one (False)

    def accepts(self, symbol: str) -> bool:
        if self.literal is not None:
            return symbol == self.literal
        return symbol not in self.excluded


def _literal(char: str) -> _Token:
    return _Token(char, _ANY, False)


def _class(excluded: frozenset[str], repeat: bool) -> _Token:
    return _Token(None, excluded, repeat)


def _policy_tokens(pattern: str) -> tuple[_Token, ...]:
    return tuple(
        _class(_ANY, True) if c == "*" else _class(_ANY, False) if c == "?" else _literal(c) for c in pattern
    )


def _template_tokens(template: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    parts = template.split(":", 5)
    for index, part in enumerate(parts):
        if index:
            tokens.append(_literal(":"))
        position = 0
        for match in _PLACEHOLDER.finditer(part):
            tokens.extend(_literal(c) for c in part[position : match.start()])
            name = match.group(1)
            excluded = {":", "/"}
            if index == 5 and _SLASH_ALLOWED.search(name):
                excluded.discard("/")
            if index == 5 and _COLON_ALLOWED.search(name):
                excluded.discard(":")
            one_or_more = frozenset(excluded)
            tokens += [_class(one_or_more, False), _class(one_or_more, True)]
            position = match.end()
        tokens.extend(_literal(c) for c in part[position:])
    return tuple(tokens)


def _closure(tokens: tuple[_Token, ...], positions: set[int]) -> frozenset[int]:
    result = set(positions)
    stack = list(positions)
    while stack:
        position = stack.pop()
        if position < len(tokens) and tokens[position].repeat and position + 1 not in result:
            result.add(position + 1)
            stack.append(position + 1)
    return frozenset(result)


def _step(tokens: tuple[_Token, ...], positions: frozenset[int], symbol: str) -> frozenset[int]:
    moved: set[int] = set()
    for position in positions:
        if position < len(tokens) and tokens[position].accepts(symbol):
            moved.add(position if tokens[position].repeat else position + 1)
    return _closure(tokens, moved)


@lru_cache(maxsize=8192)
def arn_pattern_overlaps(pattern: str, template: str) -> bool:
    left, right = _policy_tokens(pattern), _template_tokens(template)
    alphabet = {t.literal for t in left + right if t.literal is not None} | {":", "/", _OTHER}
    start = (_closure(left, {0}), _closure(right, {0}))
    seen, frontier = {start}, [start]
    while frontier:
        a, b = frontier.pop()
        if len(left) in a and len(right) in b:
            return True
        for symbol in alphabet:
            state = (_step(left, a, symbol), _step(right, b, symbol))
            if state[0] and state[1] and state not in seen:
                seen.add(state)
                frontier.append(state)
    return False
