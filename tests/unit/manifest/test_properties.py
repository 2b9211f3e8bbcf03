"""Property tests: whatever a line holds, validation ends in valid, invalid or ignored, never an exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customlabels.manifest import Status, validate_line, validate_manifests
from customlabels.manifest.builders import Box, bounding_box_line, image_level_line, to_json_line

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "source-ref",
        "label",
        "label-metadata",
        "bounding-box",
        "bounding-box-metadata",
        "errors",
        "type",
        "class-map",
        "annotations",
        "image_size",
        "objects",
    ]
) | st.text(max_size=8)


@st.composite
def mutated_lines(draw) -> str:
    """Valid lines with random parts replaced: reaches deep rule branches, not just the JSON parser."""
    if draw(st.booleans()):
        boxes = [
            Box(draw(st.text(max_size=3)), *draw(st.tuples(*[st.integers(-5, 700)] * 4)))
            for _ in range(draw(st.integers(0, 3)))
        ]
        line = bounding_box_line("s3://bucket/a.jpg", draw(st.integers(1, 5000)), 480, boxes)
    else:
        line = image_level_line("s3://bucket/a.jpg", [draw(st.text(min_size=1, max_size=300))])
    for _ in range(draw(st.integers(0, 3))):
        target = line
        while isinstance(target, dict) and target and draw(st.booleans()):
            child = target[draw(st.sampled_from(sorted(target)))]
            if not isinstance(child, dict | list) or not child:
                break
            target = child if isinstance(child, dict) else child[0] if isinstance(child[0], dict) else target
        if isinstance(target, dict):
            target[draw(KEYS)] = draw(JSON_VALUES)
    return json.dumps(line)


def assert_well_formed(result) -> None:
    assert result.status in (Status.VALID, Status.INVALID, Status.IGNORED)
    if result.status is Status.INVALID:
        assert result.has_error
    if result.status is Status.IGNORED:
        assert result.codes and not result.has_error
    assert all(code.startswith(("ERROR_", "WARNING_")) for code in result.codes)
    assert isinstance(json.loads(result.validation_line()), dict)


@given(st.text())
def test_any_text(text):
    assert_well_formed(validate_line(text, 1))


@given(st.binary())
def test_any_bytes(data):
    assert_well_formed(validate_line(data.decode("utf-8", "replace"), 1))


@given(st.dictionaries(KEYS, JSON_VALUES, max_size=6))
def test_any_json_object(obj):
    assert_well_formed(validate_line(json.dumps(obj), 1))


@settings(max_examples=300)
@given(mutated_lines())
def test_mutated_valid_lines(text):
    result = validate_line(text, 1)
    assert_well_formed(result)
    again = validate_line(result.validation_line(), 1)
    assert (again.status, again.codes) == (result.status, result.codes)


@given(
    st.sampled_from(
        [
            "[" * 100_000,
            '{"a":' * 50_000,
            '{"n": 1' + "0" * 5000 + "}",
            '{"source-ref": "s3://bucket/\u00e9\u4e2d\ud83d\ude00.jpg"}',
            '{"x": "' + "y" * 100_001 + '"}',
        ]
    )
)
def test_pathological_lines(text):
    assert_well_formed(validate_line(text, 1))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.binary(max_size=200) | mutated_lines().map(str.encode), min_size=1, max_size=20),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
)
def test_any_manifest_accounts_for_every_line(tmp_path, lines, newline, bom):
    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    path = tmp_path / "m.manifest"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + newline.join(lines) + newline)
    report = validate_manifests(str(path), check_images=False)
    if report.file_error:
        assert report.file_error == "The manifest file is empty."
        assert not any(line.strip(b" \t\xef\xbb\xbf") for line in lines)
        return
    stats = report.summary["statistics"]["training"]
    assert stats["total_json_lines"] == len(lines)
    assert (
        stats["total_json_lines"]
        == stats["valid_json_lines"] + stats["invalid_json_lines"] + stats["ignored_json_lines"]
    )
    assert len(list(report.validation_lines())) == len(lines)
    report.close()


def test_valid_builder_lines_stay_valid():
    line = to_json_line(bounding_box_line("s3://bucket/a.jpg", 800, 600, [Box("can", 40, 30, 200, 150)]))
    assert validate_line(line, 1).status is Status.VALID
