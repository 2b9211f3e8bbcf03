"""TagResource, UntagResource, ListTagsForResource on projects, datasets and models (spec 06 §4.2)."""

from __future__ import annotations

from collections.abc import Iterable

from local.emulator.errors import (
    InvalidParameterException,
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
        for key in _valid_keys(request.get("TagKeys") or []):
            state.tags.get(arn, {}).pop(key, None)
    return {}


def list_tags_for_resource(state: ServiceState, request: dict) -> dict:
    with state.lock:
        return {"Tags": dict(state.tags.get(_existing(state, request.get("ResourceArn")), {}))}


def apply_tags(state: ServiceState, arn: str, tags: dict[str, str]) -> None:
    _valid_keys(tags)
    for key, value in tags.items():
        if not isinstance(value, str) or len(value) > 256:
            raise InvalidParameterException(
                f"The value of tag {key} must be a string of at most 256 characters."
            )
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


def _valid_keys(keys: Iterable[str]) -> Iterable[str]:
    for key in keys:
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.startswith("aws:"):
            raise InvalidParameterException(
                f"Tag key {key!r} is invalid: use 1-128 characters and do not start with 'aws:'."
            )
    return keys
