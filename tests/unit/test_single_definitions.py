"""Names infra/ and the Lambdas must agree on are spelled once, in the domain package (lambdas/customlabels):
no storage prefix or metric name is a string literal in both infra/ and lambdas/, and no environment
variable name is a literal in either.
The settings classes (customlabels.environment), customlabels.storage_layout and customlabels.metrics
hold them; both sides import them."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import customlabels
from customlabels import metrics, storage_layout
from customlabels.environment import FunctionSettings

ROOT = Path(__file__).resolve().parents[2]
PREFIX_LIKE = re.compile(r"^[a-z][a-z0-9-]*/")  # "uploads/", "review/", "results/*" ...


def literals(folder: str) -> dict[str, set[str]]:
    """Every string constant (f-string parts included) under the folder, with the files it is in."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
    return found


def settings_classes() -> set[type[FunctionSettings]]:
    for module in pkgutil.walk_packages(customlabels.__path__, "customlabels."):
        importlib.import_module(module.name)
    classes, pending = set(), [FunctionSettings]
    while pending:
        for subclass in pending.pop().__subclasses__():
            classes.add(subclass)
            pending.append(subclass)
    return classes


def infra_environment_names() -> set[str]:
    """Names infra/ sets by hand: keys of an `environment={...}` and `add_environment("NAME", ...)`."""
    names = set()
    for path in (ROOT / "infra").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "environment"
                and isinstance(node.value, ast.Dict)
            ):
                names |= {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_environment":
                names |= {arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant)}
    return names


def module_strings(module: object) -> set[str]:
    return {value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)}


def shared(infra: dict[str, set[str]], lambdas: dict[str, set[str]], names: set[str]) -> dict[str, list[str]]:
    return {name: sorted(infra[name] | lambdas[name]) for name in sorted(set(infra) & set(lambdas) & names)}


def test_no_environment_variable_name_is_spelled_by_hand() -> None:
    """Stronger than "not on both sides": infra/ sets `to_environment()` and handlers read
    `from_environment()`, so no variable of a settings class is a literal in either tree."""
    names = {name for cls in settings_classes() for name in cls.variables()}
    assert len(names) > 30  # every function's settings were found
    spelled = {**literals("infra"), **literals("lambdas")}
    assert {name: sorted(spelled[name]) for name in sorted(names & set(spelled))} == {}
    assert infra_environment_names() == set()


def test_no_storage_prefix_is_spelled_on_both_sides() -> None:
    infra, lambdas = literals("infra"), literals("lambdas")
    prefixes = module_strings(storage_layout) | {text for text in infra if PREFIX_LIKE.match(text)}
    assert {"uploads/", "results/", "batches/", "review/"} <= prefixes
    assert shared(infra, lambdas, prefixes) == {}


def test_no_metric_name_is_spelled_on_both_sides() -> None:
    names = {metric.value for metric in metrics.Metric} | {metrics.IN_SERVICE_INFERENCE_UNITS}
    assert shared(literals("infra"), literals("lambdas"), names) == {}


def test_the_scan_sees_a_literal_spelled_on_both_sides() -> None:
    """The scan itself: a prefix written in both trees is found (here, the one the storage layout defines)."""
    infra = {"uploads/": {"infra/x.py"}}
    lambdas = {"uploads/": {"lambdas/y.py"}, "results/": {"lambdas/y.py"}}
    assert shared(infra, lambdas, {"uploads/", "results/"}) == {"uploads/": ["infra/x.py", "lambdas/y.py"]}
