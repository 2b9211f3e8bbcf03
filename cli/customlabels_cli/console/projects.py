"""The console over every project's pipeline deployed in the account and Region: the chosen project's
pages at ``/`` (as with one project), each other project's same pages under ``/p/<project>/`` with its own
pipeline, and every page's menu links to the others. One token guards them all."""

from __future__ import annotations

from typing import Any

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from customlabels_cli.console.app import create_app
from customlabels_cli.support.stack import Stack

PREFIX = "/p/"


def project_links(chosen: Stack, others: list[Stack]) -> list[tuple[str, str]]:
    """(project, its console path) for the menu, by project name."""
    links = [(chosen.project, "/")] + [(stack.project, f"{PREFIX}{stack.project}/") for stack in others]
    return sorted(links)


def console_app(chosen: Stack, others: list[Stack], token: str, hosts: set[str]) -> Any:
    """A WSGI app: the chosen project's console, with the others mounted beside it."""
    links = project_links(chosen, others) if others else []
    root = create_app(chosen, token, hosts, links)
    if not others:
        return root
    mounted = {f"{PREFIX}{stack.project}": create_app(stack, token, hosts, links) for stack in others}
    return DispatcherMiddleware(root, mounted)
