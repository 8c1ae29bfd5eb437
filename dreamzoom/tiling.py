"""Tiles: the gradient of a frame too large for the network at once, taken a tile at a time.

Each tile is seen with a margin of context around it, so that neighbouring tiles agree where they
meet, and starts at a multiple of :data:`ALIGN` pixels, the networks' total stride, so that every
tile's strided layers sample the same grid the whole frame's would. A tile's mean-based objective is
spread over its own area: its gradient is weighed by its share of the frame, and the frame's
objective is the tiles' own, weighed by the share each gives a gradient for.

The functions here only cut, weigh and join; the gradient of one tile comes from the caller (the
dream step's compiled gradient), so that they can be checked with any function of a tile.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import autodiff, prior
from .backend import Tensor, ops

#: Where tiles may start: the networks' total stride, in pixels.
ALIGN = 32
#: How far apart the seeds of neighbouring rows of tiles lie (a row has fewer tiles than this).
_ROW_SEEDS = 4096

#: The gradient of one tile and the objective there: ``(tile, seed) → (gradient, value)``.
TileGradient = Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]


def tile_spans(length: int, tile: int, align: int = 1) -> list[tuple[int, int]]:
    """Split ``[0, length)`` into the fewest near-equal spans no longer than ``tile`` (about), each
    starting at a multiple of ``align``."""
    count = max(1, math.ceil(length / tile))
    edges = [min(length, round(i * length / count / align) * align) for i in range(count)] + [length]
    return [(start, end) for start, end in itertools.pairwise(edges) if end > start]


@dataclass(frozen=True)
class Tile:
    """One tile of a frame: the rows ``y0:y1`` and columns ``x0:x1`` it gives the gradient of, and
    the window ``top:bottom``, ``left:right`` it sees (those with their margin, within the frame).
    ``row`` and ``column`` number it."""

    row: int
    column: int
    y0: int
    y1: int
    x0: int
    x1: int
    top: int
    bottom: int
    left: int
    right: int

    def seed(self, seed: np.ndarray) -> np.ndarray:
        """The tile's own seed for its noise and crops, from the step's ``seed``."""
        offset = (int(seed[1]) + self.row * _ROW_SEEDS + self.column) % 2**31
        return np.array([seed[0], offset], np.int32)


def tiled(height: int, width: int, size: int) -> bool:
    """Whether a ``height × width`` frame is dreamed in tiles of ``size`` (0: never)."""
    return 0 < size < max(height, width)


def tiles(height: int, width: int, size: int, margin: int) -> list[list[Tile]]:
    """The tiles of a ``height × width`` frame, row by row: about ``size`` pixels a side, each seeing
    ``margin`` pixels (rounded up to :data:`ALIGN`) beyond its edges where the frame goes on."""
    margin = math.ceil(margin / ALIGN) * ALIGN
    rows = []
    for row, (y0, y1) in enumerate(tile_spans(height, size, ALIGN)):
        top, bottom = max(0, y0 - margin), min(height, y1 + margin)
        rows.append(
            [
                Tile(row, column, y0, y1, x0, x1, top, bottom, max(0, x0 - margin), min(width, x1 + margin))
                for column, (x0, x1) in enumerate(tile_spans(width, size, ALIGN))
            ]
        )
    return rows


def gradient(
    tile_gradient: TileGradient,
    image: Tensor,
    size: int,
    margin: int,
    seed: np.ndarray,
    view: np.ndarray | None = None,
) -> tuple[Tensor, Tensor]:
    """The gradient of the objective for ``image`` (``(H, W, 3)``), tile by tile (see :func:`tiles`),
    and the objective's value; seen through ``view`` (a :func:`prior.view_transforms` row) if given.

    The view turns the whole frame once, about its centre, as the untiled network would see it, and
    its tiles' gradient is carried back through the turn: each tile turned on its own would leave every
    tile off the strided layers' grid."""
    if view is None:
        return _over_tiles(tile_gradient, image, size, margin, seed)
    turned, pullback = autodiff.vjp(lambda frame: prior.views(frame, ops.convert_to_tensor(view))[0], image)
    view_gradient, value = _over_tiles(tile_gradient, turned, size, margin, seed)
    return pullback(view_gradient), value


def _over_tiles(
    tile_gradient: TileGradient, image: Tensor, size: int, margin: int, seed: np.ndarray
) -> tuple[Tensor, Tensor]:
    """Each tile's gradient cut to the part it gives and weighed by its window's share of the frame,
    joined; and the objective, the tiles' own weighed by their parts' shares."""
    height, width = int(image.shape[0]), int(image.shape[1])
    area, value = height * width, ops.zeros((), "float32")
    rows: list[Tensor] = []
    for line in tiles(height, width, size, margin):
        row: list[Tensor] = []
        for tile in line:
            seen = image[tile.top : tile.bottom, tile.left : tile.right]
            part, part_value = tile_gradient(seen, ops.convert_to_tensor(tile.seed(seed)))
            weight = (tile.bottom - tile.top) * (tile.right - tile.left) / area
            cut = part[tile.y0 - tile.top : tile.y1 - tile.top, tile.x0 - tile.left : tile.x1 - tile.left]
            row.append(cut * weight)
            value = value + part_value * ((tile.y1 - tile.y0) * (tile.x1 - tile.x0) / area)
        rows.append(ops.concatenate(row, axis=1))
    return ops.concatenate(rows, axis=0), value
