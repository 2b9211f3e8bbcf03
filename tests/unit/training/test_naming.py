from __future__ import annotations

from customlabels.naming import project_name_of, version_name_for_execution, version_name_of

VERSION_ARN = "arn:aws:rekognition:us-east-1:111122223333:project/digits/version/digits.v1/1627045542080"


def test_version_names_keep_only_allowed_characters_and_fit_255() -> None:
    assert version_name_for_execution("digits", "a b/c:d") == "digits.a-b-c-d"
    assert version_name_for_execution("digits", "***") == "digits.run"
    named_twice = version_name_for_execution("digits", "digits-20261207T064305-128610")
    assert named_twice == "digits.20261207T064305-128610"
    assert len(version_name_for_execution("p" * 200, "e" * 80)) == 255


def test_arn_parts() -> None:
    assert project_name_of(VERSION_ARN) == "digits"
    assert version_name_of(VERSION_ARN) == "digits.v1"
