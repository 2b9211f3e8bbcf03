"""A JSONPath Choice rule's ``Assign`` (``{"Variable", <comparison>, "Assign", "Next"}``) sets its variables
from the state's input when the rule matches, as Step Functions does (step-functions-variables.html;
aws-cdk-lib's ``Choice.when(..., assign=...)`` renders it for JSONPath machines). moto 5.2.5's parser
drops ``Assign`` from a JSONPath comparison rule, and evaluates a compound (And/Or/Not) rule's paths against
the comparison's result (``true``) instead of the state's input; this keeps the one and gives both the input.
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
from moto.stepfunctions.parser.asl.component.common.assign.assign_decl import AssignDecl
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

from local.patches import Patch, apply, remove

_original = Preprocessor.visitChoice_rule_comparison_variable
_original_compound = Preprocessor.visitChoice_rule_comparison_composite


class AssignFromStateInput(EvalComponent):
    """Evaluates the rule's Assign with the Choice state's input on top of the stack (a matched rule leaves
    ``[..., input, True]`` there)."""

    def __init__(self, assign: AssignDecl) -> None:
        self.assign = assign

    def _eval_body(self, env: Environment) -> None:
        env.stack.append(env.stack[-2])
        try:
            self.assign.eval(env=env)
        finally:
            env.stack.pop()


def visit_comparison_rule(self: Preprocessor, ctx: Any) -> Any:
    rule = _original(self, ctx)
    if rule.assign is None:
        # each field of the rule is a Comparison_variable_stmt around one declaration
        statements = [child.children[0] for child in ctx.children if getattr(child, "children", None)]
        assigns = [self.visit(s) for s in statements if isinstance(s, ASLParser.Assign_declContext)]
        rule.assign = AssignFromStateInput(assigns[0]) if assigns else None
    return rule


def visit_compound_rule(self: Preprocessor, ctx: Any) -> Any:
    """And/Or/Not rules (JSONPath only): moto keeps their Assign but reads it against the comparison."""
    rule = _original_compound(self, ctx)
    if isinstance(rule.assign, AssignDecl):
        rule.assign = AssignFromStateInput(rule.assign)
    return rule


PATCHES = (
    Patch(
        Preprocessor,
        "visitChoice_rule_comparison_variable",
        visit_comparison_rule,
        "moto's parsing of a JSONPath Choice rule, which drops its Assign",
    ),
    Patch(
        Preprocessor,
        "visitChoice_rule_comparison_composite",
        visit_compound_rule,
        "moto's parsing of an And/Or/Not Choice rule, which reads its Assign against the comparison result",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
