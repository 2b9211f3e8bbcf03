#!/usr/bin/env python3
"""CDK entry point: read the typed config from context and build the stack."""

import sys

import aws_cdk as cdk

from infra.config import ConfigError, load_config
from infra.stack import CustomLabelsStack

app = cdk.App()
try:
    config = load_config(app.node)
except ConfigError as error:
    sys.exit(f"Invalid configuration: {error}. Fix it in cdk.json or with -c name=value.")
CustomLabelsStack(app, "CustomLabelsPipeline", config=config)
app.synth()
