"""`customlabels start [VERSION]`: start a model (it bills while running). Exit 0 running, 1 failed."""

from customlabels_cli.support import model_control


def register(subparsers) -> None:
    model_control.register(
        subparsers,
        "start",
        "start a model version (default: the champion)",
        "Start a model version through the model-control state machine and wait until "
        "it is RUNNING. A running model is billed per inference-unit hour.",
        version_required=False,
    )
