"""`customlabels` console script. Each subcommand is one module in customlabels_cli.commands that defines
`register(subparsers)`; the module's parser sets `handler(args) -> int` (the exit code)."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import pkgutil
import sys

from customlabels_cli import commands
from customlabels_cli.support.errors import EXIT_INTERRUPTED
from customlabels_cli.support.stack import PROJECT_HELP


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="customlabels",
                                     description="Rekognition Custom Labels pipeline tools.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    # Its own dest: a subcommand's --project default would overwrite a shared one.
    parser.add_argument("--project", dest="global_project", metavar="NAME", help=PROJECT_HELP)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda info: info.name):
        importlib.import_module(f"{commands.__name__}.{module.name}").register(subparsers)
    return parser


def _version() -> str:
    try:
        return importlib.metadata.version("customlabels-pipeline")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout without `pip install -e .`
        return "unknown (not installed: run make setup)"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:  # what was started (an execution) goes on; the commands that wait say how
        print(f"\ncustomlabels {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
