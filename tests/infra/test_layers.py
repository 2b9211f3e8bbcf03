"""The wheel layers: the detect function's unzipped code (lambdas/ asset + the video layer) fits Lambda's
250 MB limit, the validator carries msgspec for its fast path, each layer is built for the runtime, and
synth refuses to run without a layer folder instead of shipping a function that lacks its wheels."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack

from infra import layers
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


@pytest.mark.parametrize("wheels", layers.LAYERS.values(), ids=layers.LAYERS)
def test_each_layer_holds_its_pinned_wheel_built_for_lambdas_python(wheels) -> None:
    python = wheels.directory / "python"
    assert (python / wheels.package / "__init__.py").is_file()
    version = wheels.requirement.split("==")[1]
    [wheel] = python.glob(f"{wheels.package}-{version}.dist-info/WHEEL")
    tags = [line.split(": ")[1] for line in wheel.read_text().splitlines() if line.startswith("Tag: ")]
    # Lambda's Python 3.13 on x86_64 (glibc 2.34) loads CPython 3.13 or stable-ABI manylinux wheels
    assert any(tag.endswith("x86_64") and "manylinux" in tag and ("cp313-cp313" in tag or "-abi3-" in tag)
               for tag in tags), tags


def test_the_detect_function_and_its_layers_fit_lambdas_unzipped_limit() -> None:
    layer = tree_bytes(layers.VIDEO.directory, layers.LAYER_EXCLUDES)
    code = tree_bytes(LAMBDA_ROOT, ASSET_EXCLUDES)
    assert layer > 50 * 1024 * 1024, "the layer holds PyAV and its ffmpeg libraries"
    assert layer + code + POWERTOOLS_LAYER_BYTES < LAMBDA_UNZIPPED_LIMIT, (layer, code)


def test_synth_without_a_layer_folder_says_to_run_make_setup(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(layers, "LAYERS_DIR", tmp_path / "missing")
    with pytest.raises(layers.MissingLayer, match="make setup"):
        layers.wheel_layer(Stack(App(), "Probe"), "VideoLayer", layers.VIDEO)


def _functions_with(resources: dict, layer_id: str) -> list[str]:
    return [key for key, resource in resources.items() if resource["Type"] == "AWS::Lambda::Function"
            and {"Ref": layer_id} in resource["Properties"].get("Layers", [])]


def _layer_id(resources: dict, package: str) -> str:
    [layer_id] = [key for key, resource in resources.items()
                  if resource["Type"] == "AWS::Lambda::LayerVersion"
                  and resource["Properties"]["Description"].startswith(f"{package}==")]
    assert resources[layer_id]["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    return layer_id


def test_the_video_functions_carry_the_video_layer_and_their_frame_budgets(template_json) -> None:
    resources = template_json["Resources"]
    layered = _functions_with(resources, _layer_id(resources, "av"))
    video_functions = ("InferenceDetect", "BatchPrepareBatchFunction", "BatchAnalyseVideoChunkFunction")
    found = sorted(next(key for key in layered if key.startswith(name)) for name in video_functions)
    assert found == sorted(layered)
    [detect] = [key for key in layered if key.startswith("InferenceDetect")]
    environment = resources[detect]["Properties"]["Environment"]["Variables"]
    assert environment["VIDEO_FRAMES_PER_SECOND"] == "1.0"
    # 60 s x 0.5 / (0.18 s of CPU x 1769/512 MB + 0.5 s DetectCustomLabels) per frame
    assert environment["VIDEO_MAX_FRAMES"] == "26"
    [prepare] = [key for key in layered if key.startswith("BatchPrepareBatchFunction")]
    # 300 s x 0.5 / (0.18 s at one full vCPU + 0.5 s) per frame
    assert resources[prepare]["Properties"]["Environment"]["Variables"]["VIDEO_FRAMES_PER_CHUNK"] == "220"


def test_only_the_manifest_validator_carries_msgspec(template_json) -> None:
    resources = template_json["Resources"]
    [validator] = _functions_with(resources, _layer_id(resources, "msgspec"))
    assert resources[validator]["Properties"]["Handler"] == "handlers.validate_manifests.handler"
