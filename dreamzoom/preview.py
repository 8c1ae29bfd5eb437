"""Trying settings before a long render: one frame of it, frame 0 dreamed with each of several
terms, or how long the whole will take here.

All run the same assembly and timeline as a render, so a still is exactly the frame the video
would have, and a timed frame costs what it will cost, but nothing is encoded or checkpointed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import classes, models
from .assemble import check_channels, prepare
from .config import Config, Term, load, with_objectives
from .errors import DreamzoomError
from .metrics import counted
from .renderer import progress_bar
from .resolve import Plan, plan
from .sinks import to_uint8
from .timeline import dreamed_indices, frame_params, frames


def preview(config: Config, frame: int = 0, progress: bool = False) -> np.ndarray:
    """Frame ``frame`` of a render, as 8-bit RGB, without writing any video (with a progress bar
    over frames 0…``frame`` where ``progress``)."""
    if frame < 0:
        raise DreamzoomError(f"frame {frame} is negative", key="--frame")
    return _still(plan(config), frame, progress)


def _still(planned: Plan, frame: int, progress: bool = False) -> np.ndarray:
    """Frame ``frame`` of the render ``planned``, checked to be one of its frames before the model
    loads (a song or a video may set the length)."""
    _check_frame(planned.frames, frame)
    prepared = prepare(planned)
    with progress_bar(frame + 1, f"frame {frame}", progress) as bar:
        for index, (image, _) in enumerate(frames(prepared, planned.frames)):
            bar.update()
            if index == frame:
                return to_uint8(image)
    raise AssertionError("unreachable: the stream yields every frame")


def _check_frame(count: int, frame: int) -> None:
    """A frame past the render's last is a one-line error: the video would never show it."""
    if frame >= count:
        raise DreamzoomError(
            f"there is no frame {frame}: the render has {counted(count, 'frame')}, the last is frame "
            f"{count - 1}",
            key="--frame",
        )


def sweep(config: Config, cells: list[tuple[str, Term]]) -> list[tuple[str, np.ndarray]]:
    """Frame 0 of ``config`` dreamed with each cell's single objective term instead of its own.
    Every cell's layer (and channel) or class is checked before the first is dreamed. The config is
    resolved once for the sheet (a song analysed once, not once a cell)."""
    planned = plan(config)
    model = models.load(planned.config.model, classify=any(term.class_ is not None for _, term in cells))
    for _, term in cells:
        if term.class_ is not None:
            model.require_classifier("--classes")
            classes.index_of(term.class_, "--classes")
        if term.layer is not None:
            key = "--channels" if term.channels else "--layers"
            model.check_layer(term.layer, key=key)
            if term.channels:
                check_channels(model, term.layer, term.channels, key)
    return [(label, sweep_still(planned, term)) for label, term in cells]


def sweep_still(planned: Plan, term: Term) -> np.ndarray:
    """One cell of a sweep (here or on a Ray worker): frame 0 of ``planned`` dreaming ``term``."""
    return _still(planned.with_config(sweep_cell(planned, term)), 0)


#: A layer or channel cell of a sweep dreams frame 0 at least this hard (steps, step size): a
#: config's own frame 0 may be gentle on purpose (the default's keeps the photo), and then every
#: layer's cell looked alike (3 levels apart on 8 bits; at this strength 20–30).
SWEEP_STEPS, SWEEP_STEP_SIZE = 16, 0.01


def sweep_cell(planned: Plan, term: Term) -> Config:
    """The config of ``planned`` with ``term`` as its only objective (a sweep's cell, here or on a
    Ray worker); a layer or channel dreamed at least as hard as :data:`SWEEP_STEPS` steps of
    :data:`SWEEP_STEP_SIZE` (a class keeps its config's settings, which its pictures were measured
    with)."""
    cell = with_objectives(planned.config, [term])
    params = frame_params(planned.with_config(cell), 0)
    if term.class_ is not None or params.steps * params.step_size >= SWEEP_STEPS * SWEEP_STEP_SIZE:
        return cell
    stronger = [("dream.first_frame_steps", SWEEP_STEPS), ("dream.step_size", SWEEP_STEP_SIZE)]
    return load(cell, stronger)


@dataclass(frozen=True)
class Estimate:
    """How long a render takes on this machine, from timing its first frames (seconds)."""

    load: float  # building the model and the objective
    first: float  # frame 0, which also traces the compiled steps
    per_frame: float  # a later frame, over a cycle of dreamed and in-between frames
    total: float
    frames: int  # the render's length (a song or a video may set it)


def estimate(planned: Plan) -> Estimate:
    """Time the model's load, frame 0 and the frames up to the next dreamed one (a whole cycle:
    in-between frames wait on the dreamed frame after them), and extrapolate to the render.
    Encoding runs beside the dream, so it adds little."""
    started = time.perf_counter()
    prepared = prepare(planned)
    loading = time.perf_counter() - started
    count = planned.frames
    cycle_end = dreamed_indices(count, prepared.config.cadence)[1:2] or [0]
    times, before = [], time.perf_counter()
    for _ in frames(prepared, cycle_end[0] + 1):
        now = time.perf_counter()
        times.append(now - before)
        before = now
    per_frame = float(np.mean(times[1:])) if len(times) > 1 else 0.0
    return Estimate(loading, times[0], per_frame, loading + times[0] + (count - 1) * per_frame, count)
