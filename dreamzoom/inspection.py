"""Inspecting a video, ours or anyone's: its novelty figures and a sheet of stills with curves.

``dreamzoom inspect VIDEO`` decodes the video, judges every few frames with the independent network
of :mod:`novelty`, measures each judged frame's lightness, colourfulness and fine detail, reads the
dream's objective from the telemetry beside a dreamzoom video, and prints the figures; with
``-o sheet.png`` it draws 8 stills spread across the video above curves of novelty, lightness,
saturation, detail and the objective over time.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import formats, metrics, novelty, provenance
from .ffmpeg import read_frames
from .motion import resize
from .sheet import contact_sheet, curve_axis, pyplot, save_figure
from .sinks import to_uint8

#: Judged frames are batched this many at a time.
_BATCH = 16


@dataclass
class Inspection:
    """What was measured in one video: per judged frame, its time and measures; a few stills."""

    fps: float
    every: int  # one frame in this many was judged
    times: list[float] = field(default_factory=list)
    novelties: list[float] = field(default_factory=list)  # NaN for the first 2 s
    luminance: list[float] = field(default_factory=list)
    saturation: list[float] = field(default_factory=list)
    detail: list[float] = field(default_factory=list)
    stills: list[tuple[float, np.ndarray]] = field(default_factory=list)
    objective: list[tuple[float, float]] = field(default_factory=list)  # (seconds, value): ours only
    looks: list[novelty.Look] = field(default_factory=list)

    @functools.cached_property
    def summary(self) -> novelty.Summary:
        """The novelty figures (what :func:`summary` gives for the same video)."""
        return novelty.summarise(self.looks, self.fps / self.every)

    def lines(self) -> list[str]:
        """The figures for people."""
        first, last = 0, len(self.times) - 1
        return [
            *self.summary.lines(),
            f"lightness L*: {self.luminance[first]:.0f} at the start, {self.luminance[last]:.0f} at the end",
            f"chroma: {self.saturation[first]:.0f} at the start, {self.saturation[last]:.0f} at the end",
            f"fine detail: {self.detail[first]:.3f} at the start, {self.detail[last]:.3f} at the end",
        ]


def inspect(video: Path) -> Inspection:
    """Measure ``video`` (see the module's docstring): a file, or a folder of frames a render wrote
    (read at the rate its sidecar records)."""
    decoded = read_frames(video, novelty.SAMPLES_PER_SECOND, _rate(video))
    fps, every = decoded.fps, decoded.every
    spread = range(novelty.SHEET_FRAMES)
    wanted = {round(i * (decoded.count - 1) / (len(spread) - 1)) // every * every for i in spread}
    result = Inspection(fps, every)

    def measured() -> Iterator[np.ndarray]:
        for index, frame in decoded.frames:
            still = frame.astype(np.float32) / 255.0
            result.times.append(index / fps)
            result.luminance.append(metrics.luminance(still))
            result.saturation.append(metrics.saturation(still))
            result.detail.append(metrics.high_frequency(still))
            if index in wanted:
                result.stills.append((index / fps, frame))
            yield frame

    result.looks = _looks(measured())
    lag = max(1, round(novelty.LAG_SECONDS * fps / every))
    result.novelties = [np.nan] * min(lag, len(result.looks))
    result.novelties += [1.0 - s for s in novelty.lagged_similarities(result.looks, lag)]
    result.objective = _objective(video, fps)
    return result


def summary(video: Path, rate: float = 24.0) -> novelty.Summary:
    """The novelty figures of ``video`` alone, as :func:`inspect` finds them: the same frames
    decoded, judged and summed up, so that a render's summary and ``inspect`` of its video agree
    (``rate``: the frames a second of a folder of frames)."""
    decoded = read_frames(video, novelty.SAMPLES_PER_SECOND, rate)
    return novelty.summarise(_looks(frame for _, frame in decoded.frames), decoded.fps / decoded.every)


def _rate(video: Path) -> float:
    """The frames a second a folder of frames was rendered at (its sidecar says), else 24."""
    sidecar = provenance.sidecar_path(video)
    if not formats.is_sequence(video) or not sidecar.is_file():
        return 24.0
    try:
        return float(json.loads(sidecar.read_text(encoding="utf-8"))["config"]["output"]["fps"])
    except (ValueError, KeyError, TypeError):
        return 24.0


def _looks(frames: Iterable[np.ndarray]) -> list[novelty.Look]:
    """The judge's looks at decoded frames, in batches of :data:`_BATCH` (memory stays flat)."""
    looks: list[novelty.Look] = []
    batch: list[np.ndarray] = []
    for frame in frames:
        batch.append(frame)
        if len(batch) == _BATCH:
            looks += novelty.judge().look(batch)
            batch = []
    if batch:
        looks += novelty.judge().look(batch)
    return looks


def _objective(video: Path, fps: float) -> list[tuple[float, float]]:
    """The dream objective of each dreamed frame, from the telemetry beside a dreamzoom video."""
    path = provenance.telemetry_path(video)
    if not path.is_file():
        return []
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    return [(int(row["frame"]) / fps, float(row["objective"])) for row in rows if row.get("objective")]


def draw(result: Inspection, path: Path, title: str) -> Path:
    """A PNG: the stills in a row above the curves, written to ``path``."""
    stills = contact_sheet(
        [(f"{t:.1f} s", _thumbnail(frame)) for t, frame in result.stills], columns=len(result.stills)
    )
    curves = [
        ("novelty (1 − similarity 2 s back)", result.times, result.novelties),
        ("lightness L*", result.times, result.luminance),
        ("chroma", result.times, result.saturation),
        ("fine detail", result.times, result.detail),
    ]
    if result.objective:
        curves.append(("dream objective", [t for t, _ in result.objective], [v for _, v in result.objective]))
    height, width = stills.shape[:2]
    strip = 11.0 * height / width  # inches the stills take at the figure's width
    figure = pyplot().figure(figsize=(12, strip + 0.6 + 1.3 * len(curves)), dpi=100)
    grid = figure.add_gridspec(1 + len(curves), 1, height_ratios=[strip + 0.4] + [1.3] * len(curves))
    axis = figure.add_subplot(grid[0])
    axis.imshow(stills)
    axis.set_axis_off()
    axis.set_title(f"{title} — {result.summary.line()}", fontsize=10)
    first = None
    for row, (label, times, values) in enumerate(curves, start=1):
        axis = figure.add_subplot(grid[row], sharex=first)
        first = first or axis
        axis.plot(times, values, linewidth=1.2)
        curve_axis(axis, label)
    axis.set_xlabel("seconds")
    return save_figure(figure, path)


def _thumbnail(frame: np.ndarray, side: int = 192) -> np.ndarray:
    """A still no larger than ``side`` pixels, for the sheet."""
    height, width = frame.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale == 1.0:
        return frame
    return to_uint8(resize(frame.astype(np.float32) / 255.0, round(width * scale), round(height * scale)))
