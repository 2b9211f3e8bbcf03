"""moto's Step Functions parser evaluates JSONata, and every ``$variable`` reference even in JSONPath states,
through ``moto.stepfunctions.parser.asl.jsonata.jsonata._eval_jsonata``: a hook moto 5.2.5 leaves empty
(DeployedStack fills it with a JVM). Filled with jsonata-python, a pure-Python port of jsonata-js, the JSONata
implementation Step Functions documents (step-functions-jsonata.html).

moto 5.2.5 also writes a string variable into the expression as ``"<value>"`` unescaped, so a value with a
quote (a failure cause quoting JSON) breaks the expression; ``encode_variables`` writes JSON literals.
"""

from __future__ import annotations

import json
from typing import Any

import jsonata
from moto.stepfunctions.parser.asl.eval import states as moto_states
from moto.stepfunctions.parser.asl.eval import variable_store as moto_variable_store
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata

from local.patches import Patch, apply, remove


def evaluate(expression: str) -> Any:
    """The value of a JSONata expression moto composed (variable declarations included), as JSON."""
    try:
        return jsonata.Jsonata(expression).evaluate(None)
    except jsonata.JException as error:
        raise moto_jsonata.JSONataException("States.QueryEvaluationError", str(error)) from error


def encode_variables(bindings: dict[str, Any]) -> str:
    """``$name:=<JSON literal>;`` for each variable (a JSON literal is a JSONata literal)."""
    return "".join(f"{name}:={json.dumps(value, separators=(',', ':'))};" for name, value in bindings.items())


PATCHES = (
    Patch(moto_jsonata, "_eval_jsonata", evaluate, "moto's JSONata evaluator, an empty hook"),
    Patch(
        moto_states,
        "encode_jsonata_variable_declarations",
        encode_variables,
        "moto's variable declarations for JSONata, which write strings unescaped",
    ),
    Patch(
        moto_variable_store,
        "encode_jsonata_variable_declarations",
        encode_variables,
        "the same, as the variable store imported it",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
