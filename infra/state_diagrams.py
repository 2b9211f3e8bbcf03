"""Mermaid pictures of the synthesized state machines, for docs/state-machines.md (GitHub renders them).

Run ``python -m infra.state_diagrams`` after changing a machine; tests/infra/test_state_diagrams.py fails
while the file is stale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.assembly import build_stack
from infra.promotion.stack import PRODUCTION_STACK_NAME

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "state-machines.md"
# Each picture's title, by the state that only its machine has.
TITLES = {
    "Train": "Training (with a production account: approval and StartProductionPromotion)",
    "StopNeeded?": "Model control (start, stop, promote, roll back one version)",
    "PrepareBatch": "Batch analysis (a Distributed Map per source kind)",
    "CopyModel": "Promotion (production account)",
}
SHAPES = {
    "Choice": '{{"{}"}}',
    "Fail": '(["{}"])',
    "Succeed": '(["{}"])',
    "Wait": '[/"{}"/]',
    "Map": '[["{}"]]',
}
TASK_SHAPE = '["{}"]'



class _Graph:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ids: dict[tuple[str, str], str] = {}

    def node(self, scope: str, name: str) -> str:
        return self.ids.setdefault((scope, name), f"s{len(self.ids)}")

    def add(self, definition: dict[str, Any], scope: str = "", indent: str = "    ") -> None:
        start = self.node(scope, definition["StartAt"])
        if not scope:
            self.lines.append(f"{indent}start((start)) --> {start}")
        for name, state in definition["States"].items():
            here = self.node(scope, name)
            shape = SHAPES.get(state["Type"], TASK_SHAPE).format(name)
            self.lines.append(f"{indent}{here}{shape}")
            inner = state.get("ItemProcessor") or state.get("Iterator")
            if inner:
                self.lines.append(f'{indent}subgraph {here}_items["{name}: each item"]')
                self.add(inner, f"{scope}{name}/", indent + "    ")
                self.lines.append(f"{indent}end")
                self.lines.append(f"{indent}{here} -.- {here}_items")
            self._edges(scope, here, state, indent)

    def _edges(self, scope: str, here: str, state: dict[str, Any], indent: str) -> None:
        for choice in state.get("Choices", []):
            label = _condition(choice)
            self.lines.append(f'{indent}{here} -->|"{label}"| {self.node(scope, choice["Next"])}')
        if "Default" in state:
            self.lines.append(f"{indent}{here} -->|otherwise| {self.node(scope, state['Default'])}")
        if "Next" in state:
            self.lines.append(f"{indent}{here} --> {self.node(scope, state['Next'])}")
        for catch in state.get("Catch", []):
            errors = ", ".join(catch["ErrorEquals"])
            self.lines.append(f"{indent}{here} -.->|{errors}| {self.node(scope, catch['Next'])}")


def _condition(choice: dict[str, Any]) -> str:
    """A short label: the variable and the test, or the compound operator."""
    for compound in ("And", "Or", "Not"):
        if compound in choice:
            return compound.lower()
    test = next(key for key in choice if key not in ("Variable", "Next"))
    value = json.dumps(choice[test]).replace('"', "'")
    return f"{choice['Variable'].removeprefix('$.')} {test} {value}"


def mermaid(definition: dict[str, Any]) -> str:
    graph = _Graph()
    graph.add(definition)
    return "\n".join(["flowchart TD", *graph.lines])


def machines(stack: Stack) -> dict[str, dict[str, Any]]:
    """Each state machine's definition (its ARNs left as CloudFormation references) by its marker state."""
    found = {}
    for resource in Template.from_stack(stack).to_json()["Resources"].values():
        if resource["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        parts = resource["Properties"]["DefinitionString"]["Fn::Join"][1]
        definition = json.loads("".join(part if isinstance(part, str) else "ref" for part in parts))
        found.update({marker: definition for marker in TITLES if marker in definition["States"]})
    return found


def document() -> str:
    """Both stacks with a production account, so every state any configuration has is drawn."""
    training = build_stack({"productionAccount": "222222222222", "trainingAccount": "111111111111"})
    found = {**machines(training), **machines(training.node.root.node.find_child(PRODUCTION_STACK_NAME))}
    sections = [
        "# The state machines\n\nGenerated from the synthesized definitions by "
        "`python -m infra.state_diagrams` (a test fails when this file is stale). Solid arrows are the "
        "flow, dotted arrows a Catch.\n"
    ]
    for marker, title in TITLES.items():
        sections.append(f"## {title}\n\n```mermaid\n{mermaid(found[marker])}\n```\n")
    return "\n".join(sections)


if __name__ == "__main__":
    DOCUMENT.write_text(document())
    print(f"wrote {DOCUMENT}")
