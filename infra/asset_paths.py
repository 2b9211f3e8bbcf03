"""Where the Lambda code asset and the compiled layers are: in a checkout, ``lambdas/`` and
``build/layers/`` (``make layers``); in the installed wheel, ``infra/assets/``, where the wheel build
(setup.py) copies both, so a user's CDK app synthesizes the same functions and layers."""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parent / "assets"
CHECKOUT = Path(__file__).resolve().parent.parent
LAMBDA_FOLDER, LAYERS_FOLDER = "lambda", "layers"


def lambda_root() -> Path:
    packaged = PACKAGED / LAMBDA_FOLDER
    return packaged if packaged.is_dir() else CHECKOUT / "lambdas"


def layers_dir() -> Path:
    packaged = PACKAGED / LAYERS_FOLDER
    return packaged if packaged.is_dir() else CHECKOUT / "build" / "layers"
