"""The camera move between frames: zoom, rotation and pan about the frame centre, as one affine map.

Transforms are 3×3 matrices in pixel coordinates mapping a point of the previous frame to where it
appears in the next, so moves compose by matrix product and every frame is resampled once, with a
Lanczos kernel and mirrored borders (no black corners when zooming out or rotating).
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def transform(size: tuple[int, int], zoom: float, rotate: float, pan: tuple[float, float]) -> np.ndarray:
    """The 3×3 map for one frame of motion in a frame of ``size = (width, height)``.

    ``zoom`` > 1 magnifies about the centre, ``rotate`` turns the picture counter-clockwise by that
    many degrees, and ``pan = (x, y)`` moves the camera by that many pixels (the picture moves the
    opposite way).
    """
    width, height = size
    cx, cy = (width - 1) / 2, (height - 1) / 2
    angle = math.radians(rotate)
    # Screen y points down, so a counter-clockwise turn on screen is (x, y) → (x cos + y sin, −x sin + y cos).
    a, b = zoom * math.cos(angle), zoom * math.sin(angle)
    return np.array(
        [
            [a, b, cx - a * cx - b * cy - pan[0]],
            [-b, a, cy + b * cx - a * cy - pan[1]],
            [0.0, 0.0, 1.0],
        ]
    )


def apply(frame: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Resample ``frame`` through ``matrix`` once: Lanczos, mirrored borders, values kept in [0, 1]."""
    height, width = frame.shape[:2]
    warped = cv2.warpAffine(
        frame,
        matrix[:2],
        (width, height),
        flags=cv2.INTER_LANCZOS4,
        borderMode=cv2.BORDER_REFLECT_101,
    )
    return np.clip(warped, 0.0, 1.0, out=warped)


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Where points ``(x, y)`` of one frame land in the next."""
    points = np.asarray(points, np.float64)
    return points @ matrix[:2, :2].T + matrix[:2, 2]
