"""Backfill throughput offline: images per second of the batch-analysis state machine's Map Run over a
prefix, as a ratio to bare DetectCustomLabels calls on the same images, at the same concurrency (the
Map's MaxConcurrency x detectConcurrency calls in flight), on the same local endpoint and model.

The backfill does per image what the upload path does (header probe, results-table lookup,
DetectCustomLabels, result JSON, results-table item): three calls per image (the ranged GET of the
header, which also names the version and, for an image of at most 8 KB, holds all of it;
DetectCustomLabels; the result's PutObject) and the results table once per batch (BatchGetItem,
BatchWriteItem), plus the Map's listing, batching and result files; the bare baseline is
DetectCustomLabels alone, by S3 object. The model's capacity is lifted for the run (``IU_TPS``): at the
local default of 50 calls per second per unit, the bare calls would be throttled and the figure would
measure the model's limit, not the pipeline's overhead. Rounds are interleaved, each on its own prefix,
and the best of each side is compared (the machine's load moves both). Target: >= 0.5x.

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
ROUNDS = 5
IU_TPS = 1_000_000.0
PROJECT = "customlabels"


def _concurrency() -> int:
    defaults = json.loads((ROOT / "cdk.json").read_text())["context"]["customlabels"]
    config = config_from_mapping(defaults, LOCAL_PROFILE)
    return config.batch_max_concurrency * config.detectConcurrency


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        artifact = load_stack(synthesize(Path(folder), LOCAL_PROFILE))
        with running_stack(artifact, ServiceSettings(seed=7, iu_tps=IU_TPS)) as stack:
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
            prefixes = [f"bench/{number}/" for number in range(ROUNDS)]
            for prefix in prefixes:
                for index in range(IMAGES):
                    s3.put_object(Bucket=bucket, Key=f"{prefix}{index:04d}.png", Body=pngs[index % len(pngs)])
            concurrency = _concurrency()
            rounds = [
                (
                    _backfill(sfn, stack.outputs["BatchAnalysisStateMachineArn"], f"s3://{bucket}/{prefix}"),
                    _bare(rekognition, version_arn, bucket, prefix, concurrency),
                )
                for prefix in prefixes
            ]
    for number, (backfill, bare) in enumerate(rounds, start=1):
        print(f"round {number}: backfill {backfill:.1f} images/s, bare {bare:.1f} calls/s")
    backfill, bare = max(r[0] for r in rounds), max(r[1] for r in rounds)
    print(f"backfill of {IMAGES} images (Map Run), best of {ROUNDS}: {backfill:.1f} images/s")
    print(f"bare DetectCustomLabels, {concurrency} in flight, best of {ROUNDS}: {bare:.1f} calls/s")
    print(f"backfill / bare: {backfill / bare:.2f}x (target >= 0.5x)")


def _backfill(sfn, machine_arn: str, source: str) -> float:
    """Images per second of the Map Run (its own start and stop dates)."""
    execution = sfn.start_execution(
        stateMachineArn=machine_arn, input=json.dumps({"source": source, "stopWhenDone": False})
    )["executionArn"]
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        time.sleep(0.5)
    assert described["status"] == "SUCCEEDED", described
    run_arn = sfn.list_map_runs(executionArn=execution)["mapRuns"][0]["mapRunArn"]
    map_run = sfn.describe_map_run(mapRunArn=run_arn)
    assert map_run["itemCounts"]["succeeded"] == IMAGES, map_run["itemCounts"]
    return IMAGES / (map_run["stopDate"] - map_run["startDate"]).total_seconds()


def _bare(rekognition, version_arn: str, bucket: str, prefix: str, concurrency: int) -> float:
    def detect(index: int) -> None:
        image = {"S3Object": {"Bucket": bucket, "Name": f"{prefix}{index:04d}.png"}}
        rekognition.detect_custom_labels(ProjectVersionArn=version_arn, Image=image)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(detect, range(IMAGES)))
    return IMAGES / (time.perf_counter() - started)
