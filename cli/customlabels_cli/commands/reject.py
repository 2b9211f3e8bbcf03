"""`customlabels reject EXECUTION_OR_VERSION [--reason]`: end a waiting training run in Rejected."""

from customlabels_cli.support import approval


def register(subparsers) -> None:
    approval.register(subparsers, "reject", "reject a model version that waits after the gate")
