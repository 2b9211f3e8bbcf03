"""`python -m local samples KIND`: manifest URIs on stdout (for scripts), progress on stderr."""

from __future__ import annotations

from local.__main__ import main


def test_samples_prints_progress_then_the_manifest_uris(local_client, capsys) -> None:
    assert (
        main(["samples", "noisy-digits", "--bucket", "samples-cli", "--prefix", "hard", "--count", "50",
              "--create-bucket"]) == 0
    )
    captured = capsys.readouterr()
    assert captured.out.split() == [
        "s3://samples-cli/hard/train.manifest",
        "s3://samples-cli/hard/test.manifest",
    ]
    progress = captured.err.splitlines()
    assert progress[0] == "samples: noisy-digits, 50 images to s3://samples-cli/hard/"
    assert progress[1:] == [f"samples: {n}/50 images written" for n in range(5, 51, 5)]
    manifest = local_client("s3").get_object(Bucket="samples-cli", Key="hard/train.manifest")
    lines = manifest["Body"].read().splitlines()
    assert len(lines) == 40  # a stratified 20 % is the test split


def test_samples_never_creates_a_mistyped_bucket(local_client, capsys) -> None:
    assert main(["samples", "digits", "--bucket", "typo-bucket", "--count", "20"]) == 2
    assert "bucket typo-bucket does not exist" in capsys.readouterr().err
    assert "typo-bucket" not in {b["Name"] for b in local_client("s3").list_buckets()["Buckets"]}
