#!/usr/bin/env python3
"""CDK entry point: the CLI passes cdk.json's context and -c overrides; build the project's stack from
them. The stack holds the CustomLabelsPipeline construct (customlabels_pipeline), as a team's own app does
(examples/existing_stack)."""

import sys

import aws_cdk as cdk

from infra.assembly import add_stack
from infra.config import ConfigError
from infra.nag import check_at_synth

app = cdk.App()
check_at_synth(app)
try:
    add_stack(app)
except ConfigError as error:
    sys.exit(f"Invalid configuration: {error}. Fix it in cdk.json or with -c name=value.")
app.synth()
