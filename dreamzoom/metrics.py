"""Measurements of frames: brightness, saturation, detail, change between frames, loop seams, and
the drift warnings and telemetry rows built from them; and how a count is printed (:func:`counted`).

Used for the seam report, telemetry and drift warnings, and by tests and benchmarks, so that all of
them measure the same way.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from .colour import lab


def counted(number: int, noun: str) -> str:
    """``1 frame``, ``3 frames``: a count as people read it, so that no message says "1 frames"
    (``noun`` singular; its plural adds an s)."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def luminance(frame: np.ndarray) -> float:
    """Mean lightness L* (0–100)."""
    return float(lab(frame)[..., 0].mean())


def saturation(frame: np.ndarray) -> float:
    """Colourfulness: mean CIE Lab chroma C*ab = √(a*² + b*²) (0 for greys, about 130 at most)."""
    values = lab(frame)
    return float(np.hypot(values[..., 1], values[..., 2]).mean())


def high_frequency(frame: np.ndarray) -> float:
    """Mean absolute Laplacian (0–1 scale): the energy of pixel-scale detail and noise."""
    return float(np.abs(cv2.Laplacian(np.ascontiguousarray(frame, np.float32), cv2.CV_32F)).mean())


def colour_noise(frame: np.ndarray) -> float:
    """Mean absolute Laplacian of the chroma planes a* and b*: rainbow speckle, as opposed to the
    detail of lightness that :func:`high_frequency` measures."""
    values = lab(frame)
    return float(
        np.mean(
            [np.abs(cv2.Laplacian(np.ascontiguousarray(values[..., c]), cv2.CV_32F)).mean() for c in (1, 2)]
        )
    )


def change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference between two frames, in 8-bit levels (0–255)."""
    return float(
        np.abs(a.astype(np.float32) - b.astype(np.float32)).mean() * (255.0 if a.dtype != np.uint8 else 1.0)
    )


def seam(changes: list[float], last_to_first: float) -> float:
    """How the jump from the last frame back to the first compares with the median change between
    consecutive frames (1 means it looks like any other cut between frames)."""
    typical = float(np.median(changes)) if changes else math.nan
    return last_to_first / typical if typical > 0 else math.inf


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB between two frames."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(peak**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Structural similarity (Wang et al. 2004; Gaussian window σ = 1.5) of two RGB frames in [0, 1],
    averaged over the channels: 1 for identical frames."""
    c1, c2 = 0.01**2, 0.03**2
    scores = []
    for channel in range(3):
        x, y = a[..., channel].astype(np.float64), b[..., channel].astype(np.float64)

        def blur(image: np.ndarray) -> np.ndarray:
            return cv2.GaussianBlur(image, (11, 11), 1.5)

        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
        index = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
        scores.append(float(index.mean()))
    return float(np.mean(scores))


def telemetry_row(
    frame: np.ndarray, index: int, dreamed: bool, objective: float | None, seconds: float
) -> dict[str, Any]:
    """One row of a render's telemetry CSV: what the frame cost and what it looks like."""
    return {
        "frame": index,
        "dreamed": dreamed,
        "objective": objective,
        "seconds": seconds,
        "luminance": luminance(frame),
        "saturation": saturation(frame),
        "high_frequency": high_frequency(frame),
    }


def drift(frame: np.ndarray, reference: float, chroma_first: float) -> str | None:
    """A warning when a run's colours run away from frame 0's (its mean L* ``reference`` and
    chroma ``chroma_first``), else ``None``."""
    lightness = luminance(frame)
    if lightness < 0.5 * reference:
        return f"luminance collapsing: L* {lightness:.0f} against {reference:.0f} at frame 0 (raise colour.strength?)"
    chroma = saturation(frame)
    if chroma > 2.0 * max(chroma_first, 5.0):
        return f"saturation exploding: chroma {chroma:.0f} against {chroma_first:.0f} at frame 0 (raise colour.strength?)"
    return None


class DriftWatch:
    """Checks every ``every``-th frame of a run for :func:`drift` against frame 0, and reports each
    kind of drift once (a run that drifts stays drifted; one line says so)."""

    def __init__(self, every: int = 8) -> None:
        self.every = every
        self._baseline: tuple[float, float] | None = None  # frame 0's lightness and chroma
        self._reported: set[str] = set()

    def check(self, index: int, frame: np.ndarray, first: np.ndarray) -> str | None:
        """A new warning for frame ``index`` (``first`` is frame 0), else ``None``."""
        if index % self.every:
            return None
        self._baseline = self._baseline or (luminance(first), saturation(first))
        warning = drift(frame, *self._baseline)
        kind = warning.split(":")[0] if warning else None
        if kind is None or kind in self._reported:
            return None
        self._reported.add(kind)
        return warning
