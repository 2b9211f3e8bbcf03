"""The Lambda asset (lambdas/, deployed as-is to every function) holds handlers and the domain package only:
no command-line code ships to a function."""

from __future__ import annotations

import ast
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
CLI_IMPORTS = {"argparse", "customlabels_cli"}


def asset_modules() -> list[Path]:
    return [
        path
        for path in LAMBDAS.rglob("*.py")
        if "__pycache__" not in path.parts and not any(p.endswith(".egg-info") for p in path.parts)
    ]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_asset_holds_only_handlers_and_the_domain_package() -> None:
    packages = {path.relative_to(LAMBDAS).parts[0] for path in asset_modules()}
    assert packages == {"handlers", "customlabels"}


def test_no_module_of_the_asset_is_command_line_code() -> None:
    offenders = {
        str(path.relative_to(LAMBDAS)): sorted(imported(path) & CLI_IMPORTS)
        for path in asset_modules()
        if imported(path) & CLI_IMPORTS
    }
    assert offenders == {}
    assert not [p for p in asset_modules() if p.stem in {"cli", "commands", "cli_support", "converters"}]
