"""A video as the source: its size, rate and length made the render's, and its frames as float frames.

``source.video`` makes every output frame a frame of the input video (the nearest one at the
output's rate, from ``start``), fitted to ``size`` like a photo. :func:`footage` probes the video
(``resolve.plan`` does, once a render); :func:`pinned` writes the video's own size, rate and length
into the config wherever the config leaves them out, and turns the default camera move off (the
video moves by itself), so that the stored config renders the same video again. The frames are
decoded by the bundled ffmpeg as they are needed, never all at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import config as config_module
from .config import MAX_FRAMES, MAX_SIDE, MIN_SIDE, Config
from .errors import DreamzoomError
from .ffmpeg import Footage, frame_rate, probe_video, read_video
from .source import fit

KEY = "source.video.path"


def footage(config: Config) -> Footage:
    """What the config's video holds; one-line errors for a video with no frames, too large, or
    started past its end. A video that does not state its length (a piped WebM) has ``seconds`` 0."""
    video = config.source.video
    assert video is not None
    found = probe_video(video.path, KEY, " (a photo belongs in source.image)")
    width, height = found.size
    if width < 1 or height < 1:
        raise DreamzoomError(f"{video.path} has no frames", key=KEY)
    if width * height > MAX_SIDE * MAX_SIDE:
        raise DreamzoomError(
            f"{video.path} is {width}×{height}, larger than the {MAX_SIDE}×{MAX_SIDE} a frame may be", key=KEY
        )
    if found.seconds > 0 and video.start >= found.seconds:
        raise DreamzoomError(
            f"{video.start:g} s is past the end of {video.path.name} ({found.seconds:g} s)",
            key="source.video.start",
        )
    return found


def pinned(config: Config, found: Footage) -> Config:
    """The config with its video's size (made even), rate and length (``found``: the video as
    probed) wherever it does not set its own, and no zoom unless it sets one (a zoom compounds on
    the video, frame after frame). A config pinned already comes back as it is."""
    video = config.source.video
    assert video is not None
    changes: list[tuple[str, Any]] = []
    if "size" not in config.model_fields_set:
        changes.append(("size", _size(found.size, video.path.name)))
    fps = config.output.fps
    if "fps" not in config.output.model_fields_set and found.fps > 0:
        fps = float(frame_rate(found.fps))
        changes.append(("output.fps", fps))
    if not config.length_given:
        changes.append(("frames", _length(video.start, video.end, found.seconds, fps, video.path.name)))
    if "zoom" not in config.motion.model_fields_set:
        changes.append(("motion.zoom", 1.0))
    return config_module.load(config, changes) if changes else config


def _size(size: tuple[int, int], name: str) -> list[int]:
    """The video's size as a render's: even, or a one-line error where it cannot be one."""
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in size):
        raise DreamzoomError(
            f"{name} is {size[0]}×{size[1]}: set size (each side {MIN_SIDE}–{MAX_SIDE}) to dream it at another size",
            key=KEY,
        )
    return [side // 2 * 2 for side in size]


def _length(start: float, end: float | None, seconds: float, fps: float, name: str) -> int:
    """Output frames from ``start`` to ``end`` (at most the video's end, where it states one)."""
    stop = min(end, seconds) if end is not None and seconds > 0 else end or seconds
    if stop <= 0:
        raise DreamzoomError(f"{name} does not state its length: set source.video.end (or frames)", key=KEY)
    count = max(1, round((stop - start) * fps))
    if count > MAX_FRAMES:
        raise DreamzoomError(
            f"{name} gives {count:,} frames from source.video.start, more than the {MAX_FRAMES:,} one "
            "render may have: set source.video.end (or frames)",
            key=KEY,
        )
    return count


def frames(config: Config, found: Footage, first: int = 0) -> Iterator[np.ndarray]:
    """The source frames from output frame ``first`` on, fitted to the config's size: the input
    frame nearest each output frame's time (``found``: the video as probed). Past the video's end,
    its last frame holds (also for a render resumed past it)."""
    video = config.source.video
    assert video is not None
    last = None
    for index, frame in enumerate(read_video(video.path, video.start, config.output.fps, found.size)):
        last = frame
        if index >= first:
            yield _fitted(frame, config)
    if last is None:
        raise DreamzoomError(
            f"{video.path.name} has no frame at or after {video.start:g} s", key="source.video.start"
        )
    held = _fitted(last, config)
    while True:
        yield held


def _fitted(frame: np.ndarray, config: Config) -> np.ndarray:
    return fit(frame.astype(np.float32) / 255.0, config.size, config.source.fit)
