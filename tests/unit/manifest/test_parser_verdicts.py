"""The fast JSON parser (msgspec) changes no verdict: every line gets the same status, codes, labels and
validation line as with the stdlib parser alone, which is what the Lambda uses when msgspec is absent."""

from __future__ import annotations

import random

import pytest

from bench.manifest_validation import _bad_line, _good_line
from customlabels.manifest import check_line, validate_line
from customlabels.manifest.builders import to_json_line
from tests.unit.manifest.conftest import cls, det

EDGE_CASES = [
    '{"source-ref":"s3://bkt/a.jpg","c":1e999,"c-metadata":{}}', '{"source-ref":NaN}', '{"a":Infinity}',
    '{"source-ref":"s3://bkt/\\ud800.jpg","c":1,"c-metadata":{}}', '{"source-ref":"s3://bkt/a.jpg"} x',
    '{"source-ref":"s3://bkt/a.jpg","source-ref":"s3://bkt/b.jpg"}', '[1,2]',
    '{"a":' + "[" * 1200 + "]" * 1200 + "}",
    '{"source-ref":"s3://bkt/a.jpg","cat":123456789012345678901234567890,"cat-metadata":{}}',
    '{"source-ref":"s3://bkt/a.jpg","cat":1.0,"cat-metadata":{"confidence":1e-400}}', '{"a":"\tb"}',
    '{"a":01}', '{"a":1.}', '{"a":-0}', '{"a":"\\u0000"}', '{}', '{"source-ref":"s3://bkt/a.jpg"}\n',
    '{"source-ref":"s3://bkt/\ud83d.jpg","c":1,"c-metadata":{}}',  # a lone surrogate in the text itself
]


def corpus() -> list[str]:
    rng = random.Random(11)
    generated = [(_bad_line if rng.random() < 0.3 else _good_line)(rng, number) for number in range(3000)]
    built = [to_json_line(cls("a.jpg")), to_json_line(det("b.jpg"))]
    return generated + built + EDGE_CASES


def verdict(text: str) -> tuple:
    result = validate_line(text, 1)
    return result.status, result.codes, result.labels, result.validation_line()


def test_msgspec_is_in_use_here():
    assert check_line._fast_decode is not None


def test_every_verdict_is_the_stdlib_parser_verdict(monkeypatch: pytest.MonkeyPatch):
    lines = corpus()
    fast = [verdict(line) for line in lines]
    monkeypatch.setattr(check_line, "_fast_decode", None)
    assert [verdict(line) for line in lines] == fast
