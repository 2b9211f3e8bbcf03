"""Every patch the offline AWS makes to moto and boto3, in one place, and the check that the installed
libraries are the versions the patches were written against.

A module that patches declares its `PATCHES` (see `local.patches`) and is listed in `PATCHING_MODULES`;
its `install()` applies them. After a moto or boto3 upgrade, `python -m local endpoint` / `serve` refuse
to start and name each patch to re-check against the new version's source; update
`local.patches.WRITTEN_AGAINST` once they are.
"""

from __future__ import annotations

from importlib.metadata import version
from types import ModuleType

from local import (
    access,
    bucket_policy_evaluation,
    choice_assign,
    distributed_map,
    dynamodb_writes,
    execution_events,
    execution_names,
    function_urls,
    host_dispatch,
    jsonata_evaluator,
    lambda_hook,
    rule_targets,
    sfn_integration,
    stream_shards,
    task_callbacks,
)
from local.access import deliveries, interception, roles, state_machines
from local.emulator import moto_integration
from local.patches import WRITTEN_AGAINST, Patch, WrongLibraryVersion

PATCHING_MODULES: tuple[ModuleType, ...] = (
    dynamodb_writes,
    stream_shards,
    moto_integration,
    lambda_hook,
    bucket_policy_evaluation,
    execution_names,
    jsonata_evaluator,
    choice_assign,
    host_dispatch,
    function_urls,
    sfn_integration,
    task_callbacks,
    distributed_map,
    rule_targets,
    execution_events,
    interception,
    deliveries,
    state_machines,
    roles,
)
_AUTHORIZATION = (interception, deliveries, state_machines, roles)  # installed together by local.access


def install(authorize: bool) -> None:
    """What the endpoint runs with: every patch; the authorization layer's only when `authorize`."""
    for module in PATCHING_MODULES:
        if module not in _AUTHORIZATION:
            module.install()
    if authorize:
        access.install(moto_integration.project_resource_policy, moto_integration.resource_tags)
    else:
        access.uninstall()


def all_patches() -> list[Patch]:
    return [patch for module in PATCHING_MODULES for patch in module.PATCHES]


def require_written_against_versions() -> None:
    """Raise WrongLibraryVersion naming the patches to re-check when moto or boto3 is another version."""
    stale = {
        library: (version(library), wanted)
        for library, wanted in WRITTEN_AGAINST.items()
        if version(library) != wanted
    }
    if not stale:
        return
    lines = [
        f"{library} {found} is installed; the offline AWS's patches were written against {library} {wanted}."
        for library, (found, wanted) in stale.items()
    ]
    lines.append("Install the pinned versions (pip install -e local/), or re-check these patches against")
    lines.append("the installed source, then update local/patches.py WRITTEN_AGAINST:")
    lines += [f"  {p.target}: replaces {p.replaces}" for p in all_patches() if p.library in stale]
    raise WrongLibraryVersion("\n".join(lines))
