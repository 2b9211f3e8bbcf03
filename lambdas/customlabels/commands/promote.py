"""`customlabels promote VERSION`: start a version, make it the champion, stop the previous one."""

from customlabels.cli_support import model_control


def register(subparsers) -> None:
    model_control.register(
        subparsers,
        "promote",
        "make a version the champion (starts it, stops the old one)",
        "Start VERSION, point the registry's champion at it (inference uses the champion) "
        "and stop the previous champion.",
        version_required=True,
    )
