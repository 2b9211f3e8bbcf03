"""`customlabels stop [VERSION]`: stop a model so it stops billing. Exit 0 stopped, 1 failed."""

from customlabels_cli.support import model_control


def register(subparsers) -> None:
    model_control.register(
        subparsers,
        "stop",
        "stop a running model version (default: the champion)",
        "Stop a model version through the model-control state machine and wait until it is STOPPED.",
        version_required=False,
    )
