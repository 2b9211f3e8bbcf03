"""Exit codes and the one place where AWS/usage failures become a message that says what to do."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command ended by Ctrl-C
ACCESS_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
}


class CliError(Exception):
    """A usage or access problem (exit 2): `message` says what is wrong, `fix` what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


ENV_FILE_FIX = ("offline: source the env file `python -m local serve --env-file FILE` wrote "
                "(e.g. `. ~/customlabels-local.env`): it sets the endpoint, Region and credentials together")
LOCAL_HOSTS = ("//127.0.0.1:", "//localhost:")


def _missing_setting(what: str, aws_fix: str) -> CliError:
    """A forgotten env file shows first as a missing Region or credentials: name the env file at once."""
    if os.environ.get("AWS_ENDPOINT_URL"):
        return CliError(what, aws_fix)
    return CliError(what, f"{ENV_FILE_FIX}; in AWS, {aws_fix}")


def _unreachable(error: EndpointConnectionError) -> CliError:
    url = str(error.kwargs.get("endpoint_url", "the AWS endpoint"))
    if any(host in url for host in LOCAL_HOSTS):
        return CliError(
            f"nothing answers at {url}",
            "the offline endpoint picks a new port each run: source the env file that `python -m local "
            "serve --env-file FILE` wrote this run (or start serve again if it stopped)",
        )
    return CliError(f"cannot reach {url}", f"check the network; {ENV_FILE_FIX}")


def explain(error: BaseException) -> CliError:
    if isinstance(error, CliError):
        return error
    if isinstance(error, NoCredentialsError):
        return _missing_setting(
            "no AWS credentials found",
            "configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)",
        )
    if isinstance(error, NoRegionError):
        return _missing_setting("no AWS Region configured",
                                "set AWS_REGION (or AWS_DEFAULT_REGION), e.g. us-east-1")
    if isinstance(error, EndpointConnectionError):
        return _unreachable(error)
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        operation = error.operation_name
        if code in ACCESS_CODES:
            return CliError(
                f"{operation} was denied: {message}",
                "use credentials with the pipeline's SDK-user policy (see docs/permissions.md)",
            )
        return CliError(
            f"{operation} failed with {code}: {message}",
            "check the names given on the command line and that the stack is deployed",
        )
    return CliError(f"AWS call failed: {error}", "check AWS_ENDPOINT_URL, the network and your credentials")


def guarded(run: Callable[..., int]) -> Callable[..., int]:
    """Run a subcommand; a CliError or an AWS error is printed with its fix and ends in exit 2."""

    @functools.wraps(run)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return run(*args, **kwargs)
        except (CliError, BotoCoreError, ClientError) as error:
            problem = explain(error)
            print(f"error: {problem.message}\n  fix: {problem.fix}", file=sys.stderr)
            return EXIT_USAGE

    return wrapper
