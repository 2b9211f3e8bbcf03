"""Each synthesized function's environment is exactly its settings class: what infra/ sets is what the
handler reads (customlabels.environment.FunctionSettings), no variable more or less."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from customlabels.batch.settings import BatchSettings
from customlabels.environment import FunctionSettings, PowertoolsSettings
from customlabels.feedback.retrain import RetrainSettings
from customlabels.inference.result_documents import ResultDocumentSettings
from customlabels.inference.settings import DetectSettings
from customlabels.monitoring.settings import DriftSettings
from customlabels.monitoring.shadow_settings import ShadowSettings
from customlabels.operations.settings import ExecutionEndSettings, GuardSettings
from customlabels.promotion.settings import DecideApprovalSettings, RequestApprovalSettings
from customlabels.training.contract import TrainingSettings
from infra.assembly import build_stack
from infra.promotion.stack import PRODUCTION_STACK_NAME

HANDLERS = Path(__file__).resolve().parents[2] / "lambdas" / "handlers"
TRAINING_STEPS = [
    "validate_training_input", "ensure_project", "prepare_datasets", "split_datasets", "train",
    "check_training", "evaluate", "validate_control_input", "start_model",
    "check_model", "stop_model", "promote", "share_project", "mark_gated",
    "validate_promotion_input", "copy_model", "check_copy",
]  # fmt: skip
BATCH = ["batch_prepare", "batch_analyse", "batch_summary", "batch_video_chunk", "batch_video_merge"]
# handler module -> the settings class it reads; None: it reads only its event.
SETTINGS: dict[str, type[FunctionSettings] | None] = {
    "detect": DetectSettings,
    "write_result_documents": ResultDocumentSettings,
    "idle_guard": GuardSettings,
    "notify_execution_end": ExecutionEndSettings,
    "drift_check": DriftSettings,
    "shadow_control": ShadowSettings,
    "start_retraining": RetrainSettings,
    "request_approval": RequestApprovalSettings,
    "decide_approval": DecideApprovalSettings,
    "validate_manifests": None,
    **dict.fromkeys(TRAINING_STEPS, TrainingSettings),
    # one class for the batch functions (infra/batch.py gives them one environment); SummariseBatch reads none
    **dict.fromkeys(BATCH, BatchSettings),
}


def environments(template: dict[str, Any]) -> dict[str, set[str]]:
    """The variables of every pipeline function, by handler module (CDK's own functions left out)."""
    found: dict[str, set[str]] = {}
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        handler = properties.get("Handler", "")
        if resource["Type"] == "AWS::Lambda::Function" and handler.startswith("handlers."):
            module = handler.split(".")[1]
            variables = set(properties.get("Environment", {}).get("Variables", {}))
            assert found.setdefault(module, variables) == variables, f"{module}: two environments"
            found[module] = variables
    return found


def expected(module: str) -> set[str]:
    settings = SETTINGS[module]
    return set(PowertoolsSettings.variables()) | set(settings.variables() if settings else ())


@pytest.fixture(scope="module")
def two_account_templates() -> list[dict[str, Any]]:
    training = build_stack({"productionAccount": "222222222222", "trainingAccount": "111111111111"})
    production = training.node.root.node.find_child(PRODUCTION_STACK_NAME)
    return [Template.from_stack(stack).to_json() for stack in (training, production)]


def test_every_handler_module_names_its_settings_class() -> None:
    modules = {path.stem for path in HANDLERS.glob("*.py")} - {"__init__"}
    assert modules == set(SETTINGS)


def mismatches(template: dict[str, Any]) -> dict[str, set[str]]:
    """Per function, the variables it has that its class lacks and those its class has that it lacks."""
    found = environments(template)
    return {
        module: variables ^ expected(module)
        for module, variables in found.items()
        if variables != expected(module)
    }


def test_each_function_of_the_training_stack_gets_exactly_its_settings(template_json: dict[str, Any]) -> None:
    assert {"detect", "idle_guard", "start_retraining", "decide_approval", "batch_prepare"} <= set(
        environments(template_json)
    )
    assert mismatches(template_json) == {}


def test_each_function_of_both_two_account_stacks_gets_exactly_its_settings(
    two_account_templates: list[dict[str, Any]],
) -> None:
    assert [mismatches(template) for template in two_account_templates] == [{}, {}]
    production = environments(two_account_templates[1])
    assert {"copy_model", "check_copy", "validate_promotion_input"} <= set(production)
