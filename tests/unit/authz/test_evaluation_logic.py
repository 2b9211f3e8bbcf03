"""AWS's policy evaluation logic: deny wins, same account OR, cross account AND, KMS key policy first."""

import pytest

from local.authz import Decision, NamedPolicy, PolicySet, Principal, Request, evaluate

ACCOUNT, OTHER = "111122223333", "444455556666"
BUCKET_OBJECT = "arn:aws:s3:::console-bucket/datasets/train.manifest"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:uploads"


def role(name: str, account: str = ACCOUNT) -> Principal:
    return Principal(
        f"arn:aws:iam::{account}:role/{name}",
        account,
        session_arn=f"arn:aws:sts::{account}:assumed-role/{name}/session",
    )


def service(name: str) -> Principal:
    return Principal(name, None, service=name)


def statement(effect: str, action: str | list, resource: str | list = "*", **extra: object) -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def policy(name: str, *statements: dict) -> NamedPolicy:
    return NamedPolicy(name, {"Version": "2012-10-17", "Statement": list(statements)})


def decide(
    principal: Principal, action: str, target: str, context: dict | None = None, **policies
) -> Decision:
    return evaluate(Request(principal, action, target, context or {}), PolicySet(**policies))


READER = role("Reader")
READ_IDENTITY = policy(
    "role/Reader inline", statement("Allow", "s3:GetObject", "arn:aws:s3:::console-bucket/*")
)
BUCKET_ALLOWS_READER = policy(
    "bucket policy of console-bucket",
    statement(
        "Allow", "s3:GetObject", "arn:aws:s3:::console-bucket/*", Sid="Reader", Principal={"AWS": READER.arn}
    ),
)


@pytest.mark.parametrize(
    ("identity", "resource", "allowed"),
    [
        ([READ_IDENTITY], None, True),  # identity allow alone is enough within the account
        ([], BUCKET_ALLOWS_READER, True),  # resource-policy allow alone is enough within the account
        ([READ_IDENTITY], BUCKET_ALLOWS_READER, True),
        ([], None, False),  # implicit deny
    ],
    ids=["identity-only", "resource-only", "both", "neither"],
)
def test_same_account_identity_or_resource_policy(
    identity: list, resource: NamedPolicy | None, allowed: bool
):
    decision = decide(
        READER, "s3:GetObject", BUCKET_OBJECT, identity=identity, resource=resource, resource_account=ACCOUNT
    )
    assert decision.allowed is allowed


def test_resource_policy_naming_the_role_grants_to_its_sessions_and_names_the_statement():
    decision = decide(READER, "s3:GetObject", BUCKET_OBJECT, identity=[], resource=BUCKET_ALLOWS_READER)
    assert decision == Decision(True, "allowed by bucket policy of console-bucket statement Reader", "Reader")


def test_resource_policy_naming_the_account_only_delegates_to_identity_policies():
    delegating = policy(
        "bucket policy of console-bucket",
        statement(
            "Allow", "s3:GetObject", "*", Sid="Account", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        ),
    )
    alone = decide(READER, "s3:GetObject", BUCKET_OBJECT, identity=[], resource=delegating)
    with_identity = decide(
        READER, "s3:GetObject", BUCKET_OBJECT, identity=[READ_IDENTITY], resource=delegating
    )
    assert not alone.allowed
    assert "statement Account names the account, which only delegates to identity policies" in alone.reason
    assert with_identity.allowed


def test_account_id_principal_is_the_same_as_the_root_arn():
    by_id = policy("p", statement("Allow", "s3:GetObject", "*", Principal={"AWS": ACCOUNT}))
    assert not decide(READER, "s3:GetObject", BUCKET_OBJECT, resource=by_id).allowed
    assert decide(READER, "s3:GetObject", BUCKET_OBJECT, identity=[READ_IDENTITY], resource=by_id).allowed


@pytest.mark.parametrize(
    ("identity", "grantee", "allowed"),
    [
        (True, f"arn:aws:iam::{OTHER}:role/Reader", True),
        (True, f"arn:aws:iam::{OTHER}:root", True),  # the other account may then delegate to its roles
        (True, OTHER, True),
        (True, "*", True),
        (False, f"arn:aws:iam::{OTHER}:role/Reader", False),  # resource allow alone is not enough
        (True, f"arn:aws:iam::{OTHER}:role/Writer", False),  # identity allow alone is not enough
    ],
)
def test_cross_account_needs_identity_and_resource_policy(identity: bool, grantee: str, allowed: bool):
    outsider = role("Reader", OTHER)
    identity_policy = policy("role/Reader inline", statement("Allow", "s3:GetObject", "*"))
    bucket = policy("bucket policy", statement("Allow", "s3:GetObject", "*", Principal={"AWS": grantee}))
    decision = decide(
        outsider,
        "s3:GetObject",
        BUCKET_OBJECT,
        identity=[identity_policy] if identity else [],
        resource=bucket,
        resource_account=ACCOUNT,
    )
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason.startswith(
            "no statement allows: cross-account request from account "
            f"{OTHER} to a resource of account {ACCOUNT}"
        )


def test_account_of_the_resource_comes_from_its_arn_when_not_given():
    outsider = role("Sender", OTHER)
    identity_policy = policy("role/Sender inline", statement("Allow", "sqs:SendMessage", "*"))
    decision = decide(outsider, "sqs:SendMessage", QUEUE, identity=[identity_policy])
    assert not decision.allowed
    assert "cross-account" in decision.reason and "no resource policy" in decision.reason


@pytest.mark.parametrize(
    ("policies", "denied_by"),
    [
        (
            {"identity": [READ_IDENTITY, policy("role/Reader deny", statement("Deny", "s3:*", Sid="NoS3"))]},
            "role/Reader deny statement NoS3",
        ),
        (
            {
                "identity": [READ_IDENTITY],
                "resource": policy(
                    "bucket policy",
                    statement("Deny", "s3:Get*", "arn:aws:s3:::console-bucket/*", Principal="*"),
                ),
            },
            "bucket policy statement #0",
        ),
        ({"identity": [READ_IDENTITY], "resource": BUCKET_ALLOWS_READER, "key_policy": None}, None),
    ],
    ids=["identity-deny", "resource-deny", "no-deny"],
)
def test_explicit_deny_in_any_policy_wins(policies: dict, denied_by: str | None):
    decision = decide(READER, "s3:GetObject", BUCKET_OBJECT, **policies)
    if denied_by is None:
        assert decision.allowed
    else:
        assert decision == Decision(False, f"explicit deny by {denied_by}", denied_by.rsplit(" ", 1)[-1])


def test_not_action_not_resource_and_not_principal():
    identity = policy(
        "p", statement("Allow", [], **{"NotAction": "iam:*"}, NotResource="arn:aws:s3:::secret/*")
    )
    del identity.document["Statement"][0]["Action"], identity.document["Statement"][0]["Resource"]
    assert decide(READER, "s3:GetObject", BUCKET_OBJECT, identity=[identity]).allowed
    assert not decide(READER, "iam:CreateUser", "*", identity=[identity]).allowed
    assert not decide(READER, "s3:GetObject", "arn:aws:s3:::secret/x", identity=[identity]).allowed
    deny_all_but_admin = policy(
        "bucket policy",
        statement("Deny", "s3:*", "*", NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/Admin"}),
    )
    assert not decide(
        READER, "s3:GetObject", BUCKET_OBJECT, identity=[READ_IDENTITY], resource=deny_all_but_admin
    ).allowed
    admin = role("Admin")
    admin_identity = policy("role/Admin", statement("Allow", "s3:*"))
    assert decide(
        admin, "s3:GetObject", BUCKET_OBJECT, identity=[admin_identity], resource=deny_all_but_admin
    ).allowed


def test_action_matching_is_case_insensitive_and_resource_matching_case_sensitive():
    identity = policy("p", statement("Allow", "S3:getobject", "arn:aws:s3:::console-bucket/datasets/*"))
    assert decide(READER, "s3:GetObject", BUCKET_OBJECT, identity=[identity]).allowed
    assert not decide(
        READER, "s3:GetObject", BUCKET_OBJECT.replace("datasets", "Datasets"), identity=[identity]
    ).allowed


def test_resource_with_policy_variable():
    identity = policy("p", statement("Allow", "s3:GetObject", "arn:aws:s3:::home/${aws:PrincipalAccount}/*"))
    assert decide(READER, "s3:GetObject", f"arn:aws:s3:::home/{ACCOUNT}/x", identity=[identity]).allowed
    assert not decide(READER, "s3:GetObject", f"arn:aws:s3:::home/{OTHER}/x", identity=[identity]).allowed


def test_missing_grant_reason_names_role_action_and_resource():
    project = f"arn:aws:rekognition:us-east-1:{ACCOUNT}:project/digits/1700000000000"
    decision = decide(
        role("TrainFunctionRole"),
        "rekognition:CreateProjectVersion",
        project,
        identity=[policy("role/TrainFunctionRole inline", statement("Allow", "s3:GetObject"))],
    )
    assert decision == Decision(
        False,
        "no statement allows: role TrainFunctionRole has no identity statement for "
        f"rekognition:CreateProjectVersion on {project}; no resource policy",
    )


def test_root_user_needs_no_identity_policy_in_its_account_but_explicit_deny_applies():
    root = Principal(f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT)
    assert decide(root, "s3:GetObject", BUCKET_OBJECT).allowed
    deny = policy("bucket policy", statement("Deny", "s3:*", "*", Principal="*"))
    assert not decide(root, "s3:GetObject", BUCKET_OBJECT, resource=deny).allowed


# --- service principals (rule: only resource or key policies can allow them) ---

QUEUE_POLICY = policy(
    "queue policy of uploads",
    statement(
        "Allow",
        ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        QUEUE,
        Sid="S3Notifications",
        Principal={"Service": "s3.amazonaws.com"},
        Condition={
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:::inference-bucket"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    ),
)


@pytest.mark.parametrize(
    ("context", "allowed"),
    [
        ({"aws:SourceArn": "arn:aws:s3:::inference-bucket", "aws:SourceAccount": ACCOUNT}, True),
        ({"aws:SourceArn": "arn:aws:s3:::other-bucket", "aws:SourceAccount": ACCOUNT}, False),
        (
            {"aws:SourceArn": "arn:aws:s3:::inference-bucket", "aws:SourceAccount": OTHER},
            False,
        ),  # confused deputy
        ({}, False),
    ],
    ids=["own-bucket", "other-bucket", "other-account", "no-source"],
)
def test_sqs_queue_policy_for_s3_notifications(context: dict, allowed: bool):
    decision = decide(service("s3.amazonaws.com"), "sqs:SendMessage", QUEUE, context, resource=QUEUE_POLICY)
    assert decision.allowed is allowed


def test_service_principal_is_not_allowed_by_identity_policies():
    everything = policy("role inline", statement("Allow", "*"))
    decision = decide(
        service("cloudwatch.amazonaws.com"),
        "sns:Publish",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:t",
        identity=[everything],
    )
    assert not decision.allowed
    assert decision.reason == (
        "no statement allows: service cloudwatch.amazonaws.com is a service principal, "
        "so only a resource policy can allow; no resource policy"
    )


def test_topic_policy_for_events_does_not_admit_cloudwatch():
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:notifications"
    topic_policy = policy(
        "topic policy",
        statement("Allow", "sns:Publish", topic, Principal={"Service": "events.amazonaws.com"}),
    )
    decision = decide(service("cloudwatch.amazonaws.com"), "sns:Publish", topic, resource=topic_policy)
    assert not decision.allowed
    assert (
        "the resource policy (topic policy) does not allow sns:Publish to service cloudwatch.amazonaws.com"
        in (decision.reason)
    )
    assert decide(service("events.amazonaws.com"), "sns:Publish", topic, resource=topic_policy).allowed


# --- the CDK's enforceSSL bucket statement ---

ENFORCE_SSL = policy(
    "bucket policy of console-bucket",
    {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": ["arn:aws:s3:::console-bucket", "arn:aws:s3:::console-bucket/*"],
    },
)


@pytest.mark.parametrize(("secure", "allowed"), [(True, True), (False, False)])
def test_enforce_ssl_bucket_statement(secure: bool, allowed: bool):
    decision = decide(
        READER,
        "s3:GetObject",
        BUCKET_OBJECT,
        {"aws:SecureTransport": secure},
        identity=[READ_IDENTITY],
        resource=ENFORCE_SSL,
    )
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason == "explicit deny by bucket policy of console-bucket statement #0"


# --- KMS key policies ---

LOGS_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/train"
KEY_POLICY = policy(
    "key policy of 1234abcd",
    statement("Allow", "kms:*", "*", Sid="EnableIAM", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    statement(
        "Allow",
        ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "*",
        Sid="CloudWatchLogs",
        Principal={"Service": "logs.us-east-1.amazonaws.com"},
        Condition={
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}
        },
    ),
)
TRAIN = role("TrainRole")


def test_key_policy_root_statement_enables_identity_policies():
    identity = policy("role/TrainRole inline", statement("Allow", "kms:Decrypt", KEY, Sid="Key"))
    decision = decide(TRAIN, "kms:Decrypt", KEY, identity=[identity], key_policy=KEY_POLICY)
    assert decision == Decision(
        True,
        "allowed by role/TrainRole inline statement Key (IAM policies enabled by key policy of 1234abcd "
        "statement EnableIAM)",
        "Key",
    )


def test_key_policy_delegation_without_identity_allow_is_denied():
    decision = decide(TRAIN, "kms:Decrypt", KEY, identity=[], key_policy=KEY_POLICY)
    assert not decision.allowed
    assert decision.reason == (
        "no statement allows: key policy of 1234abcd statement EnableIAM allows the account, "
        "but role TrainRole "
        f"has no identity statement for kms:Decrypt on {KEY}"
    )


def test_identity_policy_never_suffices_without_key_policy_allow():
    only_logs = policy("key policy of k", KEY_POLICY.document["Statement"][1])
    identity = policy("role/TrainRole inline", statement("Allow", "kms:*", Sid="All"))
    decision = decide(TRAIN, "kms:Decrypt", KEY, identity=[identity], key_policy=only_logs)
    assert not decision.allowed
    assert decision.reason == (
        "no statement allows: the key policy (key policy of k) does not allow kms:Decrypt to role TrainRole "
        "(role/TrainRole inline statement All is not enough without a key-policy allow)"
    )


def test_key_policy_naming_the_role_directly_needs_no_identity_policy():
    direct = policy("key policy", statement("Allow", "kms:Decrypt", "*", Principal={"AWS": TRAIN.arn}))
    assert decide(TRAIN, "kms:Decrypt", KEY, key_policy=direct).allowed


def test_cross_account_key_use_needs_key_policy_and_identity_policy():
    outsider = role("Reader", OTHER)
    grant = policy(
        "key policy", statement("Allow", "kms:Decrypt", "*", Principal={"AWS": f"arn:aws:iam::{OTHER}:root"})
    )
    identity = policy("role/Reader inline", statement("Allow", "kms:Decrypt", KEY))
    assert decide(outsider, "kms:Decrypt", KEY, identity=[identity], key_policy=grant).allowed
    without_identity = decide(outsider, "kms:Decrypt", KEY, key_policy=grant)
    assert not without_identity.allowed
    assert without_identity.reason == (
        "no statement allows: key policy statement #0 allows the account, "
        f"but role Reader has no identity statement for kms:Decrypt on {KEY}"
    )
    named = policy("key policy", statement("Allow", "kms:Decrypt", "*", Principal={"AWS": outsider.arn}))
    assert not decide(outsider, "kms:Decrypt", KEY, key_policy=named).allowed
    assert decide(outsider, "kms:Decrypt", KEY, identity=[identity], key_policy=named).allowed
    assert not decide(outsider, "kms:Decrypt", KEY, identity=[identity], key_policy=KEY_POLICY).allowed


@pytest.mark.parametrize(
    ("log_group", "allowed"),
    [(LOGS_ARN, True), (f"arn:aws:logs:us-east-1:{OTHER}:log-group:/aws/lambda/x", False), (None, False)],
    ids=["own-log-group", "other-account-log-group", "no-encryption-context"],
)
def test_cloudwatch_logs_statement_conditioned_on_encryption_context(log_group: str | None, allowed: bool):
    context = {"kms:EncryptionContext:aws:logs:arn": log_group} if log_group else {}
    decision = decide(
        service("logs.us-east-1.amazonaws.com"), "kms:GenerateDataKey", KEY, context, key_policy=KEY_POLICY
    )
    assert decision.allowed is allowed


def test_key_policy_without_logs_statement_names_logs_and_kms():
    root_only = policy("key policy of 1234abcd", KEY_POLICY.document["Statement"][0])
    decision = decide(
        service("logs.us-east-1.amazonaws.com"),
        "kms:GenerateDataKey",
        KEY,
        {"kms:EncryptionContext:aws:logs:arn": LOGS_ARN},
        key_policy=root_only,
    )
    assert decision.reason == (
        "no statement allows: the key policy (key policy of 1234abcd) does not allow kms:GenerateDataKey "
        "to service logs.us-east-1.amazonaws.com"
    )


PEOPLE_KEY_USE = policy(
    "ConsoleAccess",
    statement(
        "Allow",
        ["kms:Decrypt", "kms:GenerateDataKey"],
        KEY,
        Sid="KeyViaServices",
        Condition={
            "StringEquals": {
                "kms:ViaService": ["s3.us-east-1.amazonaws.com", "rekognition.us-east-1.amazonaws.com"]
            }
        },
    ),
    statement(
        "Allow",
        "kms:CreateGrant",
        KEY,
        Sid="GrantsForServices",
        Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
    ),
)


@pytest.mark.parametrize(
    ("action", "context", "allowed"),
    [
        ("kms:Decrypt", {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, True),
        ("kms:Decrypt", {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}, False),
        ("kms:Decrypt", {}, False),  # a direct call to KMS
        ("kms:CreateGrant", {"kms:GrantIsForAWSResource": True}, True),
        ("kms:CreateGrant", {"kms:GrantIsForAWSResource": False}, False),
        ("kms:CreateGrant", {}, False),
    ],
)
def test_people_key_use_through_services_only(action: str, context: dict, allowed: bool):
    person = role("DataScientist")
    decision = decide(person, action, KEY, context, identity=[PEOPLE_KEY_USE], key_policy=KEY_POLICY)
    assert decision.allowed is allowed
