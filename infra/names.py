"""Names shared by the CDK app and the offline tooling, importable without loading the CDK."""

STACK_NAME = "CustomLabelsPipeline"
