"""The state machines stay small enough to follow in the Step Functions console: states counted from the
synthesized definitions, a Map's item processor included; every failure ends in at most two Fail states.

The ceilings are issue 28's targets (from 106/123, 53, 69 and 54 states before it): training 40 (48 with a
production account), model control 20, batch 30, promotion 25."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.synth import build_stack, json_of, production_stack, state_machine_definition

PRODUCTION, TRAINING = "222222222222", "111111111111"
# the state that names each machine, and its ceiling
LIMITS = {"Train": 40, "StopNeeded?": 20, "PrepareBatch": 30, "CopyModel": 25}
TRAINING_WITH_PRODUCTION = 48


def nested_states(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Every state of `definition`, with those of its Map item processors and Parallel branches."""
    found = []
    for state in definition["States"].values():
        found.append(state)
        processors = [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]
        for inner in filter(None, processors):
            found.extend(nested_states(inner))
    return found


def machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each state machine by the state that names it."""
    definitions = [
        state_machine_definition(resource)
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    return {name: d for d in definitions for name in LIMITS if name in d["States"]}


@pytest.fixture(scope="module")
def two_account_templates() -> tuple[dict[str, Any], dict[str, Any]]:
    training = build_stack(productionAccount=PRODUCTION, trainingAccount=TRAINING)
    return json_of(training), json_of(production_stack(training))


def test_each_machine_of_the_default_app_stays_within_its_state_count(template_json) -> None:
    found = machines(template_json)
    assert set(found) == {"Train", "StopNeeded?", "PrepareBatch"}
    counts = {name: len(nested_states(d)) for name, d in found.items()}
    assert all(counts[name] <= LIMITS[name] for name in counts), counts


def test_with_a_production_account_training_and_promotion_stay_within_their_counts(
    two_account_templates,
) -> None:
    training, production = (machines(t) for t in two_account_templates)
    assert len(nested_states(training["Train"])) <= TRAINING_WITH_PRODUCTION
    assert len(nested_states(production["CopyModel"])) <= LIMITS["CopyModel"]


def test_every_machine_has_at_most_two_fail_states(template_json, two_account_templates) -> None:
    templates = [template_json, *two_account_templates]
    every = [d for t in templates for d in machines(t).values()]
    fails = [sum(1 for s in nested_states(d) if s["Type"] == "Fail") for d in every]
    assert len(every) == 7 and max(fails) <= 2, fails
