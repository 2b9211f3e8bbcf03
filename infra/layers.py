"""Lambda layers of compiled wheels, installed for the Lambda runtime by ``make layers``
(``python -m infra.layers NAME``) into ``build/layers/<name>`` -- no Docker: pip picks the manylinux
wheels of CPython 3.13 on x86_64, which the Python 3.13 runtime (Amazon Linux 2023, glibc 2.34) loads.

- ``video``: PyAV (ffmpeg inside its wheel) for the detect function's video decoding.
- ``manifest``: msgspec for the manifest validator's fast path (without it the validator takes the
  stdlib path: same verdicts, half the speed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.asset_paths import layers_dir

ROOT = Path(__file__).resolve().parent.parent
LAYERS_DIR = layers_dir()
# make's stamp, the command-line scripts wheels install (nothing on Lambda runs them) and bytecode of the
# Python that installed the wheels (pip compiles for itself; Lambda's 3.13 ignores another version's),
# so the layer is the same from a checkout and from the installed wheel (setup.py).
LAYER_EXCLUDES = [".installed", "python/bin", "**/__pycache__", "**/*.pyc"]
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux2014_x86_64")


class MissingLayer(RuntimeError):
    pass


@dataclass(frozen=True)
class WheelLayer:
    name: str
    package: str  # its pin in requirements.txt; also the import name
    purpose: str

    @property
    def directory(self) -> Path:
        return LAYERS_DIR / self.name

    @property
    def installed(self) -> str:
        """``package==version`` as installed in the layer (the wheel holds no requirements.txt)."""
        found = sorted((self.directory / "python").glob(f"{self.package}-*.dist-info"))
        return found[0].name.removesuffix(".dist-info").replace("-", "==", 1) if found else self.requirement

    @property
    def requirement(self) -> str:
        lines = (ROOT / "requirements.txt").read_text().splitlines()
        return next(line.strip() for line in lines if line.startswith(f"{self.package}=="))


VIDEO = WheelLayer("video", "av", "(ffmpeg inside) for decoding uploaded videos")
MANIFEST = WheelLayer("manifest", "msgspec", "for the manifest validator's fast path")
LAYERS = {layer.name: layer for layer in (VIDEO, MANIFEST)}


def wheel_layer(scope: Construct, construct_id: str, wheels: WheelLayer) -> lambda_.LayerVersion:
    if not (wheels.directory / "python" / wheels.package).is_dir():
        raise MissingLayer(
            f"the {wheels.name} layer is missing: {wheels.directory / 'python' / wheels.package} does not "
            f"exist. Run `make setup` (or `make layers`) to install {wheels.requirement} for Lambda."
        )
    return lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(str(wheels.directory), exclude=LAYER_EXCLUDES),
        compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
        compatible_architectures=[lambda_.Architecture.X86_64],
        description=f"{wheels.installed} {wheels.purpose}",
    )


def install(wheels: WheelLayer) -> None:
    shutil.rmtree(wheels.directory, ignore_errors=True)
    platforms = [argument for platform in PLATFORMS for argument in ("--platform", platform)]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *platforms,
         "--only-binary=:all:", "--python-version", "3.13", "--implementation", "cp",
         "--target", str(wheels.directory / "python"), wheels.requirement],
        check=True,
    )


if __name__ == "__main__":
    install(LAYERS[sys.argv[1]])
