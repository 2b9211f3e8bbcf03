"""The console served in-process on a free port of 127.0.0.1, for a browser test module."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from customlabels_cli.commands.console import console_server, console_url
from customlabels_cli.support.stack import Stack


@contextmanager
def serving(stack: Stack) -> Iterator[str]:
    """Yields the console's URL until the block ends."""
    server = console_server(stack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield console_url(server)
    finally:
        server.shutdown()
        server.server_close()
