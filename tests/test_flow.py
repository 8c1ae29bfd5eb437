"""Optical flow: a known shift is measured, carried detail follows it, and occlusions are found."""

from __future__ import annotations

import numpy as np

from dreamzoom import flow


def shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``image``'s content moved ``dx`` right and ``dy`` down (edges repeated)."""
    return np.roll(np.roll(image, dy, axis=0), dx, axis=1)


def test_a_known_shift_is_measured_and_warping_along_it_undoes_it(photo):
    a = photo
    b = shifted(a, 3, -2)
    backward = flow.dense(b, a)  # for each pixel of b, where its content is in a
    inner = (slice(8, -8), slice(8, -8))
    np.testing.assert_allclose(np.median(backward[inner].reshape(-1, 2), axis=0), [-3, 2], atol=0.1)
    assert np.abs(flow.warp(a, backward) - b)[inner].mean() < 0.02


def test_the_dream_is_carried_as_detail_along_the_motion_and_the_new_input_stays(photo):
    previous = photo
    detail = np.zeros_like(previous)
    detail[40:60, 40:60] = 0.3  # what dreaming added to the previous frame
    current = shifted(previous, 4, 0) * 0.9  # the scene moved right and got darker
    carried = flow.carried(np.clip(previous + detail, 0, 1), previous, current, carry=1.0)
    added = carried - current
    assert added[40:60, 46:62].mean() > 0.2, "the detail moved with the content"
    assert added[40:60, 60:64].mean() > 0.2 and np.abs(added[40:60, 40:44]).mean() < 0.05, (
        "and left its place"
    )
    assert np.abs(added[80:, :]).mean() < 0.02, "elsewhere the new frame is the new input"
    assert np.array_equal(flow.carried(previous + detail, previous, current, carry=0.0), current)


def test_revealed_areas_are_unreliable(photo):
    a = photo
    b = a.copy()
    b[30:70, 30:70] = shifted(a, 10, 0)[30:70, 30:70]  # a square moves, uncovering what was behind it
    mask = flow.reliable(flow.dense(b, a), flow.dense(a, b))
    assert mask[80:, :].mean() > 0.9, "the still background is reliable"
    assert mask[30:70, 30:40].mean() < mask[80:, :].mean() - 0.3, "the square's edges are not"


def test_content_that_came_in_over_the_edge_has_nothing_to_carry(photo):
    previous = photo
    current = shifted(previous, -6, 0)  # the camera pans right: new content enters at the right edge
    mask = flow.reliable(flow.dense(current, previous), flow.dense(previous, current))
    assert mask[20:-20, -5:].max() < 0.5, "the entering strip"
    assert mask[20:-20, 20:-20].mean() > 0.9, "the rest"
