"""Exit codes and the one place where AWS/usage failures become a message that says what to do."""

from __future__ import annotations

import functools
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


def explain(error: BaseException) -> CliError:
    if isinstance(error, CliError):
        return error
    if isinstance(error, NoCredentialsError):
        return CliError(
            "no AWS credentials found",
            "configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); "
            "offline, any value works, e.g. AWS_ACCESS_KEY_ID=testing",
        )
    if isinstance(error, NoRegionError):
        return CliError("no AWS Region configured", "set AWS_REGION (or AWS_DEFAULT_REGION), e.g. us-east-1")
    if isinstance(error, EndpointConnectionError):
        return CliError(
            f"cannot reach {error.kwargs.get('endpoint_url', 'the AWS endpoint')}",
            "check the network, or start the offline stack with `python -m local serve` and "
            "set AWS_ENDPOINT_URL to the URL it prints",
        )
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        operation = error.operation_name
        if code in ACCESS_CODES:
            return CliError(
                f"{operation} was denied: {message}",
                "use credentials with the pipeline's SDK-user policy (see README: permissions)",
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
