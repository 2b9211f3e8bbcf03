"""Task SplitDatasets: no test manifest, so 20 % of the TRAIN entries move to the empty TEST dataset."""

from __future__ import annotations

from customlabels.rekognition import datasets
from customlabels.rekognition.clients import client

REKOGNITION = client("rekognition")


def handler(event: dict, context: object) -> dict:
    return {"stats": None, **datasets.split(REKOGNITION, event["datasets"])}
