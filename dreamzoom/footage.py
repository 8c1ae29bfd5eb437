"""A video as the source: its size, rate and length made the render's, and its frames as float frames.

``source.video`` makes every output frame a frame of the input video (the nearest one at the
output's rate, from ``start``), fitted to ``size`` like a photo. :func:`pinned` writes the video's
own size, rate and length into the config wherever the config leaves them out, and turns the
default camera move off (the video moves by itself), so that the stored config renders the same
video again. The frames are decoded by the bundled ffmpeg as they are needed, never all at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from . import config as config_module
from .config import MAX_FRAMES, Config
from .errors import DreamzoomError
from .ffmpeg import Footage, probe_video, read_video
from .source import fit

KEY = "source.video.path"


def footage(config: Config) -> Footage:
    """What the config's video holds; one-line errors for a video with no frames or too large."""
    video = config.source.video
    assert video is not None
    found = probe_video(video.path, KEY)
    width, height = found.size
    if found.seconds <= 0 or width < 1 or height < 1:
        raise DreamzoomError(f"{video.path} has no frames", key=KEY)
    if width * height > 16384 * 16384:
        raise DreamzoomError(
            f"{video.path} is {width}×{height}, larger than the 16384×16384 a frame may be", key=KEY
        )
    if video.start >= found.seconds:
        raise DreamzoomError(
            f"{video.start:g} s is past the end of {video.path.name} ({found.seconds:g} s)",
            key="source.video.start",
        )
    return found


def pinned(config: Config) -> Config:
    """The config with its video's size (made even), rate and length wherever it does not set its
    own, and no camera move unless it sets one. A config without a video comes back as it is."""
    video = config.source.video
    if video is None:
        return config
    found = footage(config)
    changes: list[tuple[str, Any]] = []
    if "size" not in config.model_fields_set:
        changes.append(("size", [max(32, found.size[0] // 2 * 2), max(32, found.size[1] // 2 * 2)]))
    fps = config.output.fps
    if "fps" not in config.output.model_fields_set and found.fps > 0:
        fps = float(Fraction(found.fps).limit_denominator(1001))
        changes.append(("output.fps", fps))
    available = max(1, math.floor(((video.end or found.seconds) - video.start) * fps + 1e-6))
    if not config.length_given:
        if available > MAX_FRAMES:
            raise DreamzoomError(
                f"{video.path.name} gives {available:,} frames from source.video.start, more than the "
                f"{MAX_FRAMES:,} one render may have: set source.video.end (or frames)",
                key=KEY,
            )
        changes.append(("frames", available))
    if "motion" not in config.model_fields_set:
        changes.append(("motion.zoom", 1.0))
    return config_module.load(config, changes) if changes else config


def frames(config: Config, first: int = 0) -> Iterator[np.ndarray]:
    """The source frames from output frame ``first`` on, fitted to the config's size: the input
    frame nearest each output frame's time. Past the video's end, its last frame holds."""
    video = config.source.video
    assert video is not None
    found = footage(config)
    last = None
    for index, frame in enumerate(read_video(video.path, video.start, config.output.fps, found.size)):
        if index >= first:
            last = fit(frame.astype(np.float32) / 255.0, config.size, config.source.fit)
            yield last
    if last is None:
        raise DreamzoomError(f"{video.path} has no frames after {video.start:g} s", key=KEY)
    while True:
        yield last
