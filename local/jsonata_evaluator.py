"""moto's Step Functions parser evaluates JSONata, and every ``$variable`` reference even in JSONPath states,
through ``moto.stepfunctions.parser.asl.jsonata.jsonata._eval_jsonata``: a hook moto 5.2.5 leaves empty
(LocalStack fills it with a JVM). Filled with jsonata-python, a pure-Python port of jsonata-js, the JSONata
implementation Step Functions documents (step-functions-jsonata.html)."""

from __future__ import annotations

from typing import Any

import jsonata
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata


def evaluate(expression: str) -> Any:
    """The value of a JSONata expression moto composed (variable declarations included), as JSON."""
    try:
        return jsonata.Jsonata(expression).evaluate(None)
    except jsonata.JException as error:
        raise moto_jsonata.JSONataException("States.QueryEvaluationError", str(error)) from error


def install() -> None:
    moto_jsonata._eval_jsonata = evaluate
