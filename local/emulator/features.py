"""Image descriptors for the local models: gray thumbnail, gradient-orientation histograms, colour."""

from __future__ import annotations

import numpy as np
from PIL import Image

ORIENTATIONS = 8


def gradient_histograms(patches: np.ndarray, cell: int) -> np.ndarray:
    """HOG-like descriptor of a batch of gray patches (N, H, W): per-cell unsigned orientation histograms."""
    gx = np.zeros_like(patches)
    gy = np.zeros_like(patches)
    gx[:, :, 1:-1] = patches[:, :, 2:] - patches[:, :, :-2]
    gy[:, 1:-1, :] = patches[:, 2:, :] - patches[:, :-2, :]
    magnitude = np.hypot(gx, gy)
    orientation = np.mod(np.arctan2(gy, gx), np.pi)
    bins = np.minimum((orientation / np.pi * ORIENTATIONS).astype(int), ORIENTATIONS - 1)
    n, h, w = patches.shape
    cells = []
    for b in range(ORIENTATIONS):
        weighted = np.where(bins == b, magnitude, 0.0).reshape(n, h // cell, cell, w // cell, cell)
        cells.append(weighted.sum(axis=(2, 4)))
    histogram = np.stack(cells, axis=-1).reshape(n, -1)
    return histogram / (np.linalg.norm(histogram, axis=1, keepdims=True) + 1e-6)


def _standardise(batch: np.ndarray) -> np.ndarray:
    flat = batch.reshape(len(batch), -1)
    return (flat - flat.mean(axis=1, keepdims=True)) / (flat.std(axis=1, keepdims=True) + 1e-3)


def image_features(image: Image.Image) -> np.ndarray:
    """A fixed-length descriptor of a whole image (image-level labels)."""
    gray = image.convert("L")
    thumb = np.asarray(gray.resize((16, 16), Image.Resampling.BOX), dtype=np.float32)[None] / 255.0
    detail = np.asarray(gray.resize((32, 32), Image.Resampling.BOX), dtype=np.float32)[None] / 255.0
    colour = np.asarray(image.resize((4, 4), Image.Resampling.BOX), dtype=np.float32).reshape(1, -1) / 255.0
    return np.concatenate([_standardise(thumb), gradient_histograms(detail, 8) * 4, colour], axis=1)[0]


def window_features(gray: Image.Image, colour: Image.Image, boxes: np.ndarray) -> np.ndarray:
    """Descriptors of many windows (rows of left, top, width, height in pixels of the given images)."""
    patches, means = [], []
    for left, top, width, height in boxes:
        area = (int(left), int(top), int(left + width), int(top + height))
        patches.append(
            np.asarray(gray.resize((16, 16), Image.Resampling.BILINEAR, box=area), dtype=np.float32)
        )
        means.append(
            np.asarray(colour.resize((1, 1), Image.Resampling.BOX, box=area), dtype=np.float32)[0, 0]
        )
    batch = np.stack(patches) / 255.0
    shape = np.column_stack([boxes[:, 2] / boxes[:, 3], np.log(boxes[:, 2] * boxes[:, 3])])
    thumbs = np.stack([np.asarray(Image.fromarray(p).resize((8, 8), Image.Resampling.BOX)) for p in batch])
    return np.concatenate(
        [_standardise(thumbs), gradient_histograms(batch, 4) * 4, np.stack(means) / 255.0, shape], axis=1
    )
