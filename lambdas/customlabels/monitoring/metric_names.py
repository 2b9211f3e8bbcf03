"""Names of the drift metrics: the drift check publishes them, infra alarms and charts on them."""

DRIFT_DETECTED = "DriftDetected"
LABEL_SHARE = "LabelShare"
WINDOW_IMAGES = "DriftWindowImages"
DIVERGENCE = "LabelMixDivergence"
NO_LABEL_RATE = "NoLabelRate"
LOW_CONFIDENCE_RATE = "LowConfidenceRate"
