"""The models the local service trains: image-level classifiers and a sliding-window box detector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from customlabels.evaluation import Box, iou
from local.emulator.features import image_features, window_features

BACKGROUND = "__outside_boxes__"
DETECTOR_SIDE = 128
CANDIDATE_FLOOR = 0.05
MAX_DETECTIONS = 50


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # 0-1
    box: Box | None = None  # pixels of the input image


class ImageClassifier:
    """Image-level labels. Single-label: one multinomial model; multi-label: one binary model per label."""

    def __init__(self, labels: Sequence[str], multi_label: bool, seed: int = 0) -> None:
        self.labels = sorted(labels)
        self.multi_label = multi_label
        estimator = LogisticRegression(C=0.5, max_iter=600, random_state=seed)
        self._model = make_pipeline(
            StandardScaler(), OneVsRestClassifier(estimator) if multi_label else estimator
        )

    def fit(self, images: Sequence[Image.Image], labels: Sequence[frozenset[str]]) -> ImageClassifier:
        features = np.stack([image_features(image) for image in images])
        if self.multi_label:
            target = np.array([[label in image_labels for label in self.labels] for image_labels in labels])
        else:
            target = np.array([self.labels.index(next(iter(image_labels))) for image_labels in labels])
        self._model.fit(features, target)
        return self

    def predict(self, image: Image.Image) -> list[Prediction]:
        probabilities = self._model.predict_proba(image_features(image)[None])[0]
        if not self.multi_label:
            classes = self._model.classes_
            probabilities = [
                probabilities[list(classes).index(i)] if i in classes else 0.0
                for i in range(len(self.labels))
            ]
        return [Prediction(label, float(p)) for label, p in zip(self.labels, probabilities, strict=True)]


class BoxDetector:
    """Windows of learned box shapes slide over the image; a classifier learned from the boxes (plus
    the extra label for the area outside boxes) scores them; non-maximum suppression keeps the best."""

    def __init__(self, labels: Sequence[str], seed: int = 0) -> None:
        self.labels = sorted(labels)
        self._rng = np.random.default_rng(seed)
        self._seed = seed
        self._shapes = np.empty((0, 2))
        self._model = make_pipeline(
            StandardScaler(), LogisticRegression(C=0.5, max_iter=800, random_state=seed)
        )

    def fit(self, images: Sequence[Image.Image], boxes: Sequence[Sequence[tuple[str, Box]]]) -> BoxDetector:
        scaled = [
            (_scaled(image), [(label, _scale_box(box, _factor(image))) for label, box in image_boxes])
            for image, image_boxes in zip(images, boxes, strict=True)
        ]
        dims = np.array([(b.width, b.height) for _, image_boxes in scaled for _, b in image_boxes])
        clusters = min(6, len(np.unique(dims.round(), axis=0)))
        kmeans = KMeans(n_clusters=clusters, n_init=4, random_state=self._seed).fit(np.log(dims))
        self._shapes = np.exp(kmeans.cluster_centers_)
        features, targets = [], []
        for (gray, colour), image_boxes in scaled:
            windows, names = self._training_windows(gray.size, image_boxes)
            features.append(window_features(gray, colour, windows))
            targets.extend(names)
        self._model.fit(np.concatenate(features), np.array(targets))
        return self

    def _training_windows(self, size: tuple[int, int], image_boxes: list[tuple[str, Box]]):
        windows, names = [], []
        for label, box in image_boxes:
            windows.append(box)
            names.append(label)
            for _ in range(4):
                jittered = _jitter(box, self._rng, size)
                if iou(jittered, box) >= 0.6:
                    windows.append(jittered)
                    names.append(label)
        truth = [box for _, box in image_boxes]
        for window in self._proposals(size, stride_divisor=2):
            if all(iou(window, box) < 0.3 for box in truth) and self._rng.random() < 0.25:
                windows.append(window)
                names.append(BACKGROUND)
        return np.array([(w.left, w.top, w.width, w.height) for w in windows]), names

    def _proposals(self, size: tuple[int, int], stride_divisor: int = 4) -> list[Box]:
        width, height = size
        proposals = []
        for box_width, box_height in self._shapes:
            box_width, box_height = min(box_width, width), min(box_height, height)
            stride = max(2.0, min(box_width, box_height) / stride_divisor)
            for top in np.arange(0, height - box_height + 1, stride):
                for left in np.arange(0, width - box_width + 1, stride):
                    proposals.append(Box(float(left), float(top), float(box_width), float(box_height)))
        return proposals

    def predict(self, image: Image.Image) -> list[Prediction]:
        gray, colour = _scaled(image)
        proposals = self._proposals(gray.size)
        windows = np.array([(w.left, w.top, w.width, w.height) for w in proposals])
        probabilities = self._model.predict_proba(window_features(gray, colour, windows))
        classes = list(self._model.classes_)
        foreground = [i for i, name in enumerate(classes) if name != BACKGROUND]
        best = np.array(foreground)[probabilities[:, foreground].argmax(axis=1)]
        scores = probabilities[np.arange(len(proposals)), best]
        order = np.argsort(-scores)
        kept: list[Prediction] = []
        factor = _factor(image)
        for index in order:
            if scores[index] < CANDIDATE_FLOOR or len(kept) >= MAX_DETECTIONS:
                break
            box = _scale_box(proposals[index], 1 / factor)
            if all(iou(box, other.box) < 0.3 for other in kept):
                kept.append(Prediction(classes[best[index]], float(scores[index]), box))
        return kept


def _factor(image: Image.Image) -> float:
    return DETECTOR_SIDE / max(image.size)


def _scaled(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    factor = _factor(image)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    colour = image.resize(size, Image.Resampling.BILINEAR)
    return colour.convert("L"), colour


def _scale_box(box: Box, factor: float) -> Box:
    return Box(box.left * factor, box.top * factor, box.width * factor, box.height * factor)


def _jitter(box: Box, rng: np.random.Generator, size: tuple[int, int]) -> Box:
    dx, dy, sw, sh = rng.uniform(-0.12, 0.12, 4)
    width, height = box.width * (1 + sw), box.height * (1 + sh)
    left = min(max(box.left + dx * box.width, 0.0), size[0] - width)
    top = min(max(box.top + dy * box.height, 0.0), size[1] - height)
    return Box(max(left, 0.0), max(top, 0.0), width, height)
