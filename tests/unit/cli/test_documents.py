"""`customlabels documents [--resend]`: the items whose result document the writer has not written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from customlabels_cli.main import main
from customlabels_cli.support.pending_documents import iso_cutoff, pending_documents, resend
from tests.fixtures.tables import create_results_table

TABLE = "results"
NOW = datetime.now(UTC)


def item(name: str, minutes_ago: float, *, document: bool = True, resends: int | None = None) -> dict:
    row = {
        "image": {"S": f"s3://inference/uploads/{name}.png"},
        "version": {"S": "v1"},
        "status": {"S": "SUCCEEDED"},
        "finishedAt": {"S": iso_cutoff(NOW, minutes_ago)},
        "resultUri": {"S": f"s3://inference/results/{name}.png.json"},
    }
    if document:
        row["document"] = {"B": b"\x1f\x8b gzip of the document"}
    if resends is not None:
        row["documentResends"] = {"N": str(resends)}
    return row


@pytest.fixture
def dynamodb(local_client):
    client = local_client("dynamodb")
    create_results_table(client, TABLE)
    for row in (
        item("stuck-old", 60, resends=2),
        item("stuck", 10),
        item("in-flight", 1),  # younger than the cut-off: normally still on its way
        item("written", 30, document=False),
    ):
        client.put_item(TableName=TABLE, Item=row)
    return client


@pytest.fixture
def outputs(tmp_path, monkeypatch) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"ResultsTableName": TABLE, "ProjectName": "digits"}))
    monkeypatch.delenv("CUSTOMLABELS_OUTPUTS", raising=False)
    return str(path)


def test_lists_only_items_with_a_document_older_than_the_cut_off_oldest_first(dynamodb) -> None:
    found = pending_documents(dynamodb, TABLE, iso_cutoff(datetime.now(UTC), 5))
    assert [(p.image.split("/")[-1], p.resends) for p in found] == [("stuck-old.png", 2), ("stuck.png", 0)]
    assert found[0].result_uri == "s3://inference/results/stuck-old.png.json"


def scans(dynamodb) -> list[dict]:
    """The parameters of each Scan the client sends, as they go out."""
    sent: list[dict] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.Scan", lambda params, **_: sent.append(params)
    )
    return sent


def test_the_scan_never_reads_the_document(dynamodb) -> None:
    sent = scans(dynamodb)
    pending_documents(dynamodb, TABLE, iso_cutoff(datetime.now(UTC), 5))
    (scan,) = sent
    names = scan["ExpressionAttributeNames"]
    projected = {names[name.strip()] for name in scan["ProjectionExpression"].split(",")}
    assert "document" not in projected and {"image", "version", "resultUri", "finishedAt"} <= projected


def test_the_scan_follows_every_page(dynamodb) -> None:
    for number in range(30):
        dynamodb.put_item(TableName=TABLE, Item=item(f"many-{number:02}", 20))
    pages = scans(dynamodb)
    dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.Scan", lambda params, **_: params.setdefault("Limit", 7)
    )
    assert len(pending_documents(dynamodb, TABLE, iso_cutoff(datetime.now(UTC), 5))) == 32
    assert len(pages) > 1


def test_resend_adds_to_the_counter_and_skips_an_item_written_meanwhile(dynamodb) -> None:
    stuck_old, stuck = pending_documents(dynamodb, TABLE, iso_cutoff(datetime.now(UTC), 5))
    dynamodb.update_item(TableName=TABLE, Key=stuck.key, UpdateExpression="REMOVE document")  # the writer
    assert resend(dynamodb, TABLE, stuck_old) is True
    assert resend(dynamodb, TABLE, stuck) is False
    rows = {p.image: p for p in pending_documents(dynamodb, TABLE, iso_cutoff(datetime.now(UTC), 0))}
    assert rows[stuck_old.image].resends == 3
    assert rows[stuck_old.image].finished_at == stuck_old.finished_at  # the writer's condition still holds
    after = dynamodb.get_item(TableName=TABLE, Key=stuck.key)["Item"]
    assert "documentResends" not in after  # nothing was added to a written item


def test_the_command_lists_and_resends_as_json(dynamodb, outputs, capsys) -> None:
    assert main(["documents", "--json", "--outputs", outputs]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["count"] == 2 and listing["olderThanMinutes"] == 5
    assert listing["items"][0]["documentResends"] == 2 and "document" not in listing["items"][0]
    assert main(["documents", "--resend", "--json", "--outputs", outputs]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [row["documentResends"] for row in report["resent"]] == [2, 0] and report["writtenMeanwhile"] == []
    assert main(["documents", "--older-than", "0", "--json", "--outputs", outputs]) == 0
    counts = [row["documentResends"] for row in json.loads(capsys.readouterr().out)["items"]]
    assert counts == [3, 1, 0]  # the in-flight item is listed once the cut-off is 0


def test_the_command_says_plainly_when_there_are_none(local_client, outputs, capsys) -> None:
    create_results_table(local_client("dynamodb"), TABLE)
    assert main(["documents", "--outputs", outputs]) == 0
    assert "No result documents waiting" in capsys.readouterr().out
    assert main(["documents", "--resend", "--outputs", outputs]) == 0
    assert "No result documents waiting" in capsys.readouterr().out


def test_the_text_listing_names_each_item_and_the_next_step(dynamodb, outputs, capsys) -> None:
    assert main(["documents", "--older-than", "15", "--outputs", outputs]) == 0
    out = capsys.readouterr().out
    assert "1 result document(s) not written to S3 (older than 15 minutes)" in out
    assert "s3://inference/results/stuck-old.png.json" in out and "stuck.png" not in out
    assert "customlabels documents --resend" in out


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_a_bad_older_than_is_a_usage_error_saying_what_to_pass(value, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["documents", "--older-than", value])
    assert exited.value.code == 2
    assert "minutes" in capsys.readouterr().err


def test_a_stack_without_the_results_table_output_says_what_to_deploy(
    tmp_path, aws_credentials, capsys
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"ProjectName": "digits"}))
    assert main(["documents", "--outputs", str(path)]) == 2
    assert "no output ResultsTableName" in capsys.readouterr().err


def test_cut_off_is_in_the_detect_functions_time_format() -> None:
    moment = datetime(2026, 1, 10, 12, 0, 0, 123000, tzinfo=UTC)
    assert iso_cutoff(moment, 5) == "2026-01-10T11:55:00.123Z"
    assert iso_cutoff(moment, 0.5) == "2026-01-10T11:59:30.123Z"
