"""Synthesize the CDK app as ``cdk synth -c key=value`` does: in-process (fast, for tests) or with the
pinned CDK CLI running app.py (for ``serve``). Both use cdk.json's context plus the overrides."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from customlabels.naming import DEFAULT_PROJECT, PRODUCTION_STACK_NAME

ROOT = Path(__file__).resolve().parent.parent
CDK_CLI = ROOT / "node_modules" / ".bin" / "cdk"
# Short waits for offline runs, set through config (never by patching the state machine).
LOCAL_PROFILE = {
    "datasetPollSeconds": "1",
    "trainingPollSeconds": "1",
    "modelPollSeconds": "1",
    "consoleBucketSuffix": "local",
    "removalPolicy": "destroy",
    # used only with -c productionAccount=<id>: the local endpoint's default account trains
    "trainingAccount": "123456789012",
    "inferenceUnitTps": "50",  # the local service's default --iu-tps
    "detectLatencySeconds": "0.1",
}
MAX_BUCKET_SUFFIX = 21  # infra.config's consoleBucketSuffix rule
_NOT_IN_SUFFIX = re.compile(r"[^a-z0-9-]+")
_CDK_ENV = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
}


def local_context(overrides: Mapping[str, str]) -> dict[str, str]:
    """The offline profile plus ``-c`` overrides. Bucket names are global, so a project other than the
    default gets a console bucket suffix of its own (``local-<project>``) unless one is given."""
    context = {**LOCAL_PROFILE, **overrides}
    project = overrides.get("projectName", DEFAULT_PROJECT)
    if project != DEFAULT_PROJECT and "consoleBucketSuffix" not in overrides:
        suffix = _NOT_IN_SUFFIX.sub("-", f"local-{project.lower()}")
        context["consoleBucketSuffix"] = suffix[:MAX_BUCKET_SUFFIX].rstrip("-")
    return context


class SynthError(RuntimeError):
    """The app did not synthesize (bad context value, construct error, CLI failure)."""


@dataclass(frozen=True)
class StackArtifact:
    name: str
    template: dict[str, Any]
    assets: dict[str, Any]
    assembly_dir: Path
    account: str | None = None  # the account the stack is for (None: whichever deploys it)


def synthesize(outdir: Path, context: Mapping[str, str] | None = None) -> Path:
    """Build app.py's stack in this process; returns the cloud-assembly directory.

    The jsii runtime reads ``CDK_CONTEXT_JSON`` only when it starts, so app.py cannot be re-run here
    with new context: this builds the same stack from the same config the way app.py does.
    """
    os.environ.update(_CDK_ENV)
    from infra.assembly import build_stack

    stack = build_stack(dict(context or {}), outdir=str(outdir))
    return Path(stack.node.root.synth().directory)


def synthesize_with_cli(outdir: Path, context: Mapping[str, str] | None = None) -> Path:
    """Run the pinned CDK CLI, offline; returns the cloud-assembly directory."""
    arguments = [
        str(CDK_CLI),
        "synth",
        "--quiet",
        "--no-notices",
        "--no-version-reporting",
        "-o",
        str(outdir),
    ]
    for key, value in (context or {}).items():
        arguments += ["-c", f"{key}={value}"]
    env = {**os.environ, **_CDK_ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(arguments, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SynthError(f"cdk synth failed (exit {result.returncode}):\n{result.stderr.strip()}")
    return outdir


def load_stack(assembly_dir: Path, stack_name: str | None = None) -> StackArtifact:
    """The named stack of the assembly; without a name, its (one project's) training stack."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    stack_name = stack_name or _stack_names(manifest)[0]
    artifact = manifest["artifacts"].get(stack_name)
    if artifact is None or artifact["type"] != "aws:cloudformation:stack":
        stacks = [n for n, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"]
        raise SynthError(f"no stack {stack_name!r} in {assembly_dir}; it holds {', '.join(stacks) or 'none'}")
    template = json.loads((assembly_dir / artifact["properties"]["templateFile"]).read_text())
    assets_file = assembly_dir / f"{stack_name}.assets.json"
    assets = json.loads(assets_file.read_text()) if assets_file.exists() else {}
    account = artifact.get("environment", "").removeprefix("aws://").split("/")[0]
    return StackArtifact(stack_name, template, assets, assembly_dir, account if account.isdigit() else None)


def load_stacks(assembly_dir: Path) -> list[StackArtifact]:
    """Every stack of the assembly, the training stack first (the production stack, when there is one,
    names the training project)."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    return [load_stack(assembly_dir, name) for name in _stack_names(manifest)]


def _stack_names(manifest: dict[str, Any]) -> list[str]:
    """The assembly's stacks, the training stack first (infra.assembly names the production stack)."""
    names = [n for n, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"]
    if not names:
        raise SynthError("the cloud assembly holds no stack")
    return sorted(names, key=lambda name: name.startswith(PRODUCTION_STACK_NAME))


def load_template(template_file: Path) -> StackArtifact:
    """A synthesized template given as a file, with the assets of the cloud assembly it sits in.

    The stack name is the file's (``<stack>.template.json``); the Lambda code assets are those the
    assembly beside it lists, so a changed copy of a synthesized template deploys as the original.
    """
    if not template_file.is_file():
        raise SynthError(f"template {template_file} does not exist; give a *.template.json from cdk.out")
    try:
        template = json.loads(template_file.read_text())
    except ValueError as error:
        raise SynthError(f"template {template_file} is not JSON: {error}") from None
    name = template_file.name.removesuffix(".template.json").removesuffix(".json")
    assets_file = template_file.parent / f"{name}.assets.json"
    assets = json.loads(assets_file.read_text()) if assets_file.exists() else {}
    return StackArtifact(name, template, assets, template_file.parent)
