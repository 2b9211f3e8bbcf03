"""The patches the offline AWS makes to moto and boto3: all registered, each removable, and a moto or
boto3 upgrade stops the endpoint at once, naming what to re-check."""

from __future__ import annotations

import pytest

from local import patch_registry
from local.__main__ import main
from local.access import state_machines
from local.endpoint import LocalEndpoint
from local.patches import WRITTEN_AGAINST, WrongLibraryVersion, apply, is_applied, remove


def _value(patch):
    table = patch.owner if isinstance(patch.owner, dict) else vars(patch.owner)
    return table.get(patch.name, "<absent>")


def test_each_patch_is_removed_and_applied_again():
    patches = patch_registry.all_patches()
    was_applied = [is_applied(patch) for patch in patches]
    remove(patches)
    originals = [_value(patch) for patch in patches]
    try:
        assert not any(value is patch.replacement for value, patch in zip(originals, patches, strict=True))
        apply(patches)
        assert all(_value(patch) is patch.replacement for patch in patches)
        remove(patches)
        assert [_value(patch) for patch in patches] == originals
    finally:
        apply(p for p, applied in zip(patches, was_applied, strict=True) if applied)


def test_every_install_module_declares_its_patches_to_the_registry():
    installed = {patch.target for module in patch_registry.PATCHING_MODULES for patch in module.PATCHES}
    assert len(installed) == len(patch_registry.all_patches()) > 100
    assert "moto.rekognition.responses.RekognitionResponse.create_project" in installed
    assert "boto3._get_default_session" in installed


def test_the_parser_modules_patched_for_task_credentials_are_all_of_them():
    assert sorted(state_machines.client_modules_in_parser()) == sorted(state_machines.CLIENT_MODULES)


@pytest.fixture
def moto_upgraded(monkeypatch):
    monkeypatch.setattr(
        patch_registry, "version", lambda library: "9.9.9" if library == "moto" else WRITTEN_AGAINST[library]
    )


def test_another_moto_version_names_the_patches_to_recheck(moto_upgraded):
    with pytest.raises(WrongLibraryVersion) as excinfo:
        patch_registry.require_written_against_versions()
    message = str(excinfo.value)
    assert "moto 9.9.9 is installed; the offline AWS's patches were written against moto 5.2.5." in message
    assert "moto.s3.models.FakeBucket.get_permission: replaces moto's bucket-policy check" in message
    assert "boto3._get_default_session" not in message  # boto3 is the pinned version


def test_the_endpoint_refuses_to_start_on_another_moto_version(moto_upgraded, capsys):
    with pytest.raises(WrongLibraryVersion):
        LocalEndpoint().start()
    assert main(["endpoint", "--port", "0"]) == 2
    assert "written against moto 5.2.5" in capsys.readouterr().err
