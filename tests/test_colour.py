"""Colour: Lab statistics, and anchoring that keeps a long render's colours near frame 0's."""

from __future__ import annotations

import math

import numpy as np

from dreamzoom import colour, config, metrics

from .conftest import render_frames


def drift(strength: float, count: int, natural: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Lightness and chroma over ``count`` frames relative to frame 0's; ``natural``: the default
    prior's decorrelated-colour climb, else the same prior climbing in plain RGB."""
    dream = {"steps": 3, "octaves": 1, "prior": {"colour": natural}, "explore": None}
    frames = render_frames(
        size=[64, 64],
        frames=count,
        colour={"strength": strength},
        dream=dream,
        model={"precision": "float32"},
    )
    lightness = np.array([metrics.luminance(frame) for frame in frames])
    colourfulness = np.array([metrics.saturation(frame) for frame in frames])
    return lightness / lightness[0], colourfulness / colourfulness[0]


def test_colour_anchoring_keeps_300_frames_within_ten_percent_of_frame_0():
    lightness, colourfulness = drift(config.Colour().strength, 300)  # the default, under the default prior
    assert np.abs(lightness - 1).max() <= 0.10
    assert np.abs(colourfulness - 1).max() <= 0.10
    _, unanchored = drift(0.0, 120, natural=False)
    assert unanchored.max() > 1.3, "climbing in RGB without anchoring, colours run away"
    _, natural = drift(0.0, 120)
    assert natural.max() < 1 + (unanchored.max() - 1) / 2, "the natural-colour climb drifts far less"


def test_anchor_matches_lab_statistics():
    rng = np.random.default_rng(0)
    reference = colour.stats(rng.uniform(0.3, 0.7, (32, 32, 3)).astype(np.float32))
    garish = rng.uniform(0.0, 1.0, (32, 32, 3)).astype(np.float32)
    anchored = colour.stats(colour.anchor(garish, reference, 1.0))
    assert np.allclose(anchored.mean[0], reference.mean[0], atol=1.0)
    assert math.isclose(anchored.chroma, reference.chroma, rel_tol=0.05)
    assert colour.anchor(garish, reference, 0.0) is garish
