"""Backfill throughput offline: images per second of the batch-analysis state machine's Map Run over a
prefix, as a ratio to bare DetectCustomLabels calls on the same images, at the same concurrency (the
Map's MaxConcurrency x detectConcurrency calls in flight), on the same local endpoint and model.

The backfill does per image what the upload path does (header probe, results-table lookup,
DetectCustomLabels, result JSON, results-table item): three calls per image (the ranged GET of the
header, which also names the version; DetectCustomLabels; the result's PutObject) and the results
table once per batch (BatchGetItem, BatchWriteItem), plus the Map's listing, batching and result
files; the bare baseline is DetectCustomLabels alone. Target: >= 0.5x.

Run it alone: ``python -m bench backfill_throughput``."""

from __future__ import annotations

import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from customlabels.training.registry import Registry
from infra.config import config_from_mapping
from local.emulator.settings import ServiceSettings
from local.samples import digit_samples, ensure_bucket, write_samples
from local.synth import LOCAL_PROFILE, load_stack, synthesize
from tests.e2e.harness import running_stack, train_directly

ROOT = Path(__file__).resolve().parent.parent
IMAGES = 400
PROJECT = "customlabels"


def _concurrency() -> int:
    defaults = json.loads((ROOT / "cdk.json").read_text())["context"]["customlabels"]
    config = config_from_mapping(defaults, LOCAL_PROFILE)
    return config.batch_max_concurrency * config.detectConcurrency


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        artifact = load_stack(synthesize(Path(folder), LOCAL_PROFILE))
        with running_stack(artifact, ServiceSettings(seed=7)) as stack:
            s3, rekognition, sfn = (
                stack.client("s3"),
                stack.client("rekognition"),
                stack.client("stepfunctions"),
            )
            console, bucket = stack.outputs["ConsoleBucketName"], stack.outputs["InferenceBucketName"]
            ensure_bucket(s3, console)
            manifests = write_samples(s3, digit_samples(100), console, f"datasets/{PROJECT}")
            version_arn = train_directly(
                rekognition, manifests, PROJECT, "v1", f"s3://{console}/training-output/"
            )
            Registry(
                stack.outputs["RegistryTableName"],
                stack.session.resource("dynamodb", endpoint_url=stack.endpoint_url),
            ).set_champion(PROJECT, "v1", version_arn, 0.9)
            pngs = [sample.png for sample in digit_samples(40, seed=3)]
            keys = [f"bench/{index:04d}.png" for index in range(IMAGES)]
            for index, key in enumerate(keys):
                s3.put_object(Bucket=bucket, Key=key, Body=pngs[index % len(pngs)])
            execution = sfn.start_execution(
                stateMachineArn=stack.outputs["BatchAnalysisStateMachineArn"],
                input=json.dumps({"source": f"s3://{bucket}/bench/", "stopWhenDone": False}),
            )["executionArn"]
            while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
                time.sleep(0.5)
            assert described["status"] == "SUCCEEDED", described
            run_arn = sfn.list_map_runs(executionArn=execution)["mapRuns"][0]["mapRunArn"]
            map_run = sfn.describe_map_run(mapRunArn=run_arn)
            backfill = IMAGES / (map_run["stopDate"] - map_run["startDate"]).total_seconds()

            concurrency = _concurrency()

            def detect(key: str) -> None:
                rekognition.detect_custom_labels(
                    ProjectVersionArn=version_arn, Image={"S3Object": {"Bucket": bucket, "Name": key}}
                )

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(detect, keys))
            bare = IMAGES / (time.perf_counter() - started)
    print(f"backfill of {IMAGES} images (Map Run): {backfill:.1f} images/s")
    print(f"bare DetectCustomLabels, {concurrency} in flight:  {bare:.1f} calls/s")
    print(f"backfill / bare: {backfill / bare:.2f}x (target >= 0.5x)")
