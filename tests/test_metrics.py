"""Metrics: the measures that tests, benchmarks, telemetry and warnings share, on frames whose
answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dreamzoom import metrics


def flat(value: float | tuple[float, float, float], size: int = 8) -> np.ndarray:
    """A frame of one float RGB colour."""
    return np.broadcast_to(np.asarray(value, np.float32), (size, size, 3)).copy()


def test_lightness_and_chroma_of_known_colours():
    assert metrics.luminance(flat(1.0)) == pytest.approx(100.0, abs=0.01)
    assert metrics.luminance(flat(0.0)) == pytest.approx(0.0, abs=0.01)
    assert metrics.saturation(flat(0.5)) == pytest.approx(0.0, abs=0.01), "greys have no chroma"
    assert metrics.saturation(flat((1.0, 0.0, 0.0))) == pytest.approx(104.6, abs=0.5), "sRGB red"


def test_high_frequency_is_zero_for_a_flat_frame_and_grows_with_fine_detail():
    checkers = np.indices((8, 8)).sum(axis=0) % 2
    fine = np.repeat(checkers[..., None], 3, axis=2).astype(np.float32)
    assert metrics.high_frequency(flat(0.5)) == 0.0
    assert metrics.high_frequency(fine) > metrics.high_frequency(0.5 * fine) > 0.0


def test_change_is_in_8_bit_levels_for_float_and_uint8_frames():
    assert metrics.change(flat(0.0), flat(0.1)) == pytest.approx(25.5, rel=1e-5)
    dark, light = np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 26, np.uint8)
    assert metrics.change(dark, light) == 26.0


def test_seam_compares_the_jump_back_to_the_first_frame_with_the_median_change():
    assert metrics.seam([1.0, 2.0, 9.0], 4.0) == 2.0
    assert metrics.seam([0.0, 0.0], 1.0) == math.inf, "a still render has no typical change"


def test_psnr_is_infinite_for_equal_frames_and_takes_the_peak_of_the_scale():
    a, b = flat(0.5), flat(0.6)  # every difference 0.1: MSE 0.01
    assert metrics.psnr(a, a) == math.inf
    assert metrics.psnr(a, b) == pytest.approx(20.0, abs=1e-4)
    assert metrics.psnr(255 * a, 255 * b, peak=255.0) == pytest.approx(20.0, abs=1e-4)


def test_ssim_is_one_for_equal_frames_and_falls_with_noise():
    rng = np.random.default_rng(0)
    frame = rng.uniform(0.2, 0.8, (32, 32, 3)).astype(np.float32)
    noisy = np.clip(frame + rng.normal(0, 0.2, frame.shape), 0, 1).astype(np.float32)
    assert metrics.ssim(frame, frame) == pytest.approx(1.0)
    assert metrics.ssim(frame, noisy) < 0.9


def test_drift_warns_when_colours_run_away_from_frame_0_and_each_kind_once():
    grey, dark, red = flat(0.5), flat(0.1), flat((1.0, 0.0, 0.0))
    assert metrics.drift(grey, metrics.luminance(grey), metrics.saturation(grey)) is None
    assert metrics.drift(dark, metrics.luminance(grey), 0.0).startswith(
        "luminance collapsing: L* 9 against 53"
    )
    assert metrics.drift(red, metrics.luminance(red), 10.0).startswith("saturation exploding: chroma 105")
    watch = metrics.DriftWatch(every=8)
    assert watch.check(0, grey, grey) is None
    assert watch.check(7, dark, grey) is None, "only every 8th frame is measured"
    assert watch.check(8, dark, grey).startswith("luminance collapsing")
    assert watch.check(16, dark, grey) is None, "a run that stays drifted is reported once"


def test_a_telemetry_row_measures_the_frame_it_names():
    row = metrics.telemetry_row(flat(1.0), 4, True, 0.25, 1.5)
    assert row["frame"] == 4 and row["dreamed"] is True and row["objective"] == 0.25 and row["seconds"] == 1.5
    assert row["luminance"] == pytest.approx(100.0, abs=0.01) and row["saturation"] == pytest.approx(
        0.0, abs=0.01
    )
    assert row["high_frequency"] == 0.0
