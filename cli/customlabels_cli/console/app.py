"""The console's Flask app. Pages read the stack through the CLI's modules (stack outputs, registry,
evaluation files, results); start and stop are executions of the model-control state machine.

Every state-changing request (start, stop, analyse) must carry the session's token, which only the
console's own pages hold: a page from another origin cannot read it, so it cannot drive the console.
Requests must also name the console's own host (no DNS rebinding)."""

from __future__ import annotations

import argparse
import hmac
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError
from flask import Flask, Response, abort, jsonify, redirect, render_template, request, url_for

from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.commands.shadow import ComparisonCache
from customlabels_cli.console import analysis, evaluation_page, models, results
from customlabels_cli.console.drift_view import drift_view
from customlabels_cli.console.shadow_view import shadow_view
from customlabels_cli.support import executions, version_evaluation
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.model_control import control_input
from customlabels_cli.support.stack import RETRIES, Stack

TOKEN_FIELD, TOKEN_HEADER = "token", "X-Console-Token"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
THUMBNAIL_MAX_AGE = 3600


def create_app(
    stack: Stack,
    token: str,
    allowed_hosts: set[str] | None = None,
    projects: list[tuple[str, str]] | None = None,
) -> Flask:
    """`projects`: (project, console path) of every project the console serves, for its menu."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = analysis.MAX_IMAGE_BYTES + 64 * 1024
    hosts = LOCAL_HOSTS | (allowed_hosts or set())

    @lru_cache(maxsize=8)
    def evaluation_of(version: str, _updated: str, _exists: bool) -> version_evaluation.VersionEvaluation:
        item = stack.registry().get_version(stack.project, version)
        if item is None:
            raise CliError(f"version {version} is not in the registry", "pick one on the models page")
        return version_evaluation.load(stack, item)

    @app.before_request
    def guard() -> None:
        if request.host.rsplit(":", 1)[0] not in hosts:
            abort(403, "this console answers only to its own address")
        if request.method in SAFE_METHODS:
            return
        given = request.form.get(TOKEN_FIELD) or request.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            abort(403, "missing or wrong console token: use the console's own pages")

    @app.context_processor
    def common() -> dict[str, Any]:
        return {"project": stack.project, "token": token, "projects": projects or []}

    @app.errorhandler(CliError)
    def cli_error(error: CliError) -> tuple[str, int]:
        return render_template("message.html", title="Not available", error=error), 404

    @app.get("/", endpoint="models")
    def models_page() -> str:
        return render_template(
            "models.html", rows=models.model_rows(stack), message=request.args.get("message")
        )

    @app.get("/api/models")
    def models_json() -> Response:
        return jsonify(models.model_rows(stack))

    @app.get("/evaluation/<version>")
    def evaluation(version: str) -> str:
        item = stack.registry().get_version(stack.project, version) or {}
        exists = bool(item) and version_evaluation.live_description(stack, item) is not None
        return _evaluation(version, evaluation_of(version, str(item.get("updatedAt")), exists))

    @app.post("/models/<version>/<action>")
    def control(version: str, action: str) -> Response | str:
        if action not in ("start", "stop"):
            abort(404)
        return _control(stack, version, action)

    @app.get("/image")
    def image() -> Response:
        return _stream_image(stack)

    kept = analysis.KeptUploads()

    @app.route("/analyse", methods=["GET", "POST"])
    def analyse() -> str:
        return render_template("analyse.html", **_analyse_context(stack, kept))

    @app.get("/results", endpoint="results")
    def results_page() -> str:
        return render_template("results.html", **_results_context(stack))

    comparisons = ComparisonCache()

    @app.get("/monitoring", endpoint="monitoring")
    def monitoring_page() -> str:
        return _monitoring(stack, comparisons)

    return app


def _monitoring(stack: Stack, comparisons: ComparisonCache) -> str:
    """Drift (the latest report and charts) and the shadow test, whose disagreements come a page at a time."""
    shadow = shadow_view(stack, request.args.get("shadow_page", 1, type=int), comparisons)
    return render_template(
        "monitoring.html",
        drift=drift_view(stack, datetime.now(UTC)),
        shadow=shadow,
        shadow_page_url=lambda number: url_for("monitoring", shadow_page=number) + "#shadow",
    )


def _evaluation(version: str, view: version_evaluation.VersionEvaluation) -> str:
    """The evaluation page of a version: its test images filtered by the request's label and outcome."""
    label, outcome = request.args.get("label") or None, request.args.get("outcome") or None

    def page_url(number: int) -> str:
        found = url_for("evaluation", version=version, label=label, outcome=outcome, page=number)
        return f"{found}#test-images"

    page = evaluation_page.page_context(
        view,
        lambda image: url_for("image", uri=image.source_ref),
        label=label,
        outcome=outcome,
        number=request.args.get("page", 1, type=int),
        page_url=page_url,
    )
    return render_template("evaluation.html", page=page)


def _control(stack: Stack, version: str, action: str) -> Response | str:
    """Start or stop through the model-control state machine; a start that bills beside the champion
    is confirmed first. Back to the page that asked (the console's own only), else the models page."""
    if action == "start" and request.form.get("confirmed") != "yes":
        row = next((r for r in models.model_rows(stack) if r["version"] == version), None)
        if row and row["start_warning"]:
            return render_template("confirm.html", row=row, back=request.form.get("back", ""))
    name = executions.execution_name(f"console-{action}-{version}".replace(".", "-"))
    payload = control_input(action, stack.project, version, argparse.Namespace())
    arn = stack.client("stepfunctions").start_execution(
        stateMachineArn=stack.output("ModelControlStateMachineArn"), name=name, input=json.dumps(payload)
    )["executionArn"]
    message = f"{action} {version}: started {arn.rsplit(':', 1)[-1]}"
    back = request.form.get("back", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back, 303)
    return redirect(url_for("models", message=message), 303)


def _stream_image(stack: Stack) -> Response:
    """An S3 image streamed through, cached by its ETag."""
    uri = request.args.get("uri", "")
    if not is_s3_uri(uri):
        abort(400, "uri must be s3://bucket/key")
    location = parse_s3_uri(uri)
    condition = (
        {"IfNoneMatch": request.headers["If-None-Match"]} if "If-None-Match" in request.headers else {}
    )
    try:
        found = stack.client("s3").get_object(Bucket=location.bucket, Key=location.key, **condition)
    except ClientError as error:
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 404))
        if status == 304:
            return Response(status=304, headers={"ETag": request.headers["If-None-Match"]})
        abort(404, f"cannot read {uri}")
    body = found["Body"]
    response = Response(
        iter(lambda: body.read(64 * 1024), b""),
        content_type=found.get("ContentType") or "application/octet-stream",
    )
    response.headers["ETag"] = found["ETag"]
    response.headers["Cache-Control"] = f"private, max-age={THUMBNAIL_MAX_AGE}"
    return response


def _analyse_context(stack: Stack, kept: analysis.KeptUploads) -> dict[str, Any]:
    """Try an image: analyse on a running version; else keep the file while the version starts (the
    page, opened again with `kept`, analyses it once the version runs)."""
    rows = models.model_rows(stack)
    chosen = request.values.get("version") or next((r["version"] for r in rows if r["champion"]), "")
    row = next((r for r in rows if r["version"] == chosen), None)
    context: dict[str, Any] = {
        "rows": rows,
        "chosen": chosen,
        "min_confidence": request.values.get("min_confidence", ""),
    }
    try:
        upload = _chosen_upload(kept)
        if request.method == "POST" and row is None:
            raise analysis.AnalysisRefused("choose a model version")
        running = row is not None and row["status"] == "RUNNING"
        if upload and row and (not running or request.method == "GET"):
            context.update(kept=upload.name, kept_id=request.values.get("kept") or kept.keep(upload))
        if request.method == "GET":
            context["waiting"] = row if upload else None
        elif not running:
            context["not_running"] = row
        else:
            context["result"] = analysis.analyse(
                stack.client("rekognition"),
                stack.client("s3"),
                chosen,
                row["arn"],
                upload.data if upload else None,
                request.form.get("uri", "").strip(),
                _confidence(context["min_confidence"]),
            )
    except analysis.AnalysisRefused as refused:
        context["error"] = str(refused)
    return context


def _results_context(stack: Stack) -> dict[str, Any]:
    table = stack.session.resource("dynamodb", config=RETRIES).Table(stack.output("ResultsTableName"))
    versions = {
        item["versionName"]: item.get("versionArn") for item in stack.registry().list_versions(stack.project)
    }
    chosen = request.args.get("version", "")
    context: dict[str, Any] = {"versions": sorted(versions, reverse=True), "args": request.args}
    try:
        if chosen and not versions.get(chosen):
            raise results.BadFilter(f"version {chosen!r} is not in the registry: pick one from the list")
        page = results.query_results(
            table, results.ResultFilter.parse(request.args.to_dict(), versions.get(chosen))
        )
    except results.BadFilter as error:
        context["error"] = str(error)
        page = results.ResultPage([], None, 0)
    following = request.args.to_dict() | {"cursor": page.next_cursor}
    context.update(
        page=page,
        errors=results.latest_errors(table),
        next_url=url_for("results", **following) + "#gallery" if page.next_cursor else None,
    )
    return context


def _chosen_upload(kept: analysis.KeptUploads) -> analysis.Upload | None:
    """A newly chosen file (checked to be an image), else the kept file the page names."""
    chosen = request.files.get("file")
    data = chosen.read() if chosen else b""
    if data:
        name = chosen.filename or "the chosen file"
        analysis.require_image(data, name)
        return analysis.Upload(name, data)
    return kept.get(request.values.get("kept", ""))


def _confidence(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise analysis.AnalysisRefused("MinConfidence must be between 0 and 100")
    return value
