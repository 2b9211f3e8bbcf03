"""TagResource, UntagResource, ListTagsForResource on projects, datasets and models (spec 06 §4.2)."""

from __future__ import annotations

from local.emulator.errors import (
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from local.emulator.state import ServiceState

MAX_TAGS = 200


def tag_resource(state: ServiceState, request: dict) -> dict:
    with state.lock:
        arn = _existing(state, request.get("ResourceArn"))
        apply_tags(state, arn, request.get("Tags") or {})
    return {}


def untag_resource(state: ServiceState, request: dict) -> dict:
    with state.lock:
        arn = _existing(state, request.get("ResourceArn"))
        for key in request["TagKeys"]:
            state.tags.get(arn, {}).pop(key, None)
    return {}


def list_tags_for_resource(state: ServiceState, request: dict) -> dict:
    with state.lock:
        return {"Tags": dict(state.tags.get(_existing(state, request.get("ResourceArn")), {}))}


def apply_tags(state: ServiceState, arn: str, tags: dict[str, str]) -> None:
    merged = {**state.tags.get(arn, {}), **tags}
    if len(merged) > MAX_TAGS:
        raise ServiceQuotaExceededException(
            f"A resource can have at most {MAX_TAGS} tags; this makes {len(merged)}."
        )
    state.tags[arn] = merged


def _existing(state: ServiceState, arn: str | None) -> str:
    if not arn or not state.resource_exists(arn):
        raise ResourceNotFoundException(f"The resource {arn} does not exist.")
    return arn

