"""Tiles: they cover the frame once, start on the networks' grid, and join into the whole frame's
gradient, also through a turned view of it, with no network in the way."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dreamzoom import autodiff, prior, tiling
from dreamzoom.backend import Tensor, ops


def test_spans_are_near_equal_aligned_and_cover_the_length_once():
    assert tiling.tile_spans(200, 100, 32) == [(0, 96), (96, 200)]
    assert tiling.tile_spans(100, 100, 32) == [(0, 100)]
    assert tiling.tile_spans(10, 4) == [(0, 3), (3, 7), (7, 10)]
    for length in (33, 160, 513, 1080):
        spans = tiling.tile_spans(length, 100, 32)
        assert spans[0][0] == 0 and spans[-1][1] == length
        assert all(end == start for (_, end), (start, _) in itertools.pairwise(spans))
        assert all(start % 32 == 0 for start, _ in spans)
        assert len(spans) == max(1, -(-length // 100))


def test_tiles_give_every_pixel_once_and_see_an_aligned_margin_around_it():
    rows = tiling.tiles(200, 300, 100, margin=40)
    owner = np.zeros((200, 300), int)
    for row, line in enumerate(rows):
        for column, tile in enumerate(line):
            assert (tile.row, tile.column) == (row, column)
            owner[tile.y0 : tile.y1, tile.x0 : tile.x1] += 1
            assert tile.top == max(0, tile.y0 - 64) and tile.bottom == min(200, tile.y1 + 64), "40 → 64"
            assert tile.left == max(0, tile.x0 - 64) and tile.right == min(300, tile.x1 + 64)
    assert (owner == 1).all() and (len(rows), len(rows[0])) == (2, 3)
    seeds = {tuple(tile.seed(np.array([7, 2**31 - 2], np.int32))) for line in rows for tile in line}
    assert len(seeds) == 6 and all(0 <= second < 2**31 for _, second in seeds), "each tile its own seed"
    assert tiling.tiled(200, 300, 100) and not tiling.tiled(200, 300, 300) and not tiling.tiled(200, 300, 0)


def mean_square(tile: Tensor, seed: Tensor) -> tuple[Tensor, Tensor]:
    """A mean-based objective of each pixel alone, as a network's is of each region: its gradient
    over a window is 2x spread over that window's area."""
    (value, _), gradient = autodiff.value_and_grad(lambda x: (ops.mean(x**2), None))(tile)
    return gradient, value


@pytest.fixture(scope="module")
def frame() -> Tensor:
    return ops.convert_to_tensor(np.random.default_rng(0).uniform(0, 1, (130, 170, 3)).astype(np.float32))


def test_tiled_gradients_join_into_the_whole_frames(frame):
    whole, value = mean_square(frame, ops.zeros((2,), "int32"))
    for margin in (0, 96):
        tiled, tiled_value = tiling.gradient(mean_square, frame, 64, margin, np.zeros(2, np.int32))
        np.testing.assert_allclose(ops.convert_to_numpy(tiled), ops.convert_to_numpy(whole), rtol=1e-5)
        assert float(tiled_value) == pytest.approx(float(value), rel=1e-5 if margin == 0 else 0.05)


def test_a_turned_view_is_turned_whole_then_tiled(frame):
    view = prior.view_transforms(130, 170, [prior.View(1.1, 0.2)])
    transforms = ops.convert_to_tensor(view)
    turned = autodiff.value_and_grad(lambda image: (ops.mean(prior.views(image, transforms)[0] ** 2), None))
    (value, _), whole = turned(frame)
    tiled, tiled_value = tiling.gradient(mean_square, frame, 64, 96, np.zeros(2, np.int32), view)
    whole = ops.convert_to_numpy(whole)
    np.testing.assert_allclose(ops.convert_to_numpy(tiled), whole, rtol=1e-4, atol=1e-9)
    assert float(tiled_value) == pytest.approx(float(value), rel=0.05)
    assert not np.allclose(whole, ops.convert_to_numpy(mean_square(frame, ops.zeros((2,), "int32"))[0]))


def test_each_tile_gets_its_own_seed(frame):
    seen: list[tuple[int, int]] = []

    def recording(tile: Tensor, seed: Tensor) -> tuple[Tensor, Tensor]:
        seen.append(tuple(int(n) for n in ops.convert_to_numpy(seed)))
        return ops.zeros_like(tile), ops.zeros((), "float32")

    tiling.gradient(recording, frame, 64, 0, np.array([5, 10], np.int32))
    assert seen == [(5, 10 + row * 4096 + column) for row in range(3) for column in range(3)]
