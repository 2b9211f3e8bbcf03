"""The detect function's unzipped code (lambdas/ asset + the video layer) fits Lambda's 250 MB limit,
and synth refuses to run without the layer folder instead of shipping a function that cannot decode."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack

from infra import video_layer
from infra.functions import ASSET_EXCLUDES, LAMBDA_ROOT

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # function code and all its layers, unzipped
# Powertools' published layer (3.x, x86_64, Python 3.13) unzips to about 10 MB; kept as headroom.
POWERTOOLS_LAYER_BYTES = 15 * 1024 * 1024


def tree_bytes(root: Path, excluded: list[str]) -> int:
    """Bytes of the files an asset of ``root`` holds (CDK's exclude globs hide a path and all below it)."""

    def hidden(relative: Path) -> bool:
        prefixes = [Path(*relative.parts[:i]) for i in range(1, len(relative.parts) + 1)]
        return any(prefix.match(pattern) for prefix in prefixes for pattern in excluded)

    files = [path for path in root.rglob("*") if path.is_file()]
    return sum(path.stat().st_size for path in files if not hidden(path.relative_to(root)))


def test_the_detect_function_and_its_layers_fit_lambdas_unzipped_limit() -> None:
    layer = tree_bytes(video_layer.VIDEO_LAYER_DIR, video_layer.LAYER_EXCLUDES)
    code = tree_bytes(LAMBDA_ROOT, ASSET_EXCLUDES)
    assert layer > 50 * 1024 * 1024, "the layer holds PyAV and its ffmpeg libraries"
    assert (video_layer.VIDEO_LAYER_DIR / "python" / "av" / "__init__.py").is_file()
    [wheel] = (video_layer.VIDEO_LAYER_DIR / "python").glob("av-*.dist-info/WHEEL")
    assert "manylinux_2_28_x86_64" in wheel.read_text()  # Lambda's Python 3.13 runs glibc 2.34
    assert layer + code + POWERTOOLS_LAYER_BYTES < LAMBDA_UNZIPPED_LIMIT, (layer, code)


def test_synth_without_the_layer_folder_says_to_run_make_setup(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(video_layer, "VIDEO_LAYER_DIR", tmp_path / "missing")
    with pytest.raises(video_layer.MissingLayer, match="make setup"):
        video_layer.video_layer(Stack(App(), "Probe"), "VideoLayer")


def test_the_video_functions_carry_the_video_layer_and_their_frame_budgets(template_json) -> None:
    resources = template_json["Resources"]
    [layer_id] = [k for k, r in resources.items() if r["Type"] == "AWS::Lambda::LayerVersion"]
    assert resources[layer_id]["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    functions = {k: r["Properties"] for k, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    layered = {k for k, f in functions.items() if {"Ref": layer_id} in f.get("Layers", [])}
    video_functions = ("InferenceDetect", "BatchPrepareBatchFunction", "BatchAnalyseVideoChunkFunction")
    assert {next(k for k in layered if k.startswith(name)) for name in video_functions} == layered

    [detect] = [f for k, f in functions.items() if k.startswith("InferenceDetect")]
    environment = detect["Environment"]["Variables"]
    assert environment["VIDEO_FRAMES_PER_SECOND"] == "1.0"
    # 60 s x 0.5 / (0.18 s of CPU x 1769/512 MB + 0.5 s DetectCustomLabels) per frame
    assert environment["VIDEO_MAX_FRAMES"] == "26"
    [prepare] = [f for k, f in functions.items() if k.startswith("BatchPrepareBatchFunction")]
    # 300 s x 0.5 / (0.18 s at one full vCPU + 0.5 s) per frame
    assert prepare["Environment"]["Variables"]["VIDEO_FRAMES_PER_CHUNK"] == "220"
