"""Colour statistics of frames: measuring drift and anchoring it.

Feedback loops drift: each dream pass nudges contrast and saturation up and brightness down, and
over hundreds of frames the picture turns dark and garish. Anchoring moves each dreamed frame's
per-channel mean and spread in CIE Lab part of the way back to a reference frame's, which keeps the
palette while leaving the dream's structure alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Stats:
    """Per-channel mean and standard deviation of a frame in Lab, and its mean chroma (colourfulness)."""

    mean: np.ndarray
    std: np.ndarray
    chroma: float


def lab(frame: np.ndarray) -> np.ndarray:
    """Float RGB in [0, 1] → Lab (L in 0–100)."""
    return cv2.cvtColor(np.ascontiguousarray(frame, np.float32), cv2.COLOR_RGB2Lab)


def stats(frame: np.ndarray) -> Stats:
    """The Lab statistics of a frame."""
    return _stats_of_lab(lab(frame))


def _stats_of_lab(values: np.ndarray) -> Stats:
    values = values.reshape(-1, 3)
    return Stats(values.mean(axis=0), values.std(axis=0), float(np.hypot(values[:, 1], values[:, 2]).mean()))


def anchor(frame: np.ndarray, reference: Stats, strength: float) -> np.ndarray:
    """Move the frame's colour statistics ``strength`` of the way to ``reference``'s.

    Each Lab channel's mean and spread are matched, then ``a`` and ``b`` are scaled together so that
    the mean chroma matches too: per-channel matching alone lets colourfulness creep up, since the
    dream spreads hues in ways that keep each channel's spread but not their joint one.
    """
    if strength <= 0:
        return frame
    values = lab(frame)
    own = _stats_of_lab(values)
    matched = (values - own.mean) / np.maximum(own.std, 1e-3) * reference.std + reference.mean
    chroma = float(np.hypot(matched[..., 1], matched[..., 2]).mean())
    matched[..., 1:] *= reference.chroma / max(chroma, 1e-3)
    values += strength * (matched - values)
    rgb = cv2.cvtColor(values.astype(np.float32, copy=False), cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0)
