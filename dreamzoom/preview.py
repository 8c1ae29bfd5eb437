"""Stills for trying settings: one frame of a render, or frame 0 dreamed with each of several terms.

Both run the same assembly and timeline as a render, so a still is exactly the frame the video
would have, but nothing is encoded or checkpointed.
"""

from __future__ import annotations

import numpy as np

from . import audio, classes, models
from .assemble import check_channels, prepare
from .config import Config, Term, with_objectives
from .errors import DreamzoomError
from .metrics import counted
from .sinks import to_uint8
from .timeline import frames


def preview(config: Config, frame: int = 0) -> np.ndarray:
    """Frame ``frame`` of a render, as 8-bit RGB, without writing any video."""
    if frame < 0:
        raise DreamzoomError(f"frame {frame} is negative", key="--frame")
    if config.audio is None and config.source.video is None:  # the length is known: no model needed
        _check_frame(config, frame)
    prepared = prepare(config)
    _check_frame(prepared.config, frame)  # a song or a video may set the length
    for index, (image, _) in enumerate(frames(prepared, prepared.config.frame_count)):
        if index == frame:
            return to_uint8(image)
    raise AssertionError("unreachable: the stream yields every frame")


def _check_frame(config: Config, frame: int) -> None:
    """A frame past the render's last is a one-line error: the video would never show it."""
    count = config.frame_count
    if frame >= count:
        raise DreamzoomError(
            f"there is no frame {frame}: the render has {counted(count, 'frame')}, the last is frame "
            f"{count - 1}",
            key="--frame",
        )


def sweep(config: Config, cells: list[tuple[str, Term]]) -> list[tuple[str, np.ndarray]]:
    """Frame 0 of ``config`` dreamed with each cell's single objective term instead of its own.
    Every cell's layer (and channel) or class is checked before the first is dreamed."""
    model = models.load(config.model, classify=any(term.class_ is not None for _, term in cells))
    for _, term in cells:
        if term.class_ is not None:
            model.require_classifier("--classes")
            classes.index_of(term.class_, "--classes")
        if term.layer is not None:
            key = "--channels" if term.channels else "--layers"
            model.check_layer(term.layer, key=key)
            if term.channels:
                check_channels(model, term.layer, term.channels, key)
    config = audio.timed(config)[0]  # once for the sheet, not once a cell
    return [(label, preview(with_objectives(config, [term]), 0)) for label, term in cells]
