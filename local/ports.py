"""The endpoint's host and port checks: plain sockets, imported before anything heavy so that a busy port
fails in well under a second."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


class PortInUse(OSError):
    """The port asked for is taken by another process."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def check_port_free(port: int) -> None:
    """Raise PortInUse when ``port`` cannot be bound, as the server would bind it (SO_REUSEADDR).

    The moto server binds in a thread that dies on a taken port while its start() waits forever,
    so the port is checked first.
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise PortInUse(f"port {port} on {HOST} is in use ({error.strerror})") from None
