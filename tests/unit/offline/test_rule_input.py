"""Rule target input as EventBridge renders it: Input, InputPath, InputTransformer."""

from __future__ import annotations

import json

import pytest

from local.rule_input import InputError, render, target_input

EVENT = {
    "id": "e1",
    "source": "aws.states",
    "time": "2026-01-01T00:00:00Z",
    "detail": {"name": "run-1", "n": 3},
}
RULE = "arn:aws:events:us-east-1:123456789012:rule/TrainingEnded"


def test_without_input_settings_the_target_gets_the_event() -> None:
    assert json.loads(target_input({"Arn": "x"}, EVENT, RULE)) == EVENT


def test_input_is_sent_as_it_is_and_input_path_selects_part_of_the_event() -> None:
    assert target_input({"Input": '{"a": 1}'}, EVENT, RULE) == '{"a": 1}'
    assert json.loads(target_input({"InputPath": "$.detail"}, EVENT, RULE)) == EVENT["detail"]


def test_variables_are_json_outside_strings_and_bare_text_inside() -> None:
    values = {"name": 'a "b"', "n": 3, "obj": {"k": 1}}
    assert json.loads(render('{"name": <name>, "n": <n>, "obj": <obj>}', values)) == {
        "name": 'a "b"',
        "n": 3,
        "obj": {"k": 1},
    }
    assert json.loads(render('"run <name> has <n>"', values)) == 'run a "b" has 3'


def test_reserved_variables_and_missing_paths() -> None:
    transformer = {
        "InputPathsMap": {"name": "$.detail.name", "gone": "$.detail.absent"},
        "InputTemplate": '{"rule": "<aws.events.rule-name>", "name": "<name>", '
        '"gone": <gone>, "in": "<gone>"}',
    }
    rendered = json.loads(target_input({"InputTransformer": transformer}, EVENT, RULE))
    assert rendered == {"rule": "TrainingEnded", "name": "run-1", "gone": None, "in": ""}


def test_an_unknown_angle_bracket_word_is_left_as_written() -> None:
    assert render('"<not-a-variable> <name>"', {"name": "x"}) == '"<not-a-variable> x"'


def test_a_malformed_path_says_which() -> None:
    with pytest.raises(InputError, match=r"\$\.\[\["):
        target_input({"InputPath": "$.[["}, EVENT, RULE)
