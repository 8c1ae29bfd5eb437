"""Colour: Lab statistics, and anchoring that keeps a long render's colours near frame 0's."""

from __future__ import annotations

import math

import numpy as np

from dreamzoom import colour, metrics

from .conftest import render_frames


def drift(strength: float, count: int) -> tuple[np.ndarray, np.ndarray]:
    frames = render_frames(
        size=[64, 64], frames=count, colour={"strength": strength}, dream={"steps": 3, "octaves": 1}
    )
    lightness = np.array([metrics.luminance(frame) for frame in frames])
    colourfulness = np.array([metrics.saturation(frame) for frame in frames])
    return lightness / lightness[0], colourfulness / colourfulness[0]


def test_colour_anchoring_keeps_300_frames_within_ten_percent_of_frame_0():
    lightness, colourfulness = drift(0.25, 300)
    assert np.abs(lightness - 1).max() <= 0.10
    assert np.abs(colourfulness - 1).max() <= 0.10
    _, unanchored = drift(0.0, 120)
    assert unanchored.max() > 1.3, "without anchoring, colours run away"


def test_anchor_matches_lab_statistics():
    rng = np.random.default_rng(0)
    reference = colour.stats(rng.uniform(0.3, 0.7, (32, 32, 3)).astype(np.float32))
    garish = rng.uniform(0.0, 1.0, (32, 32, 3)).astype(np.float32)
    anchored = colour.stats(colour.anchor(garish, reference, 1.0))
    assert np.allclose(anchored.mean[0], reference.mean[0], atol=1.0)
    assert math.isclose(anchored.chroma, reference.chroma, rel_tol=0.05)
    assert colour.anchor(garish, reference, 0.0) is garish
