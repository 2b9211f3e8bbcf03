"""moto's server finds the backend of every request under one process-wide lock, and for a signed
request that costs a directory listing of moto's package plus a stat per entry and a few hundred URL
regexes (``DomainDispatcherApplication.get_backend_for_host``). Measured with py-spy on the backfill
benchmark, 13% of all samples were threads waiting for that lock. The answer depends on the host
name alone and the package does not change while serving, so it is remembered per host here."""

from __future__ import annotations

from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from local.patches import Patch, apply

_original = DomainDispatcherApplication.get_backend_for_host
_backends: dict[str | None, Any] = {}


def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
    if host not in _backends:
        _backends[host] = _original(self, host)
    return _backends[host]


PATCHES = (
    Patch(
        DomainDispatcherApplication,
        "get_backend_for_host",
        get_backend_for_host,
        "moto server's backend lookup per request (a package listing and URL regexes under one lock)",
    ),
)


def install() -> None:
    apply(PATCHES)
