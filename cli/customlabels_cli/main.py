"""`customlabels` console script. Each subcommand is one module in customlabels_cli.commands that defines
`register(subparsers)`; the module's parser sets `handler(args) -> int` (the exit code)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from customlabels_cli import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="customlabels",
                                     description="Rekognition Custom Labels pipeline tools.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda info: info.name):
        importlib.import_module(f"{commands.__name__}.{module.name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
