"""A JSONPath Choice rule's Assign survives moto's parser once local/choice_assign.py is installed."""

from __future__ import annotations

import json

from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from local import choice_assign

DEFINITION = {
    "StartAt": "Passed?",
    "States": {
        "Passed?": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.passed",
                    "BooleanEquals": False,
                    "Assign": {"failure": "GateFailed", "why.$": "$.reason"},
                    "Next": "Failed",
                }
            ],
            "Default": "Done",
        },
        "Failed": {"Type": "Fail", "ErrorPath": "States.Format('{}', $failure)"},
        "Done": {"Type": "Succeed"},
    },
}


def test_the_matching_rule_keeps_its_assign() -> None:
    choice_assign.install()
    program, _ = AmazonStateLanguageParser.parse(json.dumps(DEFINITION))
    (rule,) = program.states.states["Passed?"].choices_decl.rules
    assert isinstance(rule.assign, choice_assign.AssignFromStateInput)


def test_a_compound_rule_reads_its_assign_from_the_state_input() -> None:
    choice_assign.install()
    rule = DEFINITION["States"]["Passed?"]["Choices"][0]
    compound = {
        "Not": {"Variable": "$.passed", "BooleanEquals": True},
        "Assign": rule["Assign"],
        "Next": "Failed",
    }
    definition = {
        **DEFINITION,
        "States": {
            **DEFINITION["States"],
            "Passed?": {**DEFINITION["States"]["Passed?"], "Choices": [compound]},
        },
    }
    program, _ = AmazonStateLanguageParser.parse(json.dumps(definition))
    (parsed,) = program.states.states["Passed?"].choices_decl.rules
    assert isinstance(parsed.assign, choice_assign.AssignFromStateInput)
