"""Where things live in the stack's two buckets: the prefixes infra/ grants and notifies on, and the
Lambdas and CLI read and write.

Console bucket:
  datasets/<project>/...                    manifests and images a team uploads
  datasets/<project>/feedback/imports/      feedback import records (start_retraining's notification)
  validation/<project>/<execution>/         pre-flight manifest validation results
  training-output/<project>/<version>/      OutputConfig of CreateProjectVersion
Inference bucket:
  uploads/<key>                             images and videos in (the S3 notification's source)
  results/<key>.json | .error.json          results out (never a notification source)
  batches/<execution>/                      a batch analysis' ResultWriter output and summary
  review/<project>/open/<id>.json           low-confidence results waiting for a reviewer
"""

from __future__ import annotations

DATASETS_PREFIX = "datasets/"
VALIDATION_PREFIX = "validation/"
TRAINING_OUTPUT_PREFIX = "training-output/"
UPLOADS_PREFIX = "uploads/"
RESULTS_PREFIX = "results/"
BATCHES_PREFIX = "batches/"
SHADOW_PREFIX = "shadow/"  # a shadow test's challenger answers (customlabels.monitoring)
REVIEW_PREFIX = "review/"
FEEDBACK_IMPORTS = "feedback/imports/"


def imports_prefix(project: str) -> str:
    """The feedback import records of a project (console bucket)."""
    return f"{DATASETS_PREFIX}{project}/{FEEDBACK_IMPORTS}"


def review_prefix(project: str) -> str:
    return f"{REVIEW_PREFIX}{project}/"


def open_review_prefix(project: str) -> str:
    return f"{review_prefix(project)}open/"
