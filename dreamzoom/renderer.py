"""The render loop: frame 0 = dream(source); frame i = dream(motion(frame i-1)), streamed to sinks.

This module owns the state of a run (the current frame, the sinks, the progress bar) and calls the
numerical modules for everything else. :func:`prepare` checks the whole config — files, model,
layers, sizes — before anything is written, so a bad config fails in a second, not after an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import models, motion, objectives, source
from .backend import tf
from .config import Config
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


def prepare(config: Config) -> Prepared:
    """Load and check everything a render needs, writing nothing."""
    model = models.load(config.model)
    objective = objectives.from_config(config.dream)
    model.check_layers(list(objective.layers), "dream.layers")
    dreamer = Dreamer(model, objective)
    if min(config.size) < dreamer.min_side:
        raise DreamzoomError(
            f"{config.size[0]}×{config.size[1]} is too small for the layers dreamed "
            f"({', '.join(objective.layers)}): both sides must be at least {dreamer.min_side} px",
            key="size",
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


def run(config: Config, *, progress: bool = True) -> Path:
    """Render a config to its video (and frames, if asked); returns the video's path."""
    prepared = prepare(config)
    tf.config.experimental.enable_op_determinism()  # the same config and seed give the same frames
    output = config.output
    assert output.path is not None  # config.load fills in the default
    sinks: list[Sink] = [VideoSink(output.path, config.size, output.fps, output.crf, output.preset)]
    if output.frames_dir is not None:
        sinks.append(FramesSink(output.frames_dir))
    step = motion.transform(config.size, config.motion.zoom, config.motion.rotate, config.motion.pan)
    frame = prepared.first
    total = config.frame_count
    bar = tqdm(total=total, unit="frame", desc=output.path.name, disable=not progress, dynamic_ncols=True)
    try:
        for index in range(total):
            if index:
                frame = motion.apply(frame, step)
            frame, _ = prepared.dreamer.dream(
                frame, frame_params(config, index), rng(config.seed, _JITTER_STREAM, index)
            )
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
