"""Neither the fast JSON parser (msgspec) nor the typed fast path for clean lines changes a verdict: every
line gets the same status, codes, labels, source-ref and validation line as with the full rule path and the
stdlib parser alone, which is what the Lambda runs when msgspec is absent."""

from __future__ import annotations

import json
import random

import pytest

from bench.manifest_validation import _bad_line, _good_line
from customlabels.manifest import check_line, json_line, validate_line, validate_manifests
from customlabels.manifest.builders import to_json_line
from customlabels.manifest.common_shapes import clean_line_labels
from tests.unit.manifest.conftest import cls, det

EDGE_CASES = [
    '{"source-ref":"s3://bkt/a.jpg","c":1e999,"c-metadata":{}}', '{"source-ref":NaN}', '{"a":Infinity}',
    '{"source-ref":"s3://bkt/\\ud800.jpg","c":1,"c-metadata":{}}', '{"source-ref":"s3://bkt/a.jpg"} x',
    '{"source-ref":"s3://bkt/a.jpg","source-ref":"s3://bkt/b.jpg"}', '[1,2]',
    '{"a":' + "[" * 1200 + "]" * 1200 + "}",
    '{"source-ref":"s3://bkt/a.jpg","cat":123456789012345678901234567890,"cat-metadata":{}}',
    '{"source-ref":"s3://bkt/a.jpg","cat":1.0,"cat-metadata":{"confidence":1e-400}}', '{"a":"\tb"}',
    '{"a":01}', '{"a":1.}', '{"a":-0}', '{"a":"\\u0000"}', '{}', '{"source-ref":"s3://bkt/a.jpg"}\n',
    '{"source-ref":"s3://bkt/\ud83d.jpg","c":1,"c-metadata":{}}',  # a lone surrogate in the text itself
]


def corpus() -> list[str]:
    rng = random.Random(11)
    generated = [(_bad_line if rng.random() < 0.3 else _good_line)(rng, number) for number in range(3000)]
    built = [to_json_line(cls("a.jpg")), to_json_line(det("b.jpg"))]
    return generated + built + EDGE_CASES


def _edited(line: dict, edit) -> str:
    line = json.loads(json.dumps(line))
    edit(line)
    return to_json_line(line)


def _meta(line: dict) -> dict:
    return next(value for key, value in line.items() if key.endswith("-metadata"))


def _attribute(line: dict) -> dict:
    return next(value for key, value in line.items() if key != "source-ref" and not key.endswith("-metadata"))


def _box(line: dict) -> dict:
    return _attribute(line)["annotations"][0]


# Each edit breaks one thing a clean line needs; the fast path must leave every one to the full path.
CLASSIFICATION_EDITS = [
    lambda line: _meta(line).update({"human-annotated": "maybe"}),
    lambda line: _meta(line).update({"class-name": ""}),
    lambda line: _meta(line).update({"class-name": "x" * 257}),
    lambda line: _meta(line).update({"confidence": 1.5}),
    lambda line: _meta(line).pop("confidence"),
    lambda line: _meta(line).pop("creation-date"),
    lambda line: _meta(line).update({"job-name": None}),
    lambda line: _meta(line).update({"type": "groundtruth/semantic-segmentation"}),
    lambda line: _meta(line).update({"errors": [{"code": "X", "message": "old"}]}),
    lambda line: line.update({"cat": True}),
    lambda line: line.update({"cat": 1.0}),
    lambda line: line.update({"cat": "1"}),
    lambda line: line.update({"dog-metadata": dict(_meta(line))}),
    lambda line: line.update({"cat-metadata-metadata": dict(_meta(line))}),
    lambda line: line.update({"cl-metadata": {"a": 1}}),
    lambda line: line.update({"source-ref-metadata": dict(_meta(line))}),
    lambda line: line.update({"source-ref": "s3://Bad_Bucket/a.jpg"}),
    lambda line: line.update({"source-ref": "s3://bucket/"}),
    lambda line: line.update({"source-ref": "s3://bucket/" + "k" * 1025}),
    lambda line: line.pop("cat"),
]
DETECTION_EDITS = [
    lambda line: _box(line).update({"left": -1}),
    lambda line: _box(line).update({"left": 600}),
    lambda line: _box(line).update({"height": 1}),
    lambda line: _box(line).update({"width": 0.5}),
    lambda line: _box(line).update({"class_id": 7}),
    lambda line: _box(line).update({"class_id": 0.0}),
    lambda line: _box(line).pop("top"),
    lambda line: _box(line).update({"errors": []}),
    lambda line: _attribute(line).update({"annotations": []}),
    lambda line: _attribute(line).pop("image_size"),
    lambda line: _attribute(line)["image_size"].append({"width": 640, "height": 480, "depth": 3}),
    lambda line: _attribute(line)["image_size"][0].update({"width": 5000}),
    lambda line: _attribute(line)["image_size"][0].update({"height": 32}),
    lambda line: _attribute(line)["image_size"][0].pop("depth"),
    lambda line: _attribute(line).update({"annotations": [dict(_box(line)) for _ in range(51)]}),
    lambda line: _meta(line).update({"objects": []}),
    lambda line: _meta(line).pop("objects"),
    lambda line: _meta(line).update({"objects": [{"confidence": "high"}]}),
    lambda line: _meta(line).update({"class-map": {"0": ""}}),
    lambda line: _meta(line).update({"class-map": {"0": 3}}),
    lambda line: _meta(line).update({"class-map": {"0": "x" * 257}}),
    lambda line: _meta(line).pop("class-map"),
    lambda line: _meta(line).update({"human-annotated": "no", "type": "groundtruth/image-classification"}),
]


def near_misses() -> list[str]:
    classification, detection = cls("a.jpg"), det("b.jpg")
    return ([_edited(classification, edit) for edit in CLASSIFICATION_EDITS]
            + [_edited(detection, edit) for edit in DETECTION_EDITS])


def verdict(text: str) -> tuple:
    result = validate_line(text, 1)
    return result.status, result.codes, result.labels, result.source_ref, result.validation_line()


def test_msgspec_and_the_fast_path_are_in_use_here():
    assert json_line._fast_decode is not None
    assert check_line._clean_line_labels is not None


def test_the_fast_path_takes_clean_lines_and_leaves_every_near_miss_to_the_full_path():
    assert clean_line_labels(to_json_line(cls("a.jpg"))) is not None
    assert clean_line_labels(to_json_line(det("b.jpg"))) is not None
    taken = [text for text in near_misses() if clean_line_labels(text) is not None]
    assert taken == []


def test_every_verdict_is_the_full_path_verdict(monkeypatch: pytest.MonkeyPatch):
    lines = corpus() + near_misses()
    fast = [verdict(line) for line in lines]
    assert sum(clean_line_labels(line.strip()) is not None for line in lines) > len(lines) // 2
    monkeypatch.setattr(check_line, "_clean_line_labels", None)
    assert [verdict(line) for line in lines] == fast


def test_every_verdict_is_the_stdlib_parser_verdict(monkeypatch: pytest.MonkeyPatch):
    lines = corpus() + near_misses()
    fast = [verdict(line) for line in lines]
    monkeypatch.setattr(check_line, "_clean_line_labels", None)
    monkeypatch.setattr(json_line, "_fast_decode", None)
    assert [verdict(line) for line in lines] == fast


def _dataset_figures(path: str) -> tuple:
    with validate_manifests(path, check_images=False) as report:
        training = report.training
        return (report.summary, list(training.outcomes), list(training.validation_lines()), training.buckets,
                training.use_case_lines, training.label_images, training.entries)


def test_a_manifest_gets_the_same_report_and_files_without_the_fast_path(tmp_path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "mixed.manifest"
    lines = corpus()[:2000] + near_misses() + corpus()[:50]  # the repeats are duplicate source-refs
    path.write_text("\n".join(line.strip() for line in lines) + "\n", encoding="utf-8")
    fast = _dataset_figures(str(path))
    monkeypatch.setattr(check_line, "_clean_line_labels", None)
    assert _dataset_figures(str(path)) == fast
