"""Every JSON-line code (spec 03 §5) from one line of text, with where the service attaches it."""

from __future__ import annotations

import json

import pytest

from customlabels.manifest import Status, validate_line
from customlabels.manifest.builders import Box, to_json_line
from tests.unit.manifest.conftest import cls, det

GUIDE_DETECTION = {
    "source-ref": "s3://bucket/img.jpg",
    "bounding-box": {
        "image_size": [{"width": 3000, "height": 3000, "depth": 3}],
        "annotations": [
            {"class_id": 1, "top": 0, "left": 0, "width": 1, "height": 1},
            {"class_id": 0, "top": 65, "left": 86, "width": 220, "height": 334},
        ],
    },
    "bounding-box-metadata": {
        "objects": [{"confidence": 1}, {"confidence": 1}],
        "class-map": {"0": "A", "1": "B"},
        "type": "groundtruth/object-detection",
        "human-annotated": "yes",
        "creation-date": "2019-11-20T02:57:28",
        "job-name": "j",
    },
}
GUIDE_IMAGE_LEVEL = (
    '{"source-ref":"s3://my-bucket/imgs/beach_01.jpg","scene":0,"scene-metadata":{"confidence":1,'
    '"job-name":"labeling-job/scene","class-name":"beach","human-annotated":"yes",'
    '"creation-date":"2024-05-01T10:00:00.000","type":"groundtruth/image-classification"}}'
)


def check(line: dict | str):
    return validate_line(line if isinstance(line, str) else to_json_line(line), 7)


def test_guide_image_level_example_is_valid():
    result = check(GUIDE_IMAGE_LEVEL)
    assert (result.status, result.codes, result.labels) == (
        Status.VALID,
        (),
        {"IMAGE_LEVEL_LABELS": {"beach"}},
    )
    assert result.validation_line() == GUIDE_IMAGE_LEVEL


def test_guide_too_small_box_example_reproduces_the_guide_output():
    result = check(GUIDE_DETECTION)
    assert result.status is Status.VALID and result.labels == {"OBJECT_LOCALIZATION": {"A"}}
    out = json.loads(result.validation_line())
    assert out["bounding-box"]["annotations"][0]["errors"] == [
        {
            "code": "ERROR_BOUNDING_BOX_TOO_SMALL",
            "message": "The height and width of the bounding box is too small.",
        }
    ]
    assert "errors" not in out["bounding-box"]["annotations"][1] and "errors" not in out


def test_multi_label_image_level_line_carries_every_label():
    line = cls("a.jpg", "football")
    line.update({"sport1": 1, "sport1-metadata": {**line["football-metadata"], "class-name": "ball"}})
    assert check(line).labels == {"IMAGE_LEVEL_LABELS": {"football", "ball"}}


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ('{"source-ref": "s3://bucket/a.jpg", "x": 1', "not one JSON object"),
        ("", "blank"),
        ("   \r", "blank"),
        ("[1, 2]", "not one JSON object"),
        ('{"source-ref": NaN}', "not one JSON object"),
        ('{"a": 1e999}', "not one JSON object"),
        ('{"a": 1} {"b": 2}', "not one JSON object"),
        ("x" * 100_001, "longer than 100,000"),
    ],
)
def test_invalid_json_line_replaces_the_line_with_only_the_error(text, detail):
    result = check(text)
    assert result.status is Status.INVALID and result.codes == ("ERROR_INVALID_JSON_LINE",)
    assert detail in result.issues[0].detail
    assert json.loads(result.validation_line()) == {
        "errors": [{"code": "ERROR_INVALID_JSON_LINE", "message": "The JSON Line has an invalid format."}]
    }


def test_crlf_and_bom_are_tolerated():
    assert check("\ufeff" + GUIDE_IMAGE_LEVEL + "\r\n").status is Status.VALID


def test_missing_source_ref_stops_the_line():
    line = cls("a.jpg")
    line["source_ref"] = line.pop("source-ref")
    line["cat-metadata"]["type"] = "bogus"
    assert check(line).codes == ("ERROR_MISSING_SOURCE_REF",)


@pytest.mark.parametrize(
    "ref", ["https://bkt/a.jpg", "S3://bkt/a.jpg", "s3://bkt", "s3:///a.jpg", "s3://bkt/", 5, None]
)
def test_invalid_source_ref_format(ref):
    line = cls("a.jpg")
    line["source-ref"] = ref
    result = check(line)
    assert result.codes == ("ERROR_INVALID_SOURCE_REF_FORMAT",) and result.status is Status.INVALID


@pytest.mark.parametrize("drop", ["bounding-box", "bounding-box-metadata"])
def test_no_label_attributes_when_either_key_of_the_pair_is_missing(drop):
    line = det("a.jpg")
    del line[drop]
    assert check(line).codes == ("ERROR_NO_LABEL_ATTRIBUTES",)


def test_unannotated_record_is_ignored_with_a_warning():
    result = check({"source-ref": "s3://bucket/a.jpg"})
    assert (result.status, result.codes) == (Status.IGNORED, ("WARNING_UNANNOTATED_RECORD",))
    assert json.loads(result.validation_line())["warnings"][0]["code"] == "WARNING_UNANNOTATED_RECORD"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda line: line["bounding-box"].update(image_size={"width": 640, "height": 480, "depth": 3}),
        lambda line: line["bounding-box"]["image_size"][0].pop("depth"),
        lambda line: line["bounding-box"]["annotations"][0].update(top="10"),
        lambda line: line["bounding-box"]["annotations"][0].pop("class_id"),
        lambda line: line["bounding-box"].update(annotations={"0": 1}),
    ],
)
def test_invalid_label_attribute_format_is_attached_to_the_attribute(mutate):
    line = det("a.jpg")
    mutate(line)
    result = check(line)
    assert result.codes == ("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT",) and result.status is Status.INVALID
    out = json.loads(result.validation_line())
    assert out["bounding-box"]["errors"] == [
        {
            "code": "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT",
            "message": "The format of the label attribute bounding-box is invalid.",
        }
    ]


def test_image_level_attribute_must_be_an_integer():
    line = cls("a.jpg")
    line["cat"] = "zero"
    assert check(line).codes == ("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT",)


@pytest.mark.parametrize(
    ("maker", "field", "value"),
    [
        (cls, "confidence", 1.5),
        (cls, "class-name", ""),
        (cls, "human-annotated", "maybe"),
        (cls, "creation-date", None),
        (det, "class-map", [1]),
        (det, "objects", None),
        (cls, "type", 3),
    ],
)
def test_invalid_metadata_format_is_attached_to_the_metadata(maker, field, value):
    line = maker("a.jpg")
    attribute = next(key for key in line if key.endswith("-metadata"))
    line[attribute][field] = value
    result = check(line)
    assert result.codes == ("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT",)
    assert json.loads(result.validation_line())[attribute]["errors"][0]["code"] == result.codes[0]


def test_missing_bounding_box_confidence():
    line = det("a.jpg", [Box("car", 1, 1, 50, 50), Box("car", 60, 60, 50, 50)])
    line["bounding-box-metadata"]["objects"] = [{"confidence": 1}, {}]
    assert check(line).codes == ("ERROR_MISSING_BOUNDING_BOX_CONFIDENCE",)
    line["bounding-box-metadata"]["objects"] = [{"confidence": 1}]
    assert check(line).codes == ("ERROR_MISSING_BOUNDING_BOX_CONFIDENCE",)


def test_missing_class_map_id():
    line = det("a.jpg")
    line["bounding-box"]["annotations"][0]["class_id"] = 7
    assert check(line).codes == ("ERROR_MISSING_CLASS_MAP_ID",)


def test_priority_errors_hide_the_other_errors_of_the_line():
    line = det("a.jpg", [Box("car", -5, 0, 10, 10)] * 51)
    line["bounding-box-metadata"]["objects"].pop()
    assert check(line).codes == ("ERROR_MISSING_BOUNDING_BOX_CONFIDENCE",)


def test_guide_unsupported_use_case_type_example():
    line = cls("a.jpg")
    line["cat-metadata"]["type"] = "groundtruth/semantic-segmentation"
    result = check(line)
    assert result.codes == ("ERROR_UNSUPPORTED_USE_CASE_TYPE", "ERROR_NO_VALID_LABEL_ATTRIBUTES")
    out = json.loads(result.validation_line())
    assert out["cat-metadata"]["errors"][0]["message"] == (
        "The use case type of the cat-metadata label attribute metadata is unsupported. Check the type field."
    )
    assert out["errors"] == [
        {"code": "ERROR_NO_VALID_LABEL_ATTRIBUTES", "message": "No valid label attributes found."}
    ]


def test_invalid_bounding_box_only_drops_that_box():
    result = check(
        det("a.jpg", [Box("car", -1, 0, 10, 10), Box("bus", 600, 400, 50, 50), Box("van", 5, 5, 20, 20)])
    )
    assert result.status is Status.VALID and result.labels == {"OBJECT_LOCALIZATION": {"van"}}
    assert result.codes == ("ERROR_INVALID_BOUNDING_BOX", "ERROR_INVALID_BOUNDING_BOX")
    boxes = json.loads(result.validation_line())["bounding-box"]["annotations"]
    assert [("errors" in box) for box in boxes] == [True, True, False]


def test_box_too_small_only_after_the_training_resize():
    assert check(det("a.jpg", [Box("car", 0, 0, 2, 2)], 1000, 1000)).codes == ()
    resized = check(det("a.jpg", [Box("car", 0, 0, 2, 2), Box("car", 9, 9, 90, 90)], 2560, 2560))
    assert resized.codes == ("ERROR_BOUNDING_BOX_TOO_SMALL",) and resized.status is Status.VALID


def test_no_valid_annotations_invalidates_the_line():
    result = check(det("a.jpg", [Box("car", -1, 0, 10, 10)]))
    assert result.status is Status.INVALID
    assert result.codes == ("ERROR_INVALID_BOUNDING_BOX", "ERROR_NO_VALID_ANNOTATIONS")


def test_too_many_bounding_boxes():
    assert check(det("a.jpg", [Box("car", 1, 1, 10, 10)] * 50)).status is Status.VALID
    result = check(det("a.jpg", [Box("car", 1, 1, 10, 10)] * 51))
    assert (result.status, result.codes) == (Status.INVALID, ("ERROR_TOO_MANY_BOUNDING_BOXES",))


def test_invalid_image_dimension_from_image_size():
    result = check(det("a.jpg", [Box("car", 1, 1, 10, 10)], 4097, 480))
    assert (result.status, result.codes) == (Status.INVALID, ("ERROR_INVALID_IMAGE_DIMENSION",))


def test_label_name_length_limit_is_256():
    assert check(cls("a.jpg", "x" * 256)).status is Status.VALID
    result = check(cls("a.jpg", "x" * 257))
    assert result.codes == ("ERROR_INVALID_LABEL_NAME_LENGTH", "ERROR_NO_VALID_LABEL_ATTRIBUTES")


def test_guide_no_annotations_example_has_both_warnings_and_is_ignored():
    line = det("a.jpg", [])
    result = check(line)
    assert result.status is Status.IGNORED and not result.has_error
    out = json.loads(result.validation_line())
    assert out["bounding-box"]["warnings"][0]["code"] == "WARNING_NO_ATTRIBUTE_ANNOTATIONS"
    assert out["warnings"][0] == {"code": "WARNING_NO_ANNOTATIONS", "message": "No annotations were found."}


def test_empty_box_attribute_next_to_a_valid_one_keeps_the_line_valid():
    line = det("a.jpg")
    empty = det("a.jpg", [])
    line["more"], line["more-metadata"] = empty["bounding-box"], empty["bounding-box-metadata"]
    result = check(line)
    assert result.status is Status.VALID and result.codes == ("WARNING_NO_ATTRIBUTE_ANNOTATIONS",)


def test_revalidating_a_validation_line_gives_the_same_line():
    first = check(GUIDE_DETECTION).validation_line()
    assert check(first).validation_line() == first
