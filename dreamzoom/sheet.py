"""Contact sheets: many labelled stills on one image, to compare layers or channels at a glance; and
the figures with curves (``inspect``'s sheet, ``audio``'s envelopes), drawn alike."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

_LABEL_HEIGHT = 22


def contact_sheet(
    cells: list[tuple[str, np.ndarray]], columns: int | None = None, gap: int = 4
) -> np.ndarray:
    """Lay out 8-bit RGB stills of equal size in a grid, each with its label in a strip beneath.

    ``columns`` defaults to a near-square grid.
    """
    if not cells:
        raise ValueError("a contact sheet needs at least one still")
    height, width = cells[0][1].shape[:2]
    columns = columns or math.ceil(math.sqrt(len(cells)))
    rows = math.ceil(len(cells) / columns)
    cell_h = height + _LABEL_HEIGHT
    sheet = np.full(
        (rows * cell_h + (rows + 1) * gap, columns * width + (columns + 1) * gap, 3), 24, np.uint8
    )
    for index, (label, still) in enumerate(cells):
        top = gap + (index // columns) * (cell_h + gap)
        left = gap + (index % columns) * (width + gap)
        sheet[top : top + height, left : left + width] = still
        scale = min(0.5, 0.9 * width / max(1, 10 * len(label)))
        cv2.putText(
            sheet,
            label,
            (left + 3, top + height + 16),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale * 1.0,
            (235, 235, 235),
            1,
            cv2.LINE_AA,
        )
    return sheet


def pyplot() -> Any:
    """matplotlib's ``pyplot``, drawing to files only (the Agg backend: no window, and no display
    needed); imported here, when a figure is drawn, as matplotlib is slow to import."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def curve_axis(axis: Any, label: str, fontsize: float = 8) -> None:
    """One curve's axes as every figure draws them: the label level at the left, small ticks, a
    faint grid."""
    axis.set_ylabel(label, fontsize=fontsize, rotation=0, ha="right", va="center")
    axis.tick_params(labelsize=8)
    axis.grid(alpha=0.3)


def save_figure(figure: Any, path: Path) -> Path:
    """Lay ``figure`` out and write it to ``path`` (making its folder), closing it whatever happens
    (pyplot keeps every open figure); a failed write raises its ``OSError`` for the caller to name."""
    try:
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
    finally:
        pyplot().close(figure)
    return path
