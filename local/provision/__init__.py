"""Which provisioner creates each CloudFormation resource type, and which types mean nothing locally."""

from __future__ import annotations

from local.provision import compute, data, identity, messaging, monitoring, storage
from local.provision.base import Provisioner

PROVISIONERS: dict[str, Provisioner] = {
    "AWS::KMS::Key": storage.kms_key,
    "AWS::KMS::Alias": storage.kms_alias,
    "AWS::S3::Bucket": storage.bucket,
    "AWS::S3::BucketPolicy": storage.bucket_policy,
    "Custom::S3BucketNotifications": storage.bucket_notifications,
    "AWS::IAM::Role": identity.role,
    "AWS::IAM::Policy": identity.policy,
    "AWS::IAM::ManagedPolicy": identity.managed_policy,
    "AWS::Lambda::Function": compute.function,
    "AWS::Lambda::Permission": compute.permission,
    "AWS::Lambda::Url": compute.function_url,
    "AWS::Lambda::EventSourceMapping": compute.event_source_mapping,
    "AWS::StepFunctions::StateMachine": compute.state_machine,
    "AWS::SQS::Queue": messaging.queue,
    "AWS::SQS::QueuePolicy": messaging.queue_policy,
    "AWS::SNS::Topic": messaging.topic,
    "AWS::SNS::TopicPolicy": messaging.topic_policy,
    "AWS::SNS::Subscription": messaging.subscription,
    "AWS::Events::Rule": messaging.rule,
    "AWS::Scheduler::Schedule": messaging.schedule,
    "AWS::DynamoDB::Table": data.table,
    "AWS::SSM::Parameter": data.parameter,
    "AWS::Logs::LogGroup": data.log_group,
    "AWS::CloudWatch::Alarm": monitoring.alarm,
}

# Types that change nothing a local run can observe: recorded in the deployment and listed, never created.
NO_LOCAL_MEANING: dict[str, str] = {
    "AWS::CDK::Metadata": "CDK version metadata",
    "AWS::Lambda::LayerVersion": "the wheel layers' PyAV and msgspec are in the local Python",
    "AWS::CloudWatch::CompositeAlarm": "moto stores composite alarms but never evaluates them",
    "AWS::CloudWatch::Dashboard": "a console view",
    "AWS::XRay::Group": "X-Ray tracing is not collected locally",
    "AWS::XRay::SamplingRule": "X-Ray tracing is not collected locally",
}

# Properties dropped before a resource is resolved and created, with the reason (listed in the deployment).
IGNORED_PROPERTIES: dict[str, dict[str, str]] = {
    "AWS::Lambda::Function": {
        "Layers": "Powertools and the wheel layers' PyAV and msgspec are in the local Python (requirements)"
    },
    "Custom::S3BucketNotifications": {"ServiceToken": "applied directly, not through the provider Lambda"},
}
