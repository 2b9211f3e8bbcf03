"""Typed settings read once from CDK context, with defaults and range checks.

Defaults live in cdk.json under the ``customlabels`` key. Any setting can be overridden with
``cdk synth -c name=value`` (a top-level context key, always a string on the command line).
A bad value stops synth with a message naming the key and what it accepts.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol

from customlabels.inference.settings import OnModelStopped
from customlabels.naming import DEFAULT_PROJECT, NAME_PATTERN

CONTEXT_KEY = "customlabels"
_PROJECT_NAME = re.compile(f"^{NAME_PATTERN}$")
_BUCKET_SUFFIX = re.compile(r"^[a-z0-9][a-z0-9\-]{0,20}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


class ConfigError(ValueError):
    """A context value is missing or outside its allowed range."""


class _ContextNode(Protocol):
    def try_get_context(self, key: str) -> Any: ...


@dataclass(frozen=True)
class _Rule:
    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    nullable: bool = False
    help: str = ""


RULES: dict[str, _Rule] = {
    "projectName": _Rule(str, pattern=_PROJECT_NAME, help="1-255 of letters, digits, '_', '.', '-'"),
    "consoleBucketSuffix": _Rule(
        str, help="empty (unique per stack) or 1-21 of lowercase letters, digits, '-'"
    ),
    "f1Threshold": _Rule(float, 0.0, 1.0),
    "minLabelF1": _Rule(float, 0.0, 1.0),
    "requireImprovement": _Rule(bool),
    "minInferenceUnits": _Rule(int, 1, 100),
    "maxInferenceUnits": _Rule(int, 1, 100),
    "datasetPollSeconds": _Rule(int, 1, 3600),
    "trainingPollSeconds": _Rule(int, 1, 3600),
    "modelPollSeconds": _Rule(int, 1, 3600),
    "maxTrainingHours": _Rule(int, 1, 72),
    "modelStartTimeoutMinutes": _Rule(int, 1, 240),
    "idleStopMinutes": _Rule(int, 5, 1440),
    "minConfidence": _Rule(float, 0.0, 100.0, nullable=True),
    "removalPolicy": _Rule(str, choices=("retain", "destroy")),
    "checkImages": _Rule(bool),
    "deploy": _Rule(bool),
    "inferenceBatchSize": _Rule(int, 1, 100),
    "inferenceBatchWindowSeconds": _Rule(int, 0, 300),
    "inferenceMaxReceiveCount": _Rule(int, 1, 100),
    "detectConcurrency": _Rule(int, 1, 64),
    "detectReservedConcurrency": _Rule(int, 1, 1000, nullable=True),
    "onModelStopped": _Rule(str, choices=tuple(OnModelStopped)),
    "championCacheSeconds": _Rule(int, 0, 3600),
    "idleCheckMinutes": _Rule(int, 1, 1440),
    "maxInferenceUnitHoursPerDay": _Rule(float, 0.0, 2400.0, nullable=True),
    "requireApproval": _Rule(bool),
    "approvalTimeoutHours": _Rule(float, 0.001, 720.0),
    "promoteAfterApproval": _Rule(bool),
    "productionAccount": _Rule(str, pattern=_ACCOUNT, nullable=True, help="a 12-digit account id or null"),
    "productionRegion": _Rule(str, pattern=_REGION, nullable=True, help="a Region name or null"),
    "trainingAccount": _Rule(str, pattern=_ACCOUNT, nullable=True, help="a 12-digit account id or null"),
    "inferenceUnitTps": _Rule(float, 0.1, 1000.0),
    "detectLatencySeconds": _Rule(float, 0.01, 30.0),
    "batchImagesPerChild": _Rule(int, 1, 1000),
    "batchMaxConcurrency": _Rule(int, 1, 10000, nullable=True),
    "batchToleratedFailurePercent": _Rule(float, 0.0, 100.0),
    "videoFramesPerSecond": _Rule(float, 0.01, 30.0),
    "reviewBelowConfidence": _Rule(float, 0.0, 100.0, nullable=True),
    "retrainAfterImages": _Rule(int, 1, 1_000_000, nullable=True),
    "driftCheckMinutes": _Rule(int, 1, 1440),
    "driftWindowHours": _Rule(float, 0.01, 720.0),
    "driftMinImages": _Rule(int, 1, 1_000_000),
    "driftMaxDivergence": _Rule(float, 0.0, 1.0, help="Jensen-Shannon divergence (base 2) of the label mix"),
    "driftMaxNoLabelIncrease": _Rule(float, 0.0, 1.0),
    "driftMaxLowConfidenceIncrease": _Rule(float, 0.0, 1.0),
    "shadowMinAgreement": _Rule(float, 0.0, 1.0, nullable=True),
}


@dataclass(frozen=True)
class Config:
    """The pipeline's settings: cdk.json's ``customlabels`` context keys, and the props of the
    ``CustomLabelsPipeline`` construct (its public API). The defaults are cdk.json's (a test holds them
    equal); docs/construct-library.md says what each one does."""

    projectName: str = DEFAULT_PROJECT
    consoleBucketSuffix: str = ""
    f1Threshold: float = 0.8
    minLabelF1: float = 0.0
    requireImprovement: bool = True
    minInferenceUnits: int = 1
    maxInferenceUnits: int = 1
    datasetPollSeconds: int = 30
    trainingPollSeconds: int = 300
    modelPollSeconds: int = 60
    maxTrainingHours: int = 24
    modelStartTimeoutMinutes: int = 60
    idleStopMinutes: int = 5
    minConfidence: float | None = None
    removalPolicy: str = "retain"
    checkImages: bool = True
    deploy: bool = True
    inferenceBatchSize: int = 10
    inferenceBatchWindowSeconds: int = 1
    inferenceMaxReceiveCount: int = 8
    detectConcurrency: int = 4
    detectReservedConcurrency: int | None = None
    onModelStopped: str = "start"
    championCacheSeconds: int = 60
    idleCheckMinutes: int = 1
    maxInferenceUnitHoursPerDay: float | None = None
    requireApproval: bool = False
    approvalTimeoutHours: float = 24.0
    promoteAfterApproval: bool = False
    productionAccount: str | None = None
    productionRegion: str | None = None
    trainingAccount: str | None = None
    inferenceUnitTps: float = 5.0
    detectLatencySeconds: float = 0.5
    batchImagesPerChild: int = 25
    batchMaxConcurrency: int | None = None
    batchToleratedFailurePercent: float = 5.0
    videoFramesPerSecond: float = 1.0
    reviewBelowConfidence: float | None = None
    retrainAfterImages: int | None = None
    driftCheckMinutes: int = 60
    driftWindowHours: float = 24.0
    driftMinImages: int = 30
    driftMaxDivergence: float = 0.1
    driftMaxNoLabelIncrease: float = 0.2
    driftMaxLowConfidenceIncrease: float = 0.25
    shadowMinAgreement: float | None = None

    def __post_init__(self) -> None:
        if self.maxInferenceUnits < self.minInferenceUnits:
            raise ConfigError(
                f"maxInferenceUnits ({self.maxInferenceUnits}) must be >= minInferenceUnits "
                f"({self.minInferenceUnits})"
            )
        if self.promoteAfterApproval and not (self.productionAccount and self.requireApproval):
            raise ConfigError(
                "promoteAfterApproval starts the production promotion after a person approves: it needs "
                f"productionAccount (now {self.productionAccount}) and requireApproval true (now "
                f"{str(self.requireApproval).lower()})"
            )
        if self.consoleBucketSuffix and not _BUCKET_SUFFIX.match(self.consoleBucketSuffix):
            raise ConfigError(
                f"consoleBucketSuffix {self.consoleBucketSuffix!r} is not allowed: "
                f"{RULES['consoleBucketSuffix'].help}"
            )

    @property
    def training_poll_attempts(self) -> int:
        """Attempts of the training wait loop: enough polls to cover maxTrainingHours."""
        return -(-self.maxTrainingHours * 3600 // self.trainingPollSeconds)

    @property
    def model_poll_attempts(self) -> int:
        return -(-self.modelStartTimeoutMinutes * 60 // self.modelPollSeconds)

    @property
    def batch_max_concurrency(self) -> int:
        """Child workflows at once, by the README's sizing rule: calls in flight = inference units x
        per-unit throughput x latency + 20%, and each child keeps ``detectConcurrency`` calls in flight."""
        if self.batchMaxConcurrency is not None:
            return self.batchMaxConcurrency
        per_second = self.maxInferenceUnits * self.inferenceUnitTps
        in_flight = math.ceil(per_second * self.detectLatencySeconds * 1.2)
        return max(1, math.ceil(in_flight / self.detectConcurrency))


def _describe(name: str, rule: _Rule) -> str:
    if rule.help:
        return rule.help
    if rule.choices:
        return "one of " + ", ".join(rule.choices)
    if rule.kind is bool:
        return "true or false"
    kind = "a number" if rule.kind is float else "a whole number"
    text = f"{kind} from {rule.low:g} to {rule.high:g}"
    return text + (" or null" if rule.nullable else "")


def _coerce(name: str, raw: Any, rule: _Rule) -> Any:
    """Accept JSON values from cdk.json and strings from ``-c key=value``."""
    value = raw
    if isinstance(raw, str) and rule.kind is not str:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
    if value is None:
        if rule.nullable:
            return None
        raise ConfigError(f"context {name} is required: {_describe(name, rule)}")
    if rule.kind is bool:
        if isinstance(value, bool):
            return value
    elif rule.kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and rule.low <= value <= rule.high:
            return value
    elif rule.kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool) and rule.low <= value <= rule.high:
            return float(value)
    elif (
        isinstance(value, str)
        and (not rule.choices or value in rule.choices)
        and (not rule.pattern or rule.pattern.match(value))
    ):
        return value
    raise ConfigError(f"context {name}={raw!r} is not allowed: expected {_describe(name, rule)}")


def config_from_mapping(defaults: dict[str, Any], overrides: dict[str, Any] | None = None) -> Config:
    overrides = overrides or {}
    unknown = sorted(set(defaults) - set(RULES))
    if unknown:
        raise ConfigError(f"unknown setting(s) in context {CONTEXT_KEY}: {', '.join(unknown)}")
    values = {}
    for field in fields(Config):
        name = field.name
        raw = overrides[name] if name in overrides else defaults.get(name, field.default)
        values[name] = _coerce(name, raw, RULES[name])
    return Config(**values)


def validated(config: Config) -> Config:
    """Props built in code (the construct library) pass the same range checks as context values."""
    return config_from_mapping({}, asdict(config))


def load_config(node: _ContextNode) -> Config:
    defaults = node.try_get_context(CONTEXT_KEY) or {}
    overrides = {name: node.try_get_context(name) for name in RULES}
    return config_from_mapping(defaults, {k: v for k, v in overrides.items() if v is not None})
