"""The Distributed Map pieces moto's Step Functions interpreter (DeployedStack's ASL) lacks, so the
synthesized batch-analysis state machine runs offline unchanged.

moto 5.2.5 runs a Distributed Map's ItemReader (S3 ListObjectsV2 and GetObject with CSV/JSON), its
MaxConcurrency workers and its child workflows. Missing, and added here:

- ``ItemBatcher`` is not in moto's grammar (a definition holding it does not parse): it is taken out of
  the definition before parsing and applied to the items the reader produced (``MaxItemsPerBatch``,
  ``BatchInput`` with JSONPath values; ``MaxInputBytesPerBatch`` is not applied).
- ``ReaderConfig.InputType: JSONL`` (JSON Lines, e.g. a manifest) is unknown to moto: read here.
- ``ListObjectsV2`` reads only the first page (1,000 keys) and fails on an empty prefix: every page is
  listed here, each entry in the shape Step Functions gives (``Key``, ``Etag``, ``LastModified``...).
- ``ResultWriter`` writes a manifest listing no files: here it writes the ``SUCCEEDED_n.json`` /
  ``FAILED_n.json`` files (each child's Input, Output, Status, Error, Cause) and lists them.
- ``ToleratedFailurePercentage`` / ``ToleratedFailureCount`` are parsed but never applied (and a
  whole-number percentage does not parse): here a map run with more failed children than tolerated
  fails with ``States.ExceedToleratedFailureThreshold``. The ``*Path`` variants are not supported.
- ``DescribeMapRun`` item counts count child workflows; with a batcher they count items here.
- The ResultWriter's ``Parameters`` paths are evaluated against the children's outputs instead of the
  state's input, and after the children ran the state's input is the last child's (their frames share
  it): the state's input is restored and the parameters are evaluated against it.
"""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any

from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
    resource_eval_s3 as reader_s3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_output_transformer.transformer import (  # noqa: E501
    ResourceOutputTransformer,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
    distributed_iteration_component as iteration,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
    distributed_item_processor_worker as worker,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer import result_writer_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
    resource_eval_s3 as writer_s3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.program_state import ProgramError
from moto.stepfunctions.parser.asl.parse import asl_parser
from moto.stepfunctions.parser.asl.utils.json_path import extract_json
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from local.patches import Patch, apply, remove

JSONL = "JSONL"
_originals: dict[str, Any] = {
    "list_map_runs": StepFunctionsParserBackend.list_map_runs,
    "parse": asl_parser.AmazonStateLanguageParser.parse,
    "list": reader_s3.ResourceEvalS3._handle_list_objects_v2,
    "put": writer_s3.ResourceEvalS3._handle_put_object,
    "write": result_writer_decl.ResultWriter._eval_body,
    "map_run": iteration.DistributedIterationComponent._map_run,
    "eval_job": worker.DistributedItemProcessorWorker._eval_job,
}
_lock = threading.Lock()


# --- definition: take out what moto cannot parse, remember it per Map state -------------------------


def _extensions(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per Map state name: its ItemBatcher, whether its reader is JSONL, its literal tolerances.
    The definition is changed in place so moto can parse it."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in states.items():
        if not isinstance(state, dict) or state.get("Type") != "Map":
            continue
        extension: dict[str, Any] = {
            "batcher": state.pop("ItemBatcher", None),
            # Applied here (moto parses but ignores them, and rejects a whole-number percentage).
            "tolerated_count": state.pop("ToleratedFailureCount", None),
            "tolerated_percentage": state.pop("ToleratedFailurePercentage", None),
            "jsonl": False,
        }
        reader_config = (state.get("ItemReader") or {}).get("ReaderConfig") or {}
        if reader_config.get("InputType") == JSONL:
            reader_config["InputType"] = "JSON"
            extension["jsonl"] = True
        found[name] = extension
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        found.update(_extensions(processor.get("States") or {}))
    return found


def _map_states(states: dict[str, Any]) -> list[StateMap]:
    maps = []
    for state in states.values():
        if isinstance(state, StateMap):
            maps.append(state)
            inner = getattr(state.iteration_component, "_states", None)
            if inner is not None:
                maps.extend(_map_states(inner.states))
    return maps


def parse(definition: str) -> tuple[Any, Any]:
    try:
        document = json.loads(definition)
    except (TypeError, ValueError):
        return _originals["parse"](definition)
    extensions = _extensions(document.get("States") or {}) if isinstance(document, dict) else {}
    program, tree = _originals["parse"](json.dumps(document) if extensions else definition)
    for state_map in _map_states(getattr(program, "states", None).states if extensions else {}):
        extension = extensions.get(state_map.name)
        if not extension:
            continue
        state_map.iteration_component.local_extension = extension
        if extension["jsonl"] and state_map.item_reader is not None:
            state_map.item_reader.resource_output_transformer = JsonLinesTransformer()
    return program, tree


class JsonLinesTransformer(ResourceOutputTransformer):
    """ReaderConfig InputType JSONL: one item per non-blank line."""

    def _eval_body(self, env: Environment) -> None:
        reader_config = env.stack.pop()
        content: str = env.stack.pop()
        items = [json.loads(line) for line in content.splitlines() if line.strip()]
        env.stack.append(items[: reader_config["MaxItemsValue"]])


# --- ItemReader: every page of ListObjectsV2 ---------------------------------------------------------


def _listed(entry: dict[str, Any]) -> dict[str, Any]:
    modified = entry.get("LastModified")
    return {
        "Etag": entry.get("ETag"),
        "Key": entry["Key"],
        "LastModified": modified.isoformat() if isinstance(modified, datetime.datetime) else modified,
        "Size": entry.get("Size"),
        "StorageClass": entry.get("StorageClass"),
    }


def _handle_list_objects_v2(env: Environment, resource_runtime_part: Any, state_credentials: Any) -> None:
    s3 = reader_s3.ResourceEvalS3._get_s3_client(resource_runtime_part, state_credentials)
    parameters = env.stack.pop()
    items = [
        _listed(entry)
        for page in s3.get_paginator("list_objects_v2").paginate(**parameters)
        for entry in page.get("Contents", [])
    ]
    env.stack.append(items)


# --- ItemBatcher, tolerated failures and item counts around the map run ------------------------------


def _batch_input(batcher: dict[str, Any], state_input: Any) -> dict[str, Any]:
    values = {}
    for key, value in (batcher.get("BatchInput") or {}).items():
        if key.endswith(".$"):
            values[key[:-2]] = extract_json(value, state_input)
        else:
            values[key] = value
    return values


def _batches(items: list[Any], batcher: dict[str, Any], state_input: Any) -> list[dict[str, Any]]:
    size = int(batcher.get("MaxItemsPerBatch") or len(items) or 1)
    shared = _batch_input(batcher, state_input)
    batches = []
    for start in range(0, len(items), size):
        batch: dict[str, Any] = {"Items": items[start : start + size]}
        if shared:
            batch["BatchInput"] = shared
        batches.append(batch)
    return batches


def _map_run(self: Any, env: Environment, eval_input: Any) -> None:
    extension = getattr(self, "local_extension", None)
    record = eval_input.map_run_record
    items = env.stack.pop()
    state_input = env.states.get_input()
    jobs = items
    if extension and extension["batcher"] is not None:
        jobs = _batches(items, extension["batcher"], state_input)
        record.batched = True
    record.item_counter.total.offset(len(items))  # known once the reader has read, as in AWS
    record.counted_total = True
    env.stack.append(jobs)
    _originals["map_run"](self, env, eval_input)
    # The children's frames share the state's data: without this the ResultWriter's parameters and the
    # Map's ResultPath would see the last child's input instead of the Map state's.
    env.states.reset(state_input)
    record.jobs = _closed_jobs(record, jobs, env.stack[-1])
    if extension:
        _check_tolerance(env, record, extension, len(jobs))


def _closed_jobs(record: Any, jobs: list[Any], outputs: list[Any]) -> list[dict[str, Any]]:
    errors = getattr(record, "errors", {})
    return [
        {
            "index": index,
            "input": job,
            "output": outputs[index] if index < len(outputs) else None,
            "error": errors.get(index),
        }
        for index, job in enumerate(jobs)
    ]


def _check_tolerance(env: Environment, record: Any, extension: dict[str, Any], total: int) -> None:
    failed = sum(1 for job in record.jobs if job["output"] is None)
    count, percentage = extension["tolerated_count"], extension["tolerated_percentage"]
    over_count = count is not None and failed > count
    over_percentage = percentage is not None and total and failed * 100 / total > percentage
    if count is None and percentage is None:
        over_count = failed > 0
    if not (over_count or over_percentage):
        return
    error_name = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
    cause = (
        f"{failed} of {total} child workflow executions failed, more than tolerated "
        f"(ToleratedFailurePercentage {percentage}, ToleratedFailureCount {count})"
    )
    raise FailureEventException(
        FailureEvent(
            env=env,
            error_name=error_name,
            event_type=HistoryEventType.MapRunFailed,
            event_details=EventDetails(
                mapRunFailedEventDetails=MapRunFailedEventDetails(error=error_name.error_name, cause=cause)
            ),
        )
    )


def _eval_job(self: Any, env: Environment, job: Any) -> None:
    record = self._map_run_record
    _originals["eval_job"](self, env, job)
    if getattr(record, "counted_total", False):
        record.item_counter.total.offset(-1)  # the items were counted when the reader produced them
    if job.job_output is None:
        state = env.program_state()
        if isinstance(state, ProgramError) and state.error:
            with _lock:
                record.__dict__.setdefault("errors", {})[job.job_index] = dict(state.error)
    if getattr(record, "batched", False) and isinstance(job.job_input, dict):
        extra = len(job.job_input.get("Items", [])) - 1
        counter = record.item_counter
        if job.job_output is None:
            counter.failed.count(extra)
        else:
            counter.succeeded.count(extra)
            counter.results_written.count(extra)


# --- ResultWriter: the result files ------------------------------------------------------------------


def _write_results(self: Any, env: Environment) -> None:
    outputs = env.stack.pop()
    env.stack.append(env.states.get_input())
    self.parargs.eval(env=env)
    parameters = env.stack.pop()
    env.stack.pop()
    env.stack.extend([outputs, parameters])
    self.resource_eval.eval_resource(env=env)


def _handle_put_object(env: Environment, resource_runtime_part: Any, state_credentials: Any) -> None:
    parameters = env.stack.pop()
    env.stack.pop()  # the children's outputs: taken from the map-run record with their inputs
    s3 = writer_s3.ResourceEvalS3._get_s3_client(resource_runtime_part, state_credentials)
    record = env.map_run_record_pool_manager.get_all().pop()
    bucket, prefix = parameters["Bucket"], parameters.get("Prefix", "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    folder = f"{prefix}{record.map_run_arn.split(':')[-1]}/"
    now = datetime.datetime.now(datetime.UTC).isoformat()
    entries: dict[str, list[dict[str, Any]]] = {"SUCCEEDED": [], "FAILED": []}
    for job in getattr(record, "jobs", []):
        status = "FAILED" if job["output"] is None else "SUCCEEDED"
        entry = {
            "ExecutionArn": f"{record.map_run_arn}:{job['index']}",
            "Name": str(job["index"]),
            "Input": json.dumps(job["input"]),
            "InputDetails": {"Included": True},
            "StartDate": now,
            "StopDate": now,
            "Status": status,
        }
        if status == "SUCCEEDED":
            entry.update(Output=json.dumps(job["output"]), OutputDetails={"Included": True})
        else:
            error = job["error"] or {}
            entry.update(Error=error.get("error", "States.TaskFailed"), Cause=error.get("cause", ""))
        entries[status].append(entry)
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for status, listed in entries.items():
        if not listed:
            continue
        key = f"{folder}{status}_0.json"
        body = json.dumps(listed).encode()
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        files[status].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": record.map_run_arn, "ResultFiles": files}
    key = f"{folder}manifest.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest, indent=2).encode())
    env.stack.append({"MapRunArn": record.map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}})


# --- install / uninstall -----------------------------------------------------------------------------


def _list_map_runs(self: StepFunctionsParserBackend, execution_arn: str) -> dict[str, Any]:
    """An execution whose worker has not set up its environment yet has no Map Run (moto raised an
    AttributeError there, a 500 to a client polling right after StartExecution)."""
    worker = getattr(self.describe_execution(execution_arn=execution_arn), "exec_worker", None)
    if getattr(worker, "env", None) is None:
        return {"mapRuns": []}
    return _originals["list_map_runs"](self, execution_arn)


PATCHES = (
    Patch(
        StepFunctionsParserBackend,
        "list_map_runs",
        _list_map_runs,
        "moto's ListMapRuns, which fails (500) before the execution's worker has its environment",
    ),
    Patch(
        asl_parser.AmazonStateLanguageParser,
        "parse",
        staticmethod(parse),
        "the parser's ASL parser, which refuses ItemBatcher, JSONL readers and literal tolerances",
    ),
    Patch(
        reader_s3.ResourceEvalS3,
        "_handle_list_objects_v2",
        staticmethod(_handle_list_objects_v2),
        "the ItemReader's ListObjectsV2, which reads one page and fails on an empty prefix",
    ),
    Patch(
        writer_s3.ResourceEvalS3,
        "_handle_put_object",
        staticmethod(_handle_put_object),
        "the ResultWriter's upload of a manifest that lists no result files",
    ),
    Patch(
        result_writer_decl.ResultWriter,
        "_eval_body",
        _write_results,
        "the ResultWriter, which evaluates its Parameters against the children's outputs",
    ),
    Patch(
        iteration.DistributedIterationComponent,
        "_map_run",
        _map_run,
        "the Map run, which has no ItemBatcher, JSONL reader or tolerated failures",
    ),
    Patch(
        worker.DistributedItemProcessorWorker,
        "_eval_job",
        _eval_job,
        "a Map run's child job, which counts child workflows where a batcher counts items",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
