"""The layer the functions get is the Powertools release the tests run against."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from infra.powertools import POWERTOOLS_VERSION

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements-dev.txt"


def test_the_layer_version_is_the_pinned_and_installed_powertools() -> None:
    pin = re.search(r"^aws-lambda-powertools(?:\[[^\]]*\])?==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pin, "requirements-dev.txt pins aws-lambda-powertools"
    assert POWERTOOLS_VERSION == pin[1] == version("aws-lambda-powertools")
