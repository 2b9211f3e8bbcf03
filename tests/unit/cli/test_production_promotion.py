"""`promote --to production` refuses, before the production run starts, a version the training pipeline
did not tag as gated and approved: the production copy would fail NotGated."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from customlabels.promotion.gate import gated_tags
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.production import require_gate_tags
from customlabels_cli.support.stack import Stack

VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/digits/version/v1/1700000000001"


def stack_answering(tags: dict[str, str]) -> Stack:
    client = boto3.client(
        "rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.add_response("list_tags_for_resource", {"Tags": tags}, {"ResourceArn": VERSION})
    stubber.activate()
    return Stack({}, "digits", _clients={"rekognition": client})


def test_a_version_the_pipeline_tagged_goes_ahead() -> None:
    require_gate_tags(stack_answering({**gated_tags("arn:exec"), "project": "digits"}), "v1", VERSION)


@pytest.mark.parametrize(
    "tags", [{}, {"customlabels:gate": "passed"}, {**gated_tags("arn:exec"), "customlabels:approval": "no"}]
)
def test_a_version_without_the_gate_tags_is_refused_saying_what_to_do(tags: dict[str, str]) -> None:
    with pytest.raises(CliError) as refused:
        require_gate_tags(stack_answering(tags), "v1", VERSION)
    assert "production cannot copy it" in str(refused.value)
    assert "--require-approval" in refused.value.fix
