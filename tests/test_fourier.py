"""The Fourier climb: its scale is numpy's 1/f, its steps have a natural image's 1/f spectrum
whatever the gradient's, and Adam's moments carry from step to step."""

from __future__ import annotations

import numpy as np

from dreamzoom import fourier
from dreamzoom.backend import ops


def radial_slope(image: np.ndarray) -> float:
    """The slope of log amplitude against log frequency of a square ``(H, W, 3)`` image."""
    amplitude = np.abs(np.fft.fft2(image - image.mean(axis=(0, 1)), axes=(0, 1))).mean(axis=2)
    fy, fx = np.meshgrid(np.fft.fftfreq(image.shape[0]), np.fft.fftfreq(image.shape[1]), indexing="ij")
    radius = np.hypot(fy, fx)
    keep = (radius > 0.02) & (radius < 0.45)
    return float(np.polyfit(np.log(radius[keep]), np.log(amplitude[keep]), 1)[0])


def test_the_spectrum_scale_is_one_over_frequency_but_leaves_the_mean():
    height, width = 6, 9
    fy, fx = np.fft.fftfreq(height)[:, None], np.fft.rfftfreq(width)[None, :]
    expected = 1 / np.maximum(np.hypot(fy, fx), 1 / width)
    expected[0, 0] = 0.0  # the mean colour stays
    scale = fourier.spectrum_scale(ops.convert_to_tensor(height), ops.convert_to_tensor(width))
    scale = ops.convert_to_numpy(scale)
    np.testing.assert_allclose(scale, expected / expected.max(), rtol=1e-5)


def test_a_step_has_a_natural_spectrum_whatever_the_gradient():
    white = np.random.default_rng(0).standard_normal((96, 96, 3)).astype(np.float32)
    change, moments = fourier.direction(ops.convert_to_tensor(white), fourier.fresh(96, 96))
    change = ops.convert_to_numpy(change)
    assert abs(radial_slope(white)) < 0.1
    assert -1.15 < radial_slope(change) < -0.85, "amplitude falls as 1/f, as in photos"
    assert change.shape == white.shape and float(moments.count) == 1.0
    np.testing.assert_allclose(change.mean(axis=(0, 1)), 0.0, atol=1e-6)


def test_adam_moments_carry_from_step_to_step():
    gradient = ops.convert_to_tensor(np.random.default_rng(1).standard_normal((32, 48, 3)).astype(np.float32))
    first, moments = fourier.direction(gradient, fourier.fresh(32, 48))
    again, later = fourier.direction(gradient, moments)
    first, again = ops.convert_to_numpy(first), ops.convert_to_numpy(again)
    np.testing.assert_allclose(again, first, rtol=1e-3, atol=1e-6)
    reversed_step = ops.convert_to_numpy(fourier.direction(-gradient, later)[0])
    assert float(later.count) == 2.0
    # momentum: after two steps one way, a step the other way is short and still points the first way
    assert np.abs(reversed_step).mean() < 0.5 * np.abs(first).mean()
    assert float(np.sum(reversed_step * first)) > 0
