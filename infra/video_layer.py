"""The detect function's video decoder as a Lambda layer: PyAV's manylinux wheel (ffmpeg inside),
installed for the Lambda runtime by ``make layers`` into ``build/layers/video`` -- no Docker.

The wheel is ``manylinux_2_28``: the Python 3.13 runtime (Amazon Linux 2023, glibc 2.34) loads it.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

ROOT = Path(__file__).resolve().parent.parent
VIDEO_LAYER_DIR = ROOT / "build" / "layers" / "video"
PYAV_REQUIREMENT = next(
    line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("av==")
)
# make's stamp, and PyAV's command-line script (nothing on Lambda runs it).
LAYER_EXCLUDES = [".installed", "python/bin"]


class MissingLayer(RuntimeError):
    pass


def video_layer(scope: Construct, construct_id: str) -> lambda_.LayerVersion:
    if not (VIDEO_LAYER_DIR / "python" / "av").is_dir():
        raise MissingLayer(
            f"the video layer is missing: {VIDEO_LAYER_DIR / 'python' / 'av'} does not exist. "
            f"Run `make setup` (or `make layers`) to install {PYAV_REQUIREMENT} for the Lambda runtime."
        )
    return lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(str(VIDEO_LAYER_DIR), exclude=LAYER_EXCLUDES),
        compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
        compatible_architectures=[lambda_.Architecture.X86_64],
        description=f"{PYAV_REQUIREMENT} (ffmpeg inside) for decoding uploaded videos",
    )
