"""The render loop: frame 0 = dream(source); frame i = dream(motion(frame i-1)), streamed to sinks.

This module owns the state of a run (the current frame, the sinks, the progress bar) and calls the
numerical modules for everything else. :func:`prepare` checks the whole config — files, model,
layers, classes, sizes — before anything is written, so a bad config fails in seconds, not after
an hour.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import classes, models, motion, objectives, source
from .backend import tf
from .config import Config, Term, with_objectives
from .dream import Dreamer, Params
from .errors import DreamzoomError
from .sinks import FramesSink, Sink, VideoSink, to_uint8

# Independent random streams derived from the config's seed, so that adding randomness to one
# part of the pipeline never changes another's.
_SOURCE_STREAM, _JITTER_STREAM = 1, 2


@dataclass
class Prepared:
    """A render that has passed every check and is ready to run."""

    config: Config
    dreamer: Dreamer
    first: np.ndarray


def term_key(config: Config, index: int, term: Term) -> str:
    """The config key a term came from (``dream.layers.mixed3`` or ``dream.objectives.2``)."""
    shorthand = len(config.dream.terms()) - len(config.dream.objectives)
    if index < shorthand:
        return f"dream.layers.{term.layer}"
    return f"dream.objectives.{index - shorthand}"


def build_objective(config: Config, model: models.DreamModel) -> objectives.Objective:
    """The config's objective terms, each checked against the model, summed with their weights."""
    parts = []
    for index, term in enumerate(config.dream.terms()):
        key = term_key(config, index, term)
        if term.kind == "class":
            assert term.class_ is not None
            layer = model.require_classifier(f"{key}.class")
            number = classes.index_of(term.class_, f"{key}.class")
            part = objectives.class_score(layer, number, classes.name(number))
        else:
            assert term.layer is not None
            model.check_layer(term.layer, key if key.startswith("dream.layers") else f"{key}.layer")
            if term.kind == "channel":
                assert term.channels is not None
                depth = model.output_shapes((term.layer,), (256, 256))[0][-1]
                if max(term.channels) >= depth:
                    raise DreamzoomError(
                        f"{term.layer} has channels 0–{depth - 1}, not {max(term.channels)}",
                        key=f"{key}.channels",
                    )
                part = objectives.channel(term.layer, term.channels)
            elif term.kind == "guide":
                assert term.guide is not None
                picture = source.fit(source.read_image(term.guide, key=f"{key}.guide"), config.size, "cover")
                part = objectives.guide(term.layer, model.features(picture, term.layer), term.guide.name)
            else:
                part = objectives.layer(term.layer)
        parts.append(term.weight * part)
    return objectives.total(parts)


def prepare(config: Config) -> Prepared:
    """Load and check everything a render needs, writing nothing."""
    model = models.load(config.model)
    objective = build_objective(config, model)
    has_class = any(term.kind == "class" for term in config.dream.terms())
    dreamer = Dreamer(model, objective, config.dream.prior.settings(has_class), config.dream.tile_size)
    if min(config.size) < dreamer.min_side:
        raise DreamzoomError(
            f"{config.size[0]}×{config.size[1]} is too small for the layers dreamed "
            f"({', '.join(objective.layers)}): both sides must be at least {dreamer.min_side} px",
            key="size",
        )
    if 0 < config.dream.tile_size < 2 * dreamer.min_side:
        raise DreamzoomError(
            f"tiles of {config.dream.tile_size} px are too small for these layers: use at least "
            f"{2 * dreamer.min_side}, or 0 for no tiling",
            key="dream.tile_size",
        )
    first = source.load(config.source, config.size, rng(config.seed, _SOURCE_STREAM))
    return Prepared(config, dreamer, first)


def rng(seed: int, stream: int, index: int = 0) -> np.random.Generator:
    """The random generator for one purpose (``stream``) and frame (``index``) of a seeded render."""
    return np.random.default_rng([seed, stream, index])


def frame_params(config: Config, index: int) -> Params:
    """How hard to dream frame ``index``."""
    dream = config.dream
    steps = dream.frame0_steps if index == 0 else dream.steps
    return Params(steps, dream.step_size, dream.octaves, dream.octave_scale, dream.jitter)


def frames(prepared: Prepared, count: int) -> Iterator[np.ndarray]:
    """The first ``count`` frames of a prepared render, as float RGB frames, one at a time."""
    config = prepared.config
    tf.config.experimental.enable_op_determinism()  # the same config and seed give the same frames
    step = motion.transform(config.size, config.motion.zoom, config.motion.rotate, config.motion.pan)
    frame = prepared.first
    for index in range(count):
        if index:
            frame = motion.apply(frame, step)
        frame, _ = prepared.dreamer.dream(
            frame, frame_params(config, index), rng(config.seed, _JITTER_STREAM, index)
        )
        yield frame


def run(config: Config, *, progress: bool = True) -> Path:
    """Render a config to its video (and frames, if asked); returns the video's path."""
    prepared = prepare(config)
    output = config.output
    assert output.path is not None  # config.load fills in the default
    sinks: list[Sink] = [VideoSink(output.path, config.size, output.fps, output.crf, output.preset)]
    if output.frames_dir is not None:
        sinks.append(FramesSink(output.frames_dir))
    total = config.frame_count
    bar = tqdm(total=total, unit="frame", desc=output.path.name, disable=not progress, dynamic_ncols=True)
    try:
        for frame in frames(prepared, total):
            pixels = to_uint8(frame)
            for sink in sinks:
                sink.write(pixels)
            bar.update()
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise
    finally:
        bar.close()
    for sink in sinks:
        sink.close()
    return output.path


def preview(config: Config, frame: int = 0) -> np.ndarray:
    """Frame ``frame`` of a render, as 8-bit RGB, without writing any video."""
    if frame < 0:
        raise DreamzoomError(f"frame {frame} is negative", key="--frame")
    (last,) = deque(frames(prepare(config), frame + 1), maxlen=1)
    return to_uint8(last)


def sweep(config: Config, cells: list[tuple[str, Term]]) -> list[tuple[str, np.ndarray]]:
    """Frame 0 of ``config`` dreamed with each cell's single objective term instead of its own."""
    return [(label, preview(with_objectives(config, [term]), 0)) for label, term in cells]
