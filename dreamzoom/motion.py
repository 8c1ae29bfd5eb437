"""The camera move between frames: zoom, rotation and pan about the frame centre, as one affine map.

Transforms are 3×3 matrices in pixel coordinates mapping a point of the previous frame to where it
appears in the next, so moves compose by matrix product and every frame is resampled once, with a
Lanczos kernel and mirrored borders (no black corners when zooming out or rotating). Resizing
lives here too: photos are fitted to the frame with OpenCV, and the octaves of a dream, resized on
the device, use the same kernels written as matrices (:func:`resampling_matrix`).
"""

from __future__ import annotations

import functools
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


def resize(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resample to ``width × height``: area averaging to shrink (no aliasing), Lanczos to enlarge."""
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    shrinking = width * height < frame.shape[0] * frame.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4
    return cv2.resize(frame, (width, height), interpolation=interpolation)


@functools.lru_cache(maxsize=64)
def resampling_matrix(source: int, target: int) -> np.ndarray:
    """The ``target × source`` matrix that resamples a line of ``source`` pixels to ``target`` pixels
    as :func:`resize` does: area averaging to shrink, Lanczos (a = 4) to enlarge, borders clamped.

    As matrices, a resize is two matrix products, which run wherever the tensors are (TensorFlow's
    own area and Lanczos kernels run on the CPU only, so a GPU would send every octave to the host).
    """
    if target < source:  # each output pixel averages the input it covers, in proportion
        edges = np.arange(target + 1) * (source / target)
        starts, ends = edges[:-1, None], edges[1:, None]
        pixels = np.arange(source)[None]
        weights = np.clip(np.minimum(ends, pixels + 1) - np.maximum(starts, pixels), 0.0, None)
    else:  # OpenCV's Lanczos: 8 taps, a = 4
        centres = (np.arange(target) + 0.5) * (source / target) - 0.5
        taps = np.floor(centres)[:, None] + np.arange(-3, 5)[None]
        offsets = centres[:, None] - taps
        kernel = np.sinc(offsets) * np.sinc(offsets / 4) * (np.abs(offsets) < 4)
        weights = np.zeros((target, source))
        rows = np.repeat(np.arange(target), taps.shape[1])
        np.add.at(weights, (rows, np.clip(taps, 0, source - 1).astype(int).ravel()), kernel.ravel())
    return np.asarray(weights / weights.sum(axis=1, keepdims=True), np.float32)


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Where points ``(x, y)`` of one frame land in the next."""
    points = np.asarray(points, np.float64)
    return np.asarray(points @ matrix[:2, :2].T + matrix[:2, 2])


IDENTITY = np.eye(3)


def compose(*matrices: np.ndarray) -> np.ndarray:
    """One transform doing ``matrices[0]`` first, then ``matrices[1]``, …"""
    result = IDENTITY
    for matrix in matrices:
        result = matrix @ result
    return result


def coverage(matrix: np.ndarray, size: tuple[int, int], feather: float = 4.0) -> np.ndarray:
    """Where a frame moved by ``matrix`` has real content (1) rather than mirrored border (0), as an
    ``(H, W, 1)`` weight with edges softened over ``feather`` pixels."""
    width, height = size
    inside = np.ones((height, width), np.float32)
    warped = cv2.warpAffine(inside, matrix[:2], (width, height), flags=cv2.INTER_LINEAR, borderValue=0.0)
    if feather > 0:
        warped = cv2.GaussianBlur(warped, (0, 0), feather) * warped
    return warped[..., None]


def between(
    before: np.ndarray, to_here: np.ndarray, after: np.ndarray, from_after: np.ndarray, weight: float
) -> np.ndarray:
    """A frame between two known frames: ``before`` moved forward by ``to_here`` and ``after`` moved
    back by ``from_after``, blended ``1 - weight : weight``; where one of them only has mirrored
    border, the other counts alone."""
    size = (before.shape[1], before.shape[0])
    early, late = apply(before, to_here), apply(after, from_after)
    w_early = (1.0 - weight) * coverage(to_here, size) + 1e-6
    w_late = weight * coverage(from_after, size) + 1e-6
    return (early * w_early + late * w_late) / (w_early + w_late)


def pull_toward(frame: np.ndarray, target: np.ndarray, weight: np.ndarray | float) -> np.ndarray:
    """Move ``frame`` the fraction ``weight`` (a number or a per-pixel map) of the way to ``target``."""
    return np.asarray(frame + weight * (target - frame))
