"""Contact sheets: many labelled stills on one image, to compare layers or channels at a glance."""

from __future__ import annotations

import math

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
