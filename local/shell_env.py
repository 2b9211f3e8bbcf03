"""The shell exports that point AWS SDKs, the AWS CLI and ``customlabels`` at a local endpoint."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from customlabels_cli.support.production import MACHINE_OUTPUT, ROLE_ENV
from local.accounts import role_arn
from local.emulator.backend import DEFAULT_ACCOUNT
from local.stack import REGION

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
STALE_NOTE = "# valid while that serve runs: it picks a new port each run; after a restart, source it again"


def production_exports(outputs: Mapping[str, str]) -> dict[str, str]:
    """With a production stack in another account (``--accounts``), the role `promote --to production`
    and `status --production` assume there: that account's Administrator (local/accounts.py)."""
    account = (outputs.get(MACHINE_OUTPUT) or "").split(":")[4:5]  # arn:aws:states:REGION:ACCOUNT:...
    return {ROLE_ENV: role_arn(account[0])} if account and account[0] != DEFAULT_ACCOUNT else {}


def shell_exports(endpoint_url: str, extra: Mapping[str, str] | None = None) -> str:
    """``export`` lines for a POSIX shell: endpoint, region, test credentials, ``extra``, this venv first
    on PATH."""
    variables = {"AWS_ENDPOINT_URL": endpoint_url, "AWS_DEFAULT_REGION": REGION, **CREDENTIALS}
    variables.update(extra or {})
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())
    venv_bin = shlex.quote(str(Path(sys.executable).parent))
    return f'export {assignments}\nexport PATH={venv_bin}:"$PATH"\n'


def write_env_file(path: Path, endpoint_url: str, extra: Mapping[str, str] | None = None) -> Path:
    """Write the exports to ``path`` (its folder must exist); returns the absolute path."""
    path = path.expanduser().absolute()
    path.write_text(f"# written by python -m local serve for {endpoint_url}\n{STALE_NOTE}\n"
                    + shell_exports(endpoint_url, extra))
    return path
