"""The console script itself: `customlabels --version`."""

from __future__ import annotations

import importlib.metadata

import pytest

from customlabels_cli.main import main


def test_version_prints_the_installed_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    installed = importlib.metadata.version("customlabels-pipeline")
    assert capsys.readouterr().out.strip() == f"customlabels {installed}"
