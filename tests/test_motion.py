"""Zoom, rotation and pan land pixels where the maths says they should."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import motion

SIZE = (96, 64)  # width, height
CENTRE = np.array([(96 - 1) / 2, (64 - 1) / 2])


def offset(dx: float, dy: float) -> np.ndarray:
    """The point ``(dx, dy)`` pixels from the frame's centre."""
    return CENTRE + np.array([dx, dy])


def blob(x: float, y: float, sigma: float = 1.5) -> np.ndarray:
    """A small white Gaussian spot at pixel (x, y) on black."""
    ys, xs = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    spot = np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma**2)).astype(np.float32)
    return np.repeat(spot[..., None], 3, axis=2)


def centroid(frame: np.ndarray, near: np.ndarray, radius: float = 8) -> np.ndarray:
    """Brightness centroid within ``radius`` of ``near`` (mirrored borders may hold copies elsewhere)."""
    ys, xs = np.mgrid[0 : frame.shape[0], 0 : frame.shape[1]]
    weight = frame[..., 0].astype(np.float64) * ((xs - near[0]) ** 2 + (ys - near[1]) ** 2 < radius**2)
    return np.array([(xs * weight).sum(), (ys * weight).sum()]) / weight.sum()


@pytest.mark.parametrize(
    ("zoom", "rotate", "pan", "start", "expected"),
    [
        (2.0, 0.0, (0, 0), offset(10, 6), offset(20, 12)),  # zoom in: away from the centre
        (0.5, 0.0, (0, 0), offset(20, -12), offset(10, -6)),  # zoom out: towards it
        (1.0, 90.0, (0, 0), offset(20, 0), offset(0, -20)),  # counter-clockwise: right → up
        (1.0, -90.0, (0, 0), offset(0, -20), offset(20, 0)),
        (1.0, 0.0, (5, -3), CENTRE, offset(-5, 3)),  # camera right and up: picture left and down
        (1.5, 90.0, (2, 0), offset(10, 0), offset(-2, -15)),
    ],
)
def test_spots_move_to_their_known_positions(zoom, rotate, pan, start, expected):
    matrix = motion.transform(SIZE, zoom, rotate, pan)
    assert np.allclose(motion.map_points(matrix, [start])[0], expected, atol=1e-9)
    moved = motion.apply(blob(*start), matrix)
    assert moved[..., 0].max() > 0.2, "the spot is still there"
    assert np.allclose(centroid(moved, expected), expected, atol=0.05)


def test_identity_leaves_the_frame_unchanged():
    frame = np.random.default_rng(0).uniform(0, 1, (SIZE[1], SIZE[0], 3)).astype(np.float32)
    assert np.abs(motion.apply(frame, motion.transform(SIZE, 1.0, 0.0, (0, 0))) - frame).max() < 1e-4


def test_zooming_out_and_rotating_mirror_the_borders_instead_of_leaving_black_corners():
    frame = np.full((SIZE[1], SIZE[0], 3), 0.6, np.float32)
    for matrix in (motion.transform(SIZE, 0.7, 0, (0, 0)), motion.transform(SIZE, 1.0, 30, (0, 0))):
        out = motion.apply(frame, matrix)
        assert np.abs(out - 0.6).max() < 1e-3


def test_output_stays_in_range_despite_lanczos_overshoot():
    frame = np.zeros((SIZE[1], SIZE[0], 3), np.float32)
    frame[:, SIZE[0] // 2 :] = 1.0  # a hard edge rings under Lanczos
    out = motion.apply(frame, motion.transform(SIZE, 1.37, 3.0, (0.3, 0.2)))
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_transforms_compose_by_matrix_product():
    a = motion.transform(SIZE, 1.1, 5.0, (1, 2))
    b = motion.transform(SIZE, 0.9, -2.0, (0, -1))
    point = np.array([[13.0, 40.0]])
    assert np.allclose(motion.map_points(b @ a, point), motion.map_points(b, motion.map_points(a, point)))


@pytest.mark.parametrize(("source", "target"), [(512, 366), (301, 200), (200, 301), (97, 512), (64, 64)])
def test_resampling_matrices_resize_as_opencv_does(source, target):
    """Octaves are resized on the device by two matrix products; they must match the host's
    resize (OpenCV's area averaging to shrink, its 8-tap Lanczos to enlarge)."""
    frame = np.random.default_rng(0).uniform(0, 1, (source, source + 7, 3)).astype(np.float32)
    rows = motion.resampling_matrix(source, target)
    columns = motion.resampling_matrix(source + 7, target + 5)
    mine = np.einsum("yh,hwc,xw->yxc", rows, frame, columns, optimize=True)
    theirs = motion.resize(frame, target + 5, target)
    assert np.abs(mine - theirs).max() < 1e-4
    assert np.allclose(rows.sum(axis=1), 1.0), "every output pixel is a weighted mean"
