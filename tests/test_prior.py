"""The natural-image prior: presets and overrides, less pixel-scale noise, octaves it leaves out."""

from __future__ import annotations

import numpy as np

from dreamzoom import config, metrics, objectives
from dreamzoom.dream import Dreamer, Params
from dreamzoom.presets import PRIOR_PRESETS, PriorSettings

from .conftest import visualise


def test_the_prior_removes_most_high_frequency_energy(squeezenet):
    plain = visualise(squeezenet, 954, "none")
    with_prior = visualise(squeezenet, 954, "auto")
    assert metrics.high_frequency(with_prior) < 0.4 * metrics.high_frequency(plain)


def test_prior_presets_and_overrides():
    assert config.Prior().settings(has_class=False) == PRIOR_PRESETS["dream"]
    assert config.Prior().settings(has_class=True) == PRIOR_PRESETS["object"]
    assert config.load({"dream": {"prior": "none"}}).dream.prior.settings(True) == PRIOR_PRESETS["none"]
    tuned = config.load({"dream": {"prior": {"preset": "object", "tv": 0.5}}}).dream.prior.settings(False)
    assert tuned.tv == 0.5 and tuned.gradient == "laplacian"


def test_a_wide_gaussian_prior_leaves_out_octaves_narrower_than_its_kernel(bundled):
    dreamer = Dreamer(bundled, objectives.layer("conv2d"), PriorSettings(gradient="gaussian", sigma=8.0))
    assert bundled.min_size(("conv2d",)) < 21 == dreamer.min_side  # the kernel's radius is 20 px
    frame = np.random.default_rng(0).uniform(0.3, 0.7, (64, 64, 3)).astype(np.float32)
    dreamed, value = dreamer.dream(frame, Params(1, 0.01, 4, 2.0, 0), np.random.default_rng(0))
    assert dreamed.shape == frame.shape and np.isfinite(value) and not np.array_equal(dreamed, frame)


def test_the_dream_preset_climbs_in_natural_colour(bundled_float32, photo):
    """Dreamed with the `dream` preset (decorrelated colour), the photo keeps its chroma and gains far
    less rainbow speckle than with the same preset in plain RGB."""
    from dataclasses import replace

    def dreamed(settings: PriorSettings) -> np.ndarray:
        dreamer = Dreamer(bundled_float32, objectives.layer("mixed3"), settings)
        return dreamer.dream(photo, Params(12, 0.01, 2, 1.5, 8), np.random.default_rng(0))[0]

    natural, neon = dreamed(PRIOR_PRESETS["dream"]), dreamed(replace(PRIOR_PRESETS["dream"], colour=False))
    assert PRIOR_PRESETS["dream"].colour
    assert metrics.colour_noise(natural) < 0.7 * metrics.colour_noise(neon)
    assert metrics.saturation(natural) < metrics.saturation(neon)
