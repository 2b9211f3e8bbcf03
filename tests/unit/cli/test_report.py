"""`customlabels report --summary FILE [--html]`: the evaluation as a table, a confusion matrix and HTML."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest

from customlabels_cli.main import main


def entry(label: str, f1: float, images: int = 5) -> dict:
    return {
        "Label": label,
        "NumberOfTestingImages": images,
        "Metrics": {"Threshold": 0.5, "Precision": f1, "Recall": f1, "F1Score": f1},
    }


def classification_summary(nested: bool) -> dict:
    aggregated = {
        "Precision": 0.75,
        "Recall": 0.7,
        "F1Score": 0.72,
        "ConfusionMatrix": [
            {"GroundTruthLabel": "cat", "PredictedLabel": "cat", "Value": 0.8},
            {"GroundTruthLabel": "cat", "PredictedLabel": "dog", "Value": 0.2},
            {"GroundTruthLabel": "dog", "PredictedLabel": "dog", "Value": 1.0},
            {"GroundTruthLabel": "<b>&bird", "PredictedLabel": "cat", "Value": 0.5},
        ],
    }
    return {
        "Version": 1,
        "EvaluationDetails": {"NumberOfTrainingImages": 40, "NumberOfTestingImages": 10},
        "AggregatedEvaluationResults": {"Metrics": aggregated} if nested else aggregated,
        "LabelEvaluationResults": [entry("cat", 0.8), entry("dog", 0.9), entry("<b>&bird", 0.0, 2)],
    }


@pytest.mark.parametrize("nested", [False, True])
def test_text_report_has_the_headline_the_label_table_and_the_matrix(tmp_path, capsys, nested):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(classification_summary(nested)))
    assert main(["report", "--summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "F1 0.720, precision 0.750, recall 0.700 (40 training / 10 testing images)" in out
    assert re.search(r"cat\s+0\.800\s+0\.800\s+0\.800\s+0\.500\s+5", out)
    matrix = out.split("Confusion matrix")[1].splitlines()
    cat_row = next(line for line in matrix if line.strip().startswith("cat"))
    assert cat_row.split() == ["cat", ".", "80", "20"]  # columns: <b>&bird, cat, dog


def test_html_report_is_well_formed_with_one_cell_per_label_pair(tmp_path, capsys):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(classification_summary(False)))
    html_file = tmp_path / "report.html"
    assert main(["report", "--summary", str(path), "--html", str(html_file)]) == 0
    page = html_file.read_text()
    svg = ElementTree.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])  # parses: escaped
    cells = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert len(cells) == 9
    titles = {cell.find("{http://www.w3.org/2000/svg}title").text: cell.get("fill") for cell in cells}
    assert titles["true dog, predicted dog: 100.0%"] == "#084594"  # the darkest blue
    assert titles["true dog, predicted cat: 0.0%"] == "#ffffff"
    assert "<b>&bird" not in page and "&lt;b&gt;&amp;bird" in page
    assert f"HTML report: {html_file}" in capsys.readouterr().out


def test_detection_summary_reports_map_and_no_matrix(tmp_path, capsys):
    summary = {
        "AggregatedEvaluationResults": {
            "Precision": 0.5,
            "Recall": 0.4,
            "F1Score": 0.44,
            "AveragePrecision": 0.6,
            "AverageRecall": 0.55,
        },
        "LabelEvaluationResults": [entry("circle", 0.5), entry("square", 0.4)],
    }
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary))
    assert main(["report", "--summary", str(path), "--html", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "mAP 0.600, mAR 0.550" in out and "Confusion matrix" not in out
    assert "<svg" not in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "cannot read the evaluation summary"),
        (json.dumps({"Version": 1}), "is not an evaluation summary file"),
    ],
)
def test_unreadable_summaries_exit_2_with_a_fix(tmp_path, capsys, text, message):
    path = tmp_path / "summary.json"
    path.write_text(text)
    assert main(["report", "--summary", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "fix:" in err


def test_html_report_into_a_missing_folder_exits_2_and_creates_nothing(tmp_path, capsys):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(classification_summary(False)))
    assert main(["report", "--summary", str(path), "--html", str(tmp_path / "no-such" / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "no-such").exists()
