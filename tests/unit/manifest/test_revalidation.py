"""Re-validating a *_with_validation.json output starts clean: every errors, warnings and cl-errors key
the service wrote, at any depth, is gone before the new results are attached."""

from __future__ import annotations

import json

from customlabels.manifest import validate_line
from customlabels.manifest.builders import to_json_line
from tests.unit.manifest.conftest import cls, det

OLD = [{"code": "ERROR_UNSUPPORTED_USE_CASE_TYPE", "message": "stale"}]


def keys_anywhere(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_anywhere(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_anywhere(item)}
    return set()


def test_service_cl_errors_are_stripped_at_the_top_and_in_the_metadata():
    line = cls("a.jpg")
    line["cl-errors"] = OLD
    line["cat-metadata"]["cl-errors"] = OLD
    line["cl-metadata"] = {"is_labeled": True}
    written = json.loads(validate_line(to_json_line(line)).validation_line())
    assert "cl-errors" not in keys_anywhere(written)
    assert written["cat-metadata"]["class-name"] == "cat" and written["cl-metadata"] == {"is_labeled": True}


def test_old_errors_in_boxes_go_and_new_ones_are_attached():
    line = det("a.jpg")
    line["bounding-box"]["annotations"][0]["cl-errors"] = OLD
    line["bounding-box"]["annotations"][0]["errors"] = OLD
    line["bounding-box"]["annotations"][0]["left"] = -5
    written = json.loads(validate_line(to_json_line(line)).validation_line())
    box = written["bounding-box"]["annotations"][0]
    assert "cl-errors" not in box
    assert [error["code"] for error in box["errors"]] == ["ERROR_INVALID_BOUNDING_BOX"]


def test_an_errors_key_inside_the_data_is_not_a_result_and_stays():
    """Found by the property test: stripping it from a class-map made a re-validated line valid."""
    line = det("a.jpg")
    line["bounding-box-metadata"]["class-map"]["errors"] = None
    result = validate_line(to_json_line(line))
    again = validate_line(result.validation_line())
    assert result.codes == again.codes == ("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT",)
