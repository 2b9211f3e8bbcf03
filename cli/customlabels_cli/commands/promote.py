"""`customlabels promote VERSION [--force]`: start a version, make it the champion, stop the previous one.
Only a version that passed the gate, unless --force."""

from customlabels_cli.support import model_control


def register(subparsers) -> None:
    model_control.register(
        subparsers,
        "promote",
        "make a version the champion (starts it, stops the old one)",
        "Start VERSION, point the registry's champion at it (inference uses the champion) "
        "and stop the previous champion. VERSION must have passed the gate; --force overrides that "
        "and the registry records the promotion as forced.",
        version_required=True,
    )
