"""Task Evaluate: F1 and the per-label table from the summary file, then the gate decision."""

from __future__ import annotations

from customlabels.evaluation import summary_label_metrics
from customlabels.gate import GateRules, decide
from customlabels.pipeline_env import PipelineEnv
from customlabels.registry import Registry
from customlabels.rekognition.clients import client, dynamodb_resource
from customlabels.rekognition.versions import evaluation_summary, require_version

ENV = PipelineEnv.from_environ()
REKOGNITION = client("rekognition")
S3 = client("s3")
REGISTRY = Registry(ENV.registry_table, dynamodb_resource())


def handler(event: dict, context: object) -> dict:
    settings = event["settings"]
    project, version = settings["projectName"], settings["versionName"]
    f1, summary, summary_uri = evaluation_summary(
        S3, require_version(REKOGNITION, event["projectArn"], version)
    )
    rules = GateRules(settings["f1Threshold"], settings["minLabelF1"], settings["requireImprovement"])
    champion = REGISTRY.champion(project)
    if champion and champion["versionName"] == version:
        champion = None  # a re-run of the champion's own execution does not compete with itself
    decision = decide(f1, summary_label_metrics(summary), rules, champion).as_dict()
    REGISTRY.update_version(
        project,
        version,
        f1Score=f1,
        labels=decision["labels"],
        summaryUri=summary_uri,
        gate={"passed": decision["passed"], "reason": decision["reason"]},
    )
    failure = None
    if not decision["passed"]:
        failure = {
            "error": "GateFailed",
            "cause": f"{version} stays trained and is not started: {decision['reason']}",
        }
    return {**decision, "summaryUri": summary_uri, "f1Threshold": rules.f1Threshold, "failure": failure}
