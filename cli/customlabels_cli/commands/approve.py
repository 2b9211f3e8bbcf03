"""`customlabels approve EXECUTION_OR_VERSION [--reason]`: let a waiting training run go on."""

from customlabels_cli.support import approval


def register(subparsers) -> None:
    approval.register(subparsers, "approve", "approve a model version that waits after the gate")
