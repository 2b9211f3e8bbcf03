"""The pipeline as a construct library (issue 32): the props are cdk.json's settings with its defaults
and the same range checks, one pipeline per stack, the examples/ app synthesizes with the pipeline beside
its own resources, and the wheel built from the repository, installed alone into a clean venv, synthesizes
the construct with the same Lambda code and layers as this checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from customlabels_pipeline import ConfigError, CustomLabelsPipeline, CustomLabelsPipelineProps
from infra.stack import FEATURE_FLAGS, CustomLabelsStack

ROOT = Path(__file__).resolve().parents[2]
CDK_JSON = json.loads((ROOT / "cdk.json").read_text())["context"]
MACHINE = "AWS::StepFunctions::StateMachine"
CDK_ENV = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}


def test_the_props_defaults_are_cdk_jsons() -> None:
    defaults = {field.name: field.default for field in fields(CustomLabelsPipelineProps)}
    assert defaults == CDK_JSON["customlabels"]


def test_the_construct_sets_the_feature_flags_the_app_is_built_with() -> None:
    assert {key: value for key, value in CDK_JSON.items() if key.startswith("@aws-cdk/")} == FEATURE_FLAGS


def test_props_out_of_range_are_refused_naming_the_setting(stack: CustomLabelsStack) -> None:
    props = CustomLabelsPipelineProps(projectName="other", f1Threshold=1.5)
    with pytest.raises(ConfigError, match=r"f1Threshold=1\.5 is not allowed: expected a number from 0 to 1"):
        CustomLabelsPipeline(stack, "OutOfRange", props=props)


def test_a_second_pipeline_in_one_stack_is_refused_with_the_way_out(stack: CustomLabelsStack) -> None:
    with pytest.raises(ConfigError, match=r"already holds a CustomLabelsPipeline.*a stack of its own"):
        CustomLabelsPipeline(stack, "Second", props=CustomLabelsPipelineProps(projectName="second"))


def _resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {key: r for key, r in template["Resources"].items() if r["Type"] == kind}


def _code_keys(template: dict[str, Any]) -> set[str]:
    """The content hashes of the Lambda code and layer assets."""
    functions = _resources(template, "AWS::Lambda::Function").values()
    layers = _resources(template, "AWS::Lambda::LayerVersion").values()
    code = [f["Properties"]["Code"] for f in functions] + [layer["Properties"]["Content"] for layer in layers]
    return {location["S3Key"] for location in code if "S3Key" in location}  # not the inline handlers


@pytest.mark.slow
def test_the_example_app_synthesizes_the_pipeline_beside_its_own_resources(tmp_path, template_json) -> None:
    folder = ROOT / "examples" / "existing_stack"
    environment = {
        **os.environ,
        **CDK_ENV,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),  # as `pip install customlabels-pipeline` would make it importable
    }
    command = [str(ROOT / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "-o", str(tmp_path)]
    done = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    template = json.loads((tmp_path / "RetailTeam.template.json").read_text())
    assert len(_resources(template, MACHINE)) == len(_resources(template_json, MACHINE)) == 3
    assert any(key.startswith("Reports") for key in _resources(template, "AWS::S3::Bucket"))
    assert any(key.startswith("Orders") for key in _resources(template, "AWS::SQS::Queue"))
    assert {"ProjectName", "TrainingStateMachineArn", "ReportsBucketName"} <= set(template["Outputs"])
    assert template["Outputs"]["ProjectName"]["Value"] == "shelf-products"


APP = """
import json, sys
import aws_cdk as cdk
import infra
from customlabels_pipeline import CustomLabelsPipeline, CustomLabelsPipelineProps, __version__

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "Team")
CustomLabelsPipeline(stack, "Pipeline", props=CustomLabelsPipelineProps(projectName="defects"))
app.synth()
print(json.dumps({"infra": infra.__file__, "version": __version__}))
"""


def _clean_venv(folder: Path) -> Path:
    """A venv holding nothing of this project; the project venv's site-packages (aws-cdk-lib and the
    other dependencies, never this project: it is installed there in editable mode, through a finder that
    a plain path line does not load) come after its own, so nothing is fetched."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(site, "project_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python


@pytest.mark.slow
def test_the_wheel_in_a_clean_venv_synthesizes_the_construct(tmp_path, template_json) -> None:
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels)]
    subprocess.run(build, check=True, timeout=600)
    [wheel] = wheels.glob("customlabels_pipeline-*.whl")
    python = _clean_venv(tmp_path / "venv")
    install = [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)]
    subprocess.run(install, check=True)
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"} | CDK_ENV
    done = subprocess.run(
        [str(python), "app.py", str(tmp_path / "out")],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["infra"].startswith(str(tmp_path / "venv")) and wheel.name.startswith(
        f"customlabels_pipeline-{printed['version']}-"
    )
    template = json.loads((tmp_path / "out" / "Team.template.json").read_text())
    assert len(_resources(template, MACHINE)) == 3
    assert _code_keys(template) == _code_keys(template_json)  # the same Lambda code and layers


def test_the_docs_list_every_prop_with_its_type_and_default() -> None:
    page = (ROOT / "docs" / "projects-and-construct-library.md").read_text()
    rows = [line.split(" | ") for line in page.splitlines() if line.startswith("| `") and "` | `" in line]
    documented = {
        row[0].strip("| `"): (row[1].strip("`").replace("\\|", "|"), row[2].strip("`")) for row in rows
    }
    assert documented == {
        field.name: (str(field.type), repr(field.default)) for field in fields(CustomLabelsPipelineProps)
    }
