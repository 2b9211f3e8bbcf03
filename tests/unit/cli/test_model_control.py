"""start / stop / promote build the model-control input the state machine checks."""

from __future__ import annotations

import pytest

from customlabels.training.input import check_control_input
from customlabels_cli.main import build_parser
from customlabels_cli.support.model_control import control_input


def payload(*arguments: str) -> dict:
    args = build_parser().parse_args(list(arguments))
    return control_input(args.action, "digits", args.version, args)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("promote", "v1"), {"action": "promote", "projectName": "digits", "versionName": "v1"}),
        (
            ("promote", "v1", "--force", "--min-units", "2"),
            {
                "action": "promote",
                "projectName": "digits",
                "versionName": "v1",
                "minInferenceUnits": 2,
                "force": True,
            },
        ),
        (("stop", "v1"), {"action": "stop", "projectName": "digits", "versionName": "v1"}),
        (
            ("stop", "v1", "--hold"),
            {"action": "stop", "projectName": "digits", "versionName": "v1", "hold": True},
        ),
    ],
)
def test_the_input_each_command_sends_is_one_the_state_machine_accepts(arguments, expected) -> None:
    sent = payload(*arguments)
    assert sent == expected
    verdict = check_control_input(sent, managed_project="digits")
    assert verdict.valid and verdict.settings["force"] is expected.get("force", False)
    assert verdict.settings["hold"] is expected.get("hold", False)


@pytest.mark.parametrize("action", ["start", "promote"])
def test_hold_is_only_for_stop(action: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([action, "v1", "--hold"])
    assert exit_.value.code == 2 and "--hold" in capsys.readouterr().err
    verdict = check_control_input(
        {"action": action, "projectName": "digits", "versionName": "v1", "hold": True},
        managed_project="digits",
    )
    assert not verdict.valid and "hold is for action stop only" in verdict.cause


@pytest.mark.parametrize("action", ["start", "stop"])
def test_force_is_only_for_promote(action: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([action, "v1", "--force"])
    assert exit_.value.code == 2 and "--force" in capsys.readouterr().err
