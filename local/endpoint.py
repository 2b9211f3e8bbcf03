"""One local AWS endpoint: moto server (Step Functions execution on), in-process Lambda, Custom Labels."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from moto.server import ThreadedMotoServer

from local import (
    access,
    accounts,
    bucket_policy_evaluation,
    choice_assign,
    distributed_map,
    execution_events,
    execution_names,
    function_urls,
    host_dispatch,
    jsonata_evaluator,
    lambda_hook,
    rule_targets,
    sfn_integration,
    task_callbacks,
)
from local.emulator import moto_integration
from local.emulator.backend import DEFAULT_ACCOUNT
from local.emulator.settings import ServiceSettings
from local.ports import HOST, check_port_free, free_port

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}


class LocalEndpoint:
    """Start/stop (or use as a context manager); `url` is what AWS_ENDPOINT_URL should be."""

    def __init__(
        self,
        port: int = 0,
        settings: ServiceSettings | None = None,
        reset: bool = False,
        authorize: bool = True,
    ) -> None:
        self.port = port or free_port()
        self.settings = settings or ServiceSettings()
        self.reset = reset  # clear state left in this process's moto backends (e.g. by earlier tests)
        self.authorize = authorize  # enforce identity, resource and key policies as AWS does
        self._server: ThreadedMotoServer | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> LocalEndpoint:
        """Start serving; PortInUse (before anything is installed) when the port is taken."""
        check_port_free(self.port)
        os.environ["MOTO_PORT"] = str(self.port)
        moto_integration.install()
        moto_integration.configure(self.settings)
        lambda_hook.install()
        bucket_policy_evaluation.install()
        execution_names.install()
        jsonata_evaluator.install()
        choice_assign.install()
        host_dispatch.install()
        function_urls.install()
        sfn_integration.install()
        task_callbacks.install()
        distributed_map.install()
        rule_targets.install()
        execution_events.install()
        (access.install if self.authorize else access.uninstall)()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)
        self._server.start()
        if self.reset:
            self._post("/moto-api/reset", {})
        self._post("/moto-api/config", MOTO_CONFIG)
        for account in self.settings.accounts:
            accounts.register(account, DEFAULT_ACCOUNT)
            print(accounts.how_to_reach(account, self.url), file=sys.stderr, flush=True)
        return self

    def _post(self, path: str, body: dict) -> None:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        access.uninstall()  # in-process moto (mock_aws) used afterwards enforces nothing, as moto

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(endpoint: LocalEndpoint, env_file: Path | None = None) -> None:
    """Run until SIGINT or SIGTERM, printing the ready line once requests are accepted.

    PortInUse (at once) when the port is taken. With ``env_file``, the shell exports go there.
    """
    finished = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        finished.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        endpoint.start()
        announce_ready(endpoint.url, env_file)
        finished.wait()
    finally:
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def announce_ready(url: str, env_file: Path | None, extra: Mapping[str, str] | None = None) -> None:
    """The ready line, and where the shell exports are (written to ``env_file``) or what they are."""
    from local.shell_env import shell_exports, write_env_file

    if env_file is None:
        print(f"exports for another shell:\n{shell_exports(url, extra)}", end="", flush=True)
    else:
        print(f"exports for another shell written to {write_env_file(env_file, url, extra)}", flush=True)
    print(f"ready {url}", flush=True)
