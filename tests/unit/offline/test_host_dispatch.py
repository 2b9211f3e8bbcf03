"""The local endpoint remembers which moto backend serves a host, with moto's own answers."""

from __future__ import annotations

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from local import host_dispatch

HOSTS = ["s3.us-east-1.amazonaws.com", "rekognition.eu-west-1.amazonaws.com", "moto_api", None]


@pytest.mark.parametrize("host", HOSTS)
def test_a_host_gets_the_backend_moto_would_give_it_and_moto_is_asked_once(monkeypatch, host) -> None:
    app = DomainDispatcherApplication(create_backend_app)
    expected = host_dispatch._original(app, host)
    asked: list[str | None] = []

    def original(self: DomainDispatcherApplication, name: str | None) -> object:
        asked.append(name)
        return expected

    monkeypatch.setattr(host_dispatch, "_original", original)
    monkeypatch.setattr(host_dispatch, "_backends", {})
    assert host_dispatch.get_backend_for_host(app, host) == expected
    assert host_dispatch.get_backend_for_host(app, host) == expected
    assert asked == [host]
