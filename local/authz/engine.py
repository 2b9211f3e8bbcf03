"""One authorization decision, following AWS's documented policy evaluation logic.

- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  (an explicit deny in any policy wins; otherwise an allow is needed, else the implicit deny)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policies_resource.html
  (same account: an identity allow OR a resource-policy allow of the principal is enough; a
  resource policy naming the account only delegates to the identity policies)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
  (cross account: the caller's identity policy AND the resource policy must both allow)
- https://docs.aws.amazon.com/kms/latest/developerguide/control-access.html and
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
  (a KMS key policy must allow; its account-root statement is what lets IAM policies count)

The account root user is not restricted by identity policies: in its own account it needs none,
but explicit denies, resource policies across accounts and key policies still apply to it.
Service principals have no identity policies: only a resource or key policy can allow them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from local.authz.model import ContextValue, Decision, NamedPolicy, PolicySet, Request
from local.authz.policy import Document, parse_policy
from local.authz.principals import Match, describe, root_account
from local.authz.request_context import build_context

_ACCOUNT_ID = re.compile(r"\d{12}")


@dataclass(frozen=True)
class _Hit:
    policy: str
    statement: str

    def __str__(self) -> str:
        return f"{self.policy} statement {self.statement}"


@dataclass(frozen=True)
class _Parsed:
    name: str
    document: Document


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and _ACCOUNT_ID.fullmatch(parts[4]) else None


def _parse(policy: NamedPolicy, resource_based: bool) -> _Parsed:
    return _Parsed(policy.name, parse_policy(policy.document, policy.name, resource_based))


class _Scan:
    """The statements of the applicable policies that cover this request, by effect and principal match."""

    def __init__(self, request: Request, context: Mapping[str, ContextValue]) -> None:
        self.request = request
        self.context = context

    def hits(self, policies: Iterable[_Parsed], allow: bool) -> list[tuple[_Hit, Match]]:
        found = []
        for policy in policies:
            for statement in policy.document.statements:
                if statement.allow != allow:
                    continue
                match = statement.principal_match(self.request.principal)
                if match and statement.covers(self.request.action, self.request.resource, self.context):
                    found.append((_Hit(policy.name, statement.label), match))
        return found


def _first(hits: list[tuple[_Hit, Match]], match: Match) -> _Hit | None:
    return next((hit for hit, kind in hits if kind is match), None)


def _allowed(reason: str, hit: _Hit) -> Decision:
    return Decision(True, reason, hit.statement)


def _denied(reason: str) -> Decision:
    return Decision(False, f"no statement allows: {reason}")


def _is_key_request(request: Request, policies: PolicySet) -> bool:
    return policies.key_policy is not None or (
        request.action.lower().startswith("kms:") and ":key/" in request.resource
    )


def evaluate(request: Request, policies: PolicySet) -> Decision:
    principal = request.principal
    resource_account = policies.resource_account or _arn_account(request.resource) or principal.account
    context = build_context(request, resource_account)
    scan = _Scan(request, context)
    identity = [] if principal.service else [_parse(p, resource_based=False) for p in policies.identity]
    on_resource = policies.key_policy or policies.resource
    resource = [_parse(on_resource, resource_based=True)] if on_resource else []

    deny = scan.hits([*identity, *resource], allow=False)
    if deny:
        hit = deny[0][0]
        return Decision(False, f"explicit deny by {hit}", hit.statement)

    resource_hits = scan.hits(resource, allow=True)
    outcome = _Outcome(
        request=request,
        resource_account=resource_account,
        identity=_identity_allow(scan, identity),
        direct=_first(resource_hits, Match.DIRECT),
        account=_first(resource_hits, Match.ACCOUNT),
        resource_name=on_resource.name if on_resource else None,
    )
    if _is_key_request(request, policies):
        return outcome.for_key()
    return outcome.for_resource()


def _identity_allow(scan: _Scan, identity: list[_Parsed]) -> _Hit | None:
    principal = scan.request.principal
    if principal.service is None and root_account(principal.arn):
        return _Hit("the account root user's implicit permissions", "-")
    hits = scan.hits(identity, allow=True)
    return hits[0][0] if hits else None


@dataclass(frozen=True)
class _Outcome:
    """The allows found; turns them into the decision for a KMS key or for any other resource."""

    request: Request
    resource_account: str | None
    identity: _Hit | None
    direct: _Hit | None
    account: _Hit | None
    resource_name: str | None

    @property
    def who(self) -> str:
        return describe(self.request.principal)

    @property
    def cross_account(self) -> bool:
        principal = self.request.principal
        return principal.service is None and principal.account != self.resource_account

    @property
    def missing_identity(self) -> str:
        return f"{self.who} has no identity statement for {self.request.action} on {self.request.resource}"

    def for_key(self) -> Decision:
        action, key = self.request.action, self.resource_name
        if key is None:
            return _denied(f"no key policy for {self.request.resource}")
        if self.direct and (self.identity or not self.cross_account or self.request.principal.service):
            if self.cross_account:
                return _allowed(f"allowed by {self.direct} and {self.identity} (cross-account)", self.direct)
            return _allowed(f"allowed by {self.direct}", self.direct)
        if self.account and self.identity:
            return _allowed(
                f"allowed by {self.identity} (IAM policies enabled by {self.account})", self.identity
            )
        if self.direct:
            return _denied(f"{self.direct} allows it, but cross-account {self.missing_identity}")
        if self.account:
            return _denied(f"{self.account} allows the account, but {self.missing_identity}")
        unused = f" ({self.identity} is not enough without a key-policy allow)" if self.identity else ""
        return _denied(f"the key policy ({key}) does not allow {action} to {self.who}{unused}")

    def for_resource(self) -> Decision:
        resource_part = self._resource_shortfall()
        if self.request.principal.service is not None:
            if self.direct:
                return _allowed(f"allowed by {self.direct}", self.direct)
            only = "so only a resource policy can allow"
            return _denied(f"{self.who} is a service principal, {only}; {resource_part}")
        if not self.cross_account:
            if self.identity:
                return _allowed(f"allowed by {self.identity}", self.identity)
            if self.direct:
                return _allowed(f"allowed by {self.direct}", self.direct)
            return _denied(f"{self.missing_identity}; {resource_part}")
        grant = self.direct or self.account
        if self.identity and grant:
            return _allowed(f"allowed by {self.identity} and {grant} (cross-account)", grant)
        checks = ((self.missing_identity, self.identity), (resource_part, grant))
        missing = [part for part, ok in checks if not ok]
        principal_account = self.request.principal.account
        return _denied(
            f"cross-account request from account {principal_account} to a resource of account "
            f"{self.resource_account} needs both an identity and a resource-policy allow: "
            + "; ".join(missing)
        )

    def _resource_shortfall(self) -> str:
        if self.resource_name is None:
            return "no resource policy"
        if self.account and not self.cross_account:
            return f"{self.account} names the account, which only delegates to identity policies"
        action = self.request.action
        return f"the resource policy ({self.resource_name}) does not allow {action} to {self.who}"
