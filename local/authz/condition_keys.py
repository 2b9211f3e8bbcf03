"""Which condition keys exist: AWS's global ``aws:`` keys, plus every service's keys from the catalog.

Global keys as listed on "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html). The
cross-service keys on that page (``ec2:SourceInstanceArn``, ``lambda:SourceFunctionArn``, ...) are
also in their service's catalog entry, so the catalog answers for them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from local.authz.catalog import service_condition_key_exists

GLOBAL_KEYS = frozenset(
    key.lower()
    for key in (
        # properties of the principal
        "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID",
        "aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList",
        "aws:PrincipalType", "aws:userid", "aws:username",
        # properties of a role session
        "aws:AssumedRoot", "aws:FederatedProvider", "aws:TokenIssueTime", "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent", "aws:ChatbotSourceArn", "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity",
        # properties of the network
        "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpceAccount",
        "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:VpcSourceIp",
        # properties of the resource
        "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths",
        # properties of the request
        "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:ViaAWSService",
        "aws:CurrentTime", "aws:EpochTime", "aws:referer", "aws:RequestedRegion", "aws:TagKeys",
        "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID",
        "aws:SourceOrgPaths", "aws:UserAgent",
    )
)  # fmt: skip
GLOBAL_TAG_KEYS = re.compile(r"aws:(PrincipalTag|RequestTag|ResourceTag)/.+", re.IGNORECASE)


@lru_cache(maxsize=4096)
def condition_key_exists(key: str) -> bool:
    return (
        key.lower() in GLOBAL_KEYS
        or GLOBAL_TAG_KEYS.fullmatch(key) is not None
        or (not key.lower().startswith("aws:") and service_condition_key_exists(key))
    )
