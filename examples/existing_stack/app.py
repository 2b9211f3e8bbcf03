#!/usr/bin/env python3
"""A team's own CDK app: its stack already holds its resources (a reports bucket, an orders queue), and
the Custom Labels pipeline of its shelf-products project is added beside them as one construct.

    pip install customlabels-pipeline   # the wheel: construct, Lambda code and layers
    cdk synth                           # from this folder
"""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from customlabels_pipeline import CustomLabelsPipeline, CustomLabelsPipelineProps


class RetailStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        reports = s3.Bucket(
            self,
            "Reports",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
        )
        orders = sqs.Queue(self, "Orders", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
        # Any setting not given keeps its default (the repository's cdk.json holds the same ones).
        self.shelf_products = CustomLabelsPipeline(
            self,
            "ShelfProducts",
            props=CustomLabelsPipelineProps(
                projectName="shelf-products", f1Threshold=0.85, idleStopMinutes=15
            ),
        )
        cdk.CfnOutput(self, "ReportsBucketName", value=reports.bucket_name)
        cdk.CfnOutput(self, "OrdersQueueUrl", value=orders.queue_url)


app = cdk.App()
RetailStack(app, "RetailTeam")
app.synth()
