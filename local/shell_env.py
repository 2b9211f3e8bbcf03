"""The shell exports that point AWS SDKs, the AWS CLI and ``customlabels`` at a local endpoint."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from local.stack import REGION

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def shell_exports(endpoint_url: str) -> str:
    """``export`` lines for a POSIX shell: endpoint, region, test credentials, this venv first on PATH."""
    variables = {"AWS_ENDPOINT_URL": endpoint_url, "AWS_DEFAULT_REGION": REGION, **CREDENTIALS}
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())
    venv_bin = shlex.quote(str(Path(sys.executable).parent))
    return f'export {assignments}\nexport PATH={venv_bin}:"$PATH"\n'


def write_env_file(path: Path, endpoint_url: str) -> Path:
    """Write the exports to ``path`` (its folder must exist); returns the absolute path."""
    path = path.expanduser().absolute()
    path.write_text(shell_exports(endpoint_url))
    return path
