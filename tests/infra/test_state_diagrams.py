"""docs/state-machines.md pictures the machines as they are synthesized now."""

from __future__ import annotations

from infra.state_diagrams import DOCUMENT, document, mermaid


def test_the_pictures_in_the_docs_are_those_of_the_synthesized_machines() -> None:
    assert DOCUMENT.read_text() == document(), "stale pictures: run `python -m infra.state_diagrams`"


def test_a_picture_draws_every_state_and_each_kind_of_transition() -> None:
    definition = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Task",
                "Resource": "r",
                "Next": "Done?",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
            },
            "Done?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.status", "StringEquals": "DONE", "Next": "Succeeded"}],
                "Default": "Check",
            },
            "Succeeded": {"Type": "Succeed"},
            "Failed": {"Type": "Fail"},
        },
    }
    picture = mermaid(definition).splitlines()
    assert picture[:3] == ["flowchart TD", "    start((start)) --> s0", '    s0["Check"]']
    assert '    s1{"Done?"}' in picture and '    s2(["Failed"])' in picture
    assert "    s0 -.->|States.ALL| s2" in picture and "    s1 -->|otherwise| s0" in picture
    assert "    s1 -->|\"status StringEquals 'DONE'\"| s3" in picture
