"""Whether a caller in another account may copy a model: the source project's policies decide, through
the endpoint's IAM policy engine (`local.authz`)."""

from __future__ import annotations

from dataclasses import dataclass

from local.emulator.policies import COPY_ACTION, ProjectPolicy


@dataclass(frozen=True)
class Caller:
    """Who made a request: the account moto resolved for its credentials and the principal's ARN."""

    account: str
    arn: str


def copy_allowed(
    caller: Caller, version_arn: str, source_account: str, policies: list[ProjectPolicy]
) -> bool:
    """True when the source project's policies allow `caller` rekognition:CopyProjectVersion on
    `version_arn` (the caller's own identity policies are the endpoint's business, not the service's)."""
    raise NotImplementedError(
        "cross-account CopyProjectVersion needs the IAM policy engine (local.authz.evaluate) from the "
        f"authz-engine branch, which is not merged yet; {caller.arn} cannot copy {version_arn} "
        f"(policies: {[p.name for p in policies]}, action {COPY_ACTION}, source account {source_account})"
    )
