"""`customlabels console [--port P] [--open]`: a local web console over the stack (models, evaluation
image by image, try an image, results), with the caller's credentials; the other projects' pipelines
deployed beside it are a menu link away. Runs until Ctrl-C."""

from __future__ import annotations

import argparse
import secrets
import socket
import sys
import webbrowser
from typing import TextIO

from botocore.exceptions import BotoCoreError, ClientError
from werkzeug.serving import BaseWSGIServer, make_server

from customlabels_cli.console.projects import console_app
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.pipelines import deployed_pipelines
from customlabels_cli.support.stack import Stack, add_stack_arguments

DEFAULT_HOST = "127.0.0.1"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "console",
        help="local web console: models, evaluation image by image, try an image, results",
        description="Serve a web console over the stack on this machine until interrupted. Start, stop "
        "and analyse need the console's per-session token, which only its own pages carry.",
    )
    parser.add_argument("--port", type=int, default=0, metavar="P", help="port (default: a free one)")
    parser.add_argument(
        "--host", default=DEFAULT_HOST, metavar="ADDRESS", help=f"address to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument("--open", action="store_true", help="open the console in the default browser")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def console_server(
    stack: Stack, host: str = DEFAULT_HOST, port: int = 0, others: list[Stack] | None = None
) -> BaseWSGIServer:
    """The console's HTTP server, bound and ready for `serve_forever()` (threaded: the models page
    polls while an analysis runs). The socket is bound here: werkzeug exits the process on a busy port.
    `others`: further projects' pipelines, switched to from the menu."""
    token = secrets.token_urlsafe(24)
    try:
        listener = socket.create_server((host, port))
    except OSError as error:
        raise CliError(f"cannot listen on {host}:{port}: {error.strerror}", "pass another --port") from None
    app = console_app(stack, others or [], token, {host})
    with listener:
        return make_server(host, port, app, threaded=True, fd=listener.fileno())


def other_pipelines(stack: Stack) -> list[Stack]:
    """The other projects' pipelines deployed beside the chosen one; none when the caller may not list
    stacks (the console then serves the chosen project alone)."""
    try:
        pipelines = deployed_pipelines(stack.client("cloudformation"))
    except (BotoCoreError, ClientError):
        return []
    return [
        Stack(pipeline.outputs, pipeline.project, stack.session)
        for pipeline in pipelines
        if pipeline.project != stack.project
    ]


def console_url(server: BaseWSGIServer) -> str:
    return f"http://{server.host}:{server.port}/"


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    # resolved once: fails now rather than on the first page, and no page looks it up again
    stack.explicit_project = project = stack.project
    others = other_pipelines(stack)
    server = console_server(stack, args.host, args.port, others)
    url = console_url(server)
    print(f"Console for project {project}: {url}  (Ctrl-C stops it)", file=out, flush=True)
    for other in others:
        print(f"  project {other.project}: {url}p/{other.project}/", file=out, flush=True)
    if args.open:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK
