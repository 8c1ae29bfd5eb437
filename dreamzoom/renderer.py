"""The render loop: frame 0 = dream(source); frame i = dream(motion(frame i-1)), streamed to sinks.

This module owns the state of a run (the current frame, the sinks, the progress bar) and calls the
numerical modules for everything else. :func:`prepare` checks the whole config — files, model,
layers, classes, sizes — before anything is written, so a bad config fails in seconds, not after
an hour.

How frames are made (:func:`frames`):

- Only every ``cadence``-th frame (and the last) is dreamed; the frames between are the two dreamed
  neighbours moved along the known motion and blended.
- A frame is always one resample of the latest frame that dreaming changed, through the composed
  motion since then — never a chain of per-frame resamples. With dreaming off, frame i is frame 0
  moved once by the motion of i frames.
- Each dreamed frame's colours are anchored to frame 0's; over the last ``loop.frames`` frames, the
  frame is pulled toward frame 0 as the camera will see it then, so the video loops seamlessly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from . import classes, colour, metrics, models, motion, objectives, source
from .backend import tf
from .config import Config, Keyframes, Term, with_objectives
from .dream import Dreamer, Params
from .errors import DreamzoomError
from .schedule import parse as parse_schedule
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
    #: Objective weights that change over time, and the variables the compiled step reads them from.
    weights: list[tuple[float | str | Keyframes, tf.Variable]] = field(default_factory=list)


@dataclass
class State:
    """Where a render stands after a dreamed frame: all that is needed to go on from there."""

    done: int  # frames emitted so far; frame done - 1 was dreamed
    image: np.ndarray  # the latest frame that dreaming (or anchoring) changed, full precision
    matrix: np.ndarray  # the motion from ``image`` to frame done - 1 (identity unless dreaming was off)
    first: np.ndarray  # frame 0 as emitted: the colour reference and the loop's target
    changes: list[float] = field(default_factory=list)  # change between consecutive emitted frames


@dataclass
class Report:
    """What a finished render made."""

    path: Path
    frames: int
    seam: float | None = None  # loops only: last→first change over the median frame change


def term_key(config: Config, index: int, term: Term) -> str:
    """The config key a term came from (``dream.layers.mixed3`` or ``dream.objectives.2``)."""
    shorthand = len(config.dream.terms()) - len(config.dream.objectives)
    if index < shorthand:
        return f"dream.layers.{term.layer}"
    return f"dream.objectives.{index - shorthand}"


def build_objective(
    config: Config, model: models.DreamModel
) -> tuple[objectives.Objective, list[tuple[Any, tf.Variable]]]:
    """The config's objective terms, each checked against the model, summed with their weights.

    A weight that changes over time becomes a variable the compiled step reads, so that scheduling
    it never re-traces; the variables come back with their schedules.
    """
    parts, scheduled = [], []
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
        weight: float | tf.Variable
        if parse_schedule(_plain(term.weight)).constant is not None:
            weight = config.value(term.weight, 0)
        else:
            weight = tf.Variable(config.value(term.weight, 0), dtype=tf.float32, trainable=False)
            scheduled.append((term.weight, weight))
        parts.append(weight * part)
    return objectives.total(parts), scheduled


def _plain(spec: Any) -> Any:
    return spec.model_dump() if isinstance(spec, Keyframes) else spec


def prepare(config: Config) -> Prepared:
    """Load and check everything a render needs, writing nothing."""
    model = models.load(config.model)
    objective, weights = build_objective(config, model)
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
    return Prepared(config, dreamer, first, weights)


def rng(seed: int, stream: int, index: int = 0) -> np.random.Generator:
    """The random generator for one purpose (``stream``) and frame (``index``) of a seeded render."""
    return np.random.default_rng([seed, stream, index])


def frame_params(config: Config, index: int) -> Params:
    """How hard to dream frame ``index`` (schedules evaluated there)."""
    dream = config.dream
    steps = round(config.value(dream.steps, index))
    if index == 0:
        steps = dream.first_frame_steps if dream.first_frame_steps is not None else 3 * steps
    return Params(
        steps,
        config.value(dream.step_size, index),
        round(config.value(dream.octaves, index)),
        config.value(dream.octave_scale, index),
        round(config.value(dream.jitter, index)),
    )


def motion_into(config: Config, index: int) -> np.ndarray:
    """The camera move from frame ``index - 1`` to frame ``index``."""
    move = config.motion
    pan = (config.value(move.pan[0], index), config.value(move.pan[1], index))
    return motion.transform(
        config.size, config.value(move.zoom, index), config.value(move.rotate, index), pan
    )


def dreamed_indices(count: int, cadence: int) -> list[int]:
    """The frames that are dreamed: every ``cadence``-th, and the last, so nothing is extrapolated."""
    return sorted(set(range(0, count, cadence)) | {count - 1})


class _Loop:
    """The pull toward frame 0 over a loop's last frames."""

    def __init__(self, config: Config, count: int) -> None:
        self.config, self.count = config, count
        self.length = config.loop.frames if config.loop else 0

    def strength(self, index: int) -> float:
        """0 before the loop's last frames, rising smoothly to 1 at the final frame."""
        start = self.count - self.length
        if not self.length or index < start:
            return 0.0
        x = (index - start + 1) / self.length
        return x * x * (3 - 2 * x)

    def apply(self, frame: np.ndarray, index: int, first: np.ndarray) -> np.ndarray:
        """Pull ``frame`` toward frame 0 as seen from frame ``index`` (where frame 0's content reaches)."""
        strength = self.strength(index)
        if strength == 0.0:
            return frame
        # Frame `count` is frame 0 again: undo the moves from here to there.
        ahead = motion.compose(*(motion_into(self.config, t) for t in range(index + 1, self.count + 1)))
        back = np.linalg.inv(ahead)
        target = motion.apply(first, back)
        # Soft edges while the pull is partial; exact at the end, where the edge meets the border.
        reach = motion.coverage(back, self.config.size, feather=4.0 * (1.0 - strength))
        return motion.pull_toward(frame, target, strength * reach)


def frames(
    prepared: Prepared, count: int, state: State | None = None
) -> Iterator[tuple[np.ndarray, State | None]]:
    """Frames ``state.done`` … ``count - 1`` (all of them without a state), each with the state
    after it where a render can resume from there (after dreamed frames), else ``None``."""
    config, dreamer = prepared.config, prepared.dreamer
    tf.config.experimental.enable_op_determinism()  # the same config and seed give the same frames
    loop = _Loop(config, count)

    def dream(frame: np.ndarray, index: int, first: np.ndarray | None) -> tuple[np.ndarray, bool]:
        """Dream, anchor colours to ``first`` and pull toward it at the loop's end; report whether
        the frame changed."""
        params = frame_params(config, index)
        changed = False
        if params.steps > 0:
            for spec, variable in prepared.weights:
                variable.assign(config.value(spec, index))
            frame, _ = dreamer.dream(frame, params, rng(config.seed, _JITTER_STREAM, index))
            changed = True
        strength = config.value(config.colour.strength, index)
        if first is not None and strength > 0:
            frame, changed = colour.anchor(frame, reference, strength), True
        if first is not None and loop.strength(index) > 0:
            frame, changed = loop.apply(frame, index, first), True
        return frame, changed

    if state is None:
        first, _ = dream(prepared.first, 0, None)
        state = State(1, first, motion.IDENTITY, first)
        yield first, state
    reference = colour.stats(state.first)
    schedule = [n for n in dreamed_indices(count, config.cadence) if n >= state.done]
    for target in schedule:
        previous = state.done - 1
        moves = [motion_into(config, t) for t in range(previous + 1, target + 1)]
        arriving = motion.compose(*moves) @ state.matrix
        dreamed, changed = dream(motion.apply(state.image, arriving), target, state.first)
        image, matrix = (dreamed, motion.IDENTITY) if changed else (state.image, arriving)
        emitted = (
            state.image
            if np.array_equal(state.matrix, motion.IDENTITY)
            else motion.apply(state.image, state.matrix)
        )
        changes = list(state.changes)
        for index in range(previous + 1, target):
            to_here = motion.compose(*moves[: index - previous]) @ state.matrix
            from_after = np.linalg.inv(motion.compose(*moves[index - previous :])) @ matrix
            weight = (index - previous) / (target - previous)
            between = motion.between(state.image, to_here, image, from_after, weight)
            between = loop.apply(between, index, state.first)
            changes.append(metrics.change(between, emitted))
            emitted = between
            yield between, None
        final = dreamed  # when nothing changed it, this is the single resample of `image` through `matrix`
        changes.append(metrics.change(final, emitted))
        state = State(target + 1, image, matrix, state.first, changes)
        yield final, state


def run(config: Config, *, progress: bool = True) -> Report:
    """Render a config to its video (and frames, if asked)."""
    prepared = prepare(config)
    output = config.output
    assert output.path is not None  # config.load fills in the default
    sinks: list[Sink] = [VideoSink(output.path, config.size, output.fps, output.crf, output.preset)]
    if output.frames_dir is not None:
        sinks.append(FramesSink(output.frames_dir))
    total = config.frame_count
    bar = tqdm(total=total, unit="frame", desc=output.path.name, disable=not progress, dynamic_ncols=True)
    last: np.ndarray | None = None
    state: State | None = None
    try:
        for frame, after in frames(prepared, total):
            pixels = to_uint8(frame)
            for sink in sinks:
                sink.write(pixels)
            last, state = frame, after or state
            bar.update()
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise
    finally:
        bar.close()
    for sink in sinks:
        sink.close()
    report = Report(output.path, total)
    if config.loop is not None and state is not None and last is not None:
        report.seam = metrics.seam(state.changes, metrics.change(state.first, last))
    return report


def preview(config: Config, frame: int = 0) -> np.ndarray:
    """Frame ``frame`` of a render, as 8-bit RGB, without writing any video."""
    if frame < 0:
        raise DreamzoomError(f"frame {frame} is negative", key="--frame")
    count = max(frame + 1, config.frame_count)
    stream = frames(prepare(config), count)
    for index, (image, _) in enumerate(stream):
        if index == frame:
            return to_uint8(image)
    raise AssertionError("unreachable: the stream yields every frame")


def sweep(config: Config, cells: list[tuple[str, Term]]) -> list[tuple[str, np.ndarray]]:
    """Frame 0 of ``config`` dreamed with each cell's single objective term instead of its own."""
    return [(label, preview(with_objectives(config, [term]), 0)) for label, term in cells]
