"""The roles whose calls make Rekognition read training data carry the guide's read set, and no more."""

from __future__ import annotations

from infra.grants import GRANTS, On
from local.access.delivery_contexts import REKOGNITION_READS

READING_CALLS = set(REKOGNITION_READS.serving)


def test_each_role_that_makes_rekognition_read_has_exactly_the_guides_read_set() -> None:
    readers = {
        module
        for module, grants in GRANTS.items()
        if any(f"rekognition:{call}" in grant.actions for grant in grants for call in READING_CALLS)
    }
    assert readers == {"prepare_datasets", "train"}
    for module in readers:
        reads = {
            (grant.on, action)
            for grant in GRANTS[module]
            for action in grant.actions
            if action.startswith("s3:Get") or action == "s3:ListBucket"
        }
        expected = {(On.CONSOLE_OBJECTS, a) for a in REKOGNITION_READS.object_actions} | {
            (On.CONSOLE_BUCKET, a) for a in REKOGNITION_READS.bucket_actions
        }
        assert reads == expected, module
