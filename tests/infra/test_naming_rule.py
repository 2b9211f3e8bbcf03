"""The naming rule (docs/architecture.md): a function that runs one step of a `steps.py` is named after
that step: its handler module is the step's name and its construct id (part of the logical IDs of the
function, its role and its log group) is the step's PascalCase plus `Function`, in both stacks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from aws_cdk import Stack

from infra.functions import PipelineFunction
from tests.infra.synth import build_stack, production_stack

HANDLERS = Path(__file__).resolve().parents[2] / "lambdas" / "handlers"


def step_run_by(handler: Path) -> str | None:
    """`X` when the handler module is `handler = step_handler(steps.X)`, else None."""
    for node in ast.walk(ast.parse(handler.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "step_handler":
            step = node.args[0]
            if isinstance(step, ast.Attribute) and getattr(step.value, "id", None) == "steps":
                return step.attr
    return None


STEP_MODULES = {path.stem: step for path in sorted(HANDLERS.glob("*.py")) if (step := step_run_by(path))}


def construct_id_for(step: str) -> str:
    return "".join(word.capitalize() for word in step.split("_")) + "Function"


def test_the_rule_reads_the_handlers_that_run_steps() -> None:
    assert {"check_training", "check_model", "validate_promotion_input", "copy_model"} <= set(STEP_MODULES)


@pytest.mark.parametrize("module", sorted(STEP_MODULES))
def test_a_handler_module_is_named_after_the_step_it_runs(module: str) -> None:
    assert module == STEP_MODULES[module], f"handlers/{module}.py runs steps.{STEP_MODULES[module]}"


def step_functions(stack: Stack) -> dict[str, PipelineFunction]:
    """The stack's functions that run a step, by construct id."""
    found = [child for child in stack.node.find_all() if isinstance(child, PipelineFunction)]
    return {function.node.id: function for function in found if function.module in STEP_MODULES}


@pytest.mark.parametrize("which", ["training", "production"])
def test_a_step_functions_logical_ids_carry_the_steps_name(which: str) -> None:
    training = build_stack(productionAccount="222222222222", trainingAccount="111111111111")
    stack = training if which == "training" else production_stack(training)
    functions = step_functions(stack)
    assert functions, f"no step function in the {which} stack"
    for construct_id, function in functions.items():
        expected = construct_id_for(function.module)
        assert construct_id == expected, f"handlers/{function.module}.py runs as {construct_id}"
        for resource in (function.function, function.role, function.log_group):
            assert expected in stack.get_logical_id(resource.node.default_child)
