"""The wheel carries what the CustomLabelsPipeline construct deploys: the Lambda code asset (handlers/ and
the domain package) and the compiled layers (``make layers``), copied into ``infra/assets/``
(infra/asset_paths.py). Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LAMBDA_PARTS = ("handlers", "customlabels")
LAYERS = ROOT / "build" / "layers"
COMPILED = shutil.ignore_patterns("__pycache__", "*.pyc")  # the assets exclude them (infra/)


class BuildWithAssets(build_py):
    def run(self) -> None:
        super().run()
        # An editable install (`make setup`, before the layers are built) uses the checkout's own
        # lambdas/ and build/layers/ (infra/asset_paths.py), so only a built wheel carries copies.
        if not self.dry_run and not self.editable_mode:
            copy_assets(Path(self.build_lib) / "infra" / "assets")


def copy_assets(target: Path) -> None:
    missing = [name for name in ("video", "manifest") if not (LAYERS / name / "python").is_dir()]
    if missing:
        raise SystemExit(
            f"the wheel ships the Lambda layers, and {', '.join(missing)} is missing under {LAYERS}: "
            "run `make layers` first"
        )
    shutil.rmtree(target, ignore_errors=True)
    for part in LAMBDA_PARTS:
        shutil.copytree(ROOT / "lambdas" / part, target / "lambda" / part, ignore=COMPILED)
    for layer in ("video", "manifest"):  # the layer asset's other excludes apply at synth
        shutil.copytree(LAYERS / layer, target / "layers" / layer, ignore=COMPILED)


setup(cmdclass={"build_py": BuildWithAssets})
