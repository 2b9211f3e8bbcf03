"""Inference on upload: from an S3 event in an SQS message to one result per image version."""
