"""Workflow variables offline: moto composes each variable into a JSONata expression that jsonata-python
evaluates; a value keeps its quotes, braces and non-ASCII text."""

from __future__ import annotations

import pytest
from moto.stepfunctions.parser.asl.jsonata.jsonata import JSONataException, compose_jsonata_expression

from local.jsonata_evaluator import encode_variables, evaluate


@pytest.mark.parametrize(
    "value",
    [
        'Evaluate failed with ValueError: bad "manifest" {"code": "ERROR_X"}',
        "F1 0.42 is below 0.80; label «7» failed",
        {"error": "GateFailed", "labels": [1, 2.5, None, True]},
    ],
)
def test_a_variable_reads_back_as_it_was_assigned(value) -> None:
    expression = compose_jsonata_expression("$why", [encode_variables({"$why": value, "$failure": "X"})])
    assert evaluate(expression) == value


def test_an_expression_jsonata_cannot_parse_is_a_query_evaluation_error() -> None:
    with pytest.raises(JSONataException) as raised:
        evaluate("($why := ")
    assert raised.value.error == "States.QueryEvaluationError"
