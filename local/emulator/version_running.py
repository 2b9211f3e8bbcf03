"""Running a model: StartProjectVersion, StopProjectVersion, DetectCustomLabels (spec 05)."""

from __future__ import annotations

from local.emulator.capacity import InferenceCapacity
from local.emulator.detection import detect
from local.emulator.errors import (
    InvalidParameterException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotReadyException,
)
from local.emulator.lifecycle import allows
from local.emulator.state import ServiceState

MAX_INFERENCE_UNITS = 10


def start_project_version(state: ServiceState, request: dict) -> dict:
    minimum, maximum = request["MinInferenceUnits"], request.get("MaxInferenceUnits")
    if maximum is not None and maximum < minimum:
        raise InvalidParameterException("MaxInferenceUnits must be an integer not below MinInferenceUnits.")
    if max(minimum, maximum or 0) > MAX_INFERENCE_UNITS:
        raise LimitExceededException(f"A model can use at most {MAX_INFERENCE_UNITS} inference units.")
    with state.lock:
        _, version = state.version(request.get("ProjectVersionArn"))
        if not allows(version, "STARTING"):
            raise ResourceInUseException(
                f"The model is {version.status}; it can only be started once trained or copied, "
                "or when stopped."
            )
        version.set_status("STARTING")
        version.min_units, version.max_units = minimum, maximum

        def running() -> None:
            if version.status == "STARTING":
                state.capacity[version.arn] = InferenceCapacity(
                    state.settings.iu_tps,
                    minimum,
                    maximum,
                    lambda job: state.later(state.delays.seconds("scaling"), job),
                )
                version.set_status("RUNNING")
                state.usage.start(state.units_in_service)

        state.later(state.delays.seconds("starting"), running)
        return {"Status": version.status}


def stop_project_version(state: ServiceState, request: dict) -> dict:
    with state.lock:
        _, version = state.version(request.get("ProjectVersionArn"))
        if not allows(version, "STOPPING"):
            raise ResourceInUseException(
                f"The model is {version.status}; only a running model can be stopped."
            )
        version.set_status("STOPPING")
        state.capacity.pop(version.arn, None)

        def stopped() -> None:
            if version.status == "STOPPING":
                version.set_status("STOPPED")

        state.later(state.delays.seconds("stopping"), stopped)
        return {"Status": version.status}


def detect_custom_labels(state: ServiceState, request: dict) -> dict:
    min_confidence = request.get("MinConfidence")
    max_results = request.get("MaxResults")
    with state.lock:
        _, version = state.version(request.get("ProjectVersionArn"))
        if version.status != "RUNNING" or version.model is None:
            raise ResourceNotReadyException(
                f"The model is {version.status}; start it and wait for RUNNING before DetectCustomLabels."
            )
        capacity, model = state.capacity[version.arn], version.model
    capacity.admit()
    return {"CustomLabels": detect(model, request.get("Image") or {}, state.s3, min_confidence, max_results)}
