"""The timeline: which frames are dreamed, the motion between them, and the state to resume from.

frame 0 = dream(source); frame i = dream(motion(frame i-1)). How frames are made (:func:`frames`):

- Only every ``cadence``-th frame (and the last) is dreamed; the frames between are the two dreamed
  neighbours moved along the known motion and blended.
- A frame is always one resample of the latest frame that dreaming changed, through the composed
  motion since then — never a chain of per-frame resamples. With dreaming off, frame i is frame 0
  moved once by the motion of i frames.
- Each dreamed frame's colours are anchored to frame 0's; over the last ``loop.frames`` frames, the
  frame is pulled toward frame 0 as the camera will see it then, so the video loops seamlessly.

It writes nothing: frames come out as float arrays with the :class:`State` a render can resume
from, and the run (:mod:`renderer`) decides where they go. The one thing it reads is a video
source's frames, decoded as they are needed through ``Prepared.inputs``.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

import numpy as np

from . import autodiff, colour, flow, metrics, motion
from .assemble import JITTER_STREAM, Prepared, rng
from .dream import Params
from .resolve import Plan
from .schedule import smoothstep


@dataclass
class State:
    """Where a render stands after a dreamed frame: all that is needed to go on from there."""

    done: int  # frames emitted so far; frame done - 1 was dreamed
    image: np.ndarray  # the latest frame that dreaming (or anchoring) changed, full precision
    matrix: np.ndarray  # the motion from ``image`` to frame done - 1 (identity unless dreaming was off)
    first: np.ndarray  # frame 0 as emitted: the colour reference and the loop's target
    changes: list[float] = field(default_factory=list)  # between consecutive frames; loops only
    objective: float | None = None  # the dream objective of frame done - 1 (telemetry)
    #: Seconds spent dreaming frame done - 1 (telemetry). With a cadence it is dreamed before the
    #: in-betweens that lead to it are made and emitted, so the run cannot time it by the clock alone.
    seconds: float | None = None

    def arrays(self) -> dict[str, np.ndarray]:
        """The state as arrays, for a checkpoint."""
        return {
            "done": np.array(self.done),
            "image": self.image,
            "matrix": self.matrix,
            "first": self.first,
            "changes": np.array(self.changes, np.float64),
        }

    @staticmethod
    def from_arrays(stored: dict[str, np.ndarray]) -> State:
        return State(
            int(stored["done"]),
            stored["image"],
            stored["matrix"],
            stored["first"],
            [float(c) for c in stored["changes"]],
        )


def frame_params(plan: Plan, index: int) -> Params:
    """How hard to dream frame ``index`` (schedules evaluated there)."""
    config, dream = plan.config, plan.config.dream
    steps = round(plan.value(dream.steps, index))
    if index == 0:
        from_noise = config.source.noise is not None
        steps = (
            dream.first_frame_steps
            if dream.first_frame_steps is not None
            else (3 if from_noise else 1) * steps
        )
    coarse = (index // config.cadence) % dream.coarse_every == 0
    return Params(
        steps,
        plan.value(dream.step_size, index),
        round(plan.value(dream.octaves, index)) if coarse else 1,
        plan.value(dream.octave_scale, index),
        round(plan.value(dream.jitter, index)),
    )


def motion_into(plan: Plan, index: int) -> np.ndarray:
    """The camera move from frame ``index - 1`` to frame ``index``."""
    move = plan.config.motion
    pan = (plan.value(move.pan[0], index), plan.value(move.pan[1], index))
    return motion.transform(
        plan.config.size, plan.value(move.zoom, index), plan.value(move.rotate, index), pan
    )


def dreamed_indices(count: int, cadence: int) -> list[int]:
    """The frames that are dreamed: every ``cadence``-th, and the last, so nothing is extrapolated."""
    return sorted(set(range(0, count, cadence)) | {count - 1})


class Loop:
    """The pull toward frame 0 over a loop's last frames."""

    def __init__(self, plan: Plan, count: int) -> None:
        self.plan, self.count = plan, count
        self.length = plan.config.loop.frames if plan.config.loop else 0

    def strength(self, index: int) -> float:
        """0 before the loop's last frames, rising smoothly to 1 at the final frame."""
        start = self.count - self.length
        if not self.length or index < start:
            return 0.0
        return smoothstep((index - start + 1) / self.length)

    def apply(self, frame: np.ndarray, index: int, first: np.ndarray) -> np.ndarray:
        """Pull ``frame`` toward frame 0 as seen from frame ``index`` (where frame 0's content reaches)."""
        strength = self.strength(index)
        if strength == 0.0:
            return frame
        # Frame `count` is frame 0 again: undo the moves from here to there.
        ahead = motion.compose(*(motion_into(self.plan, t) for t in range(index + 1, self.count + 1)))
        back = np.linalg.inv(ahead)
        target = motion.apply(first, back)
        # Soft edges while the pull is partial; exact at the end, where the edge meets the border.
        reach = motion.coverage(back, self.plan.config.size, feather=4.0 * (1.0 - strength))
        return motion.pull_toward(frame, target, strength * reach)


Frames = Iterator[tuple[np.ndarray, "State | None"]]


def frames(prepared: Prepared, count: int, state: State | None = None) -> Frames:
    """Frames ``state.done`` … ``count - 1`` (all of them without a state), each with the state
    after it where a render can resume from there (after dreamed frames), else ``None``."""
    autodiff.deterministic()  # the same config and seed give the same frames
    if prepared.inputs is not None:
        yield from _Video(prepared, count).frames(state)
        return
    stream = _Stream(prepared, count)
    if state is None:
        state = stream.first()
        yield state.image, state
    yield from stream.after(state)


def dream_frame(prepared: Prepared, frame: np.ndarray, index: int) -> tuple[np.ndarray, float | None]:
    """Frame ``index`` dreamed with its scheduled settings, and the objective (``None``, and the
    frame as it was, where it has no steps)."""
    params = frame_params(prepared.plan, index)
    if params.steps <= 0:
        return frame, None
    prepared.set_frame(index, frame)
    return prepared.dreamer.dream(frame, params, rng(prepared.config.seed, JITTER_STREAM, index))


class _Stream:
    """The frames of one render after a given state: dreamed frames and the in-betweens."""

    def __init__(self, prepared: Prepared, count: int) -> None:
        self.prepared, self.config, self.count = prepared, prepared.config, count
        self.loop = Loop(prepared.plan, count)
        self.reference: colour.Stats | None = None  # frame 0's colour statistics
        self.emitted: np.ndarray | None = None  # the last frame emitted: loops measure each cut

    def first(self) -> State:
        """Frame 0: the source, dreamed."""
        started = time.perf_counter()
        first, _, value = self._dream(self.prepared.first, 0, None)
        return State(1, first, motion.IDENTITY, first, objective=value, seconds=time.perf_counter() - started)

    def after(self, state: State) -> Frames:
        """Every frame after ``state``, cadence keyframe by keyframe."""
        self.reference = colour.stats(state.first)
        if self.config.loop is not None:
            identity = np.array_equal(state.matrix, motion.IDENTITY)
            self.emitted = state.image if identity else motion.apply(state.image, state.matrix)
        for target in dreamed_indices(self.count, self.config.cadence):
            if target >= state.done:
                state = yield from self._up_to(state, target)

    def _up_to(self, state: State, target: int) -> Generator[tuple[np.ndarray, State | None], None, State]:
        """The frames after ``state`` up to the dreamed frame ``target``; returns the state there."""
        previous = state.done - 1
        moves = [motion_into(self.prepared.plan, t) for t in range(previous + 1, target + 1)]
        arriving = motion.compose(*moves) @ state.matrix
        started = time.perf_counter()
        dreamed, changed, value = self._dream(motion.apply(state.image, arriving), target, state.first)
        seconds = time.perf_counter() - started
        image, matrix = (dreamed, motion.IDENTITY) if changed else (state.image, arriving)
        changes = list(state.changes)
        for index in range(previous + 1, target):
            to_here = motion.compose(*moves[: index - previous]) @ state.matrix
            from_after = np.linalg.inv(motion.compose(*moves[index - previous :])) @ matrix
            weight = (index - previous) / (target - previous)
            between = motion.between(state.image, to_here, image, from_after, weight)
            between = self.loop.apply(between, index, state.first)
            self._measure_cut(changes, between)
            yield between, None
        # `dreamed` is, when nothing changed it, the single resample of `image` through `matrix`.
        self._measure_cut(changes, dreamed)
        after = State(target + 1, image, matrix, state.first, changes, objective=value, seconds=seconds)
        yield dreamed, after
        return after

    def _measure_cut(self, changes: list[float], frame: np.ndarray) -> None:
        """Loops only: the change from the last emitted frame to ``frame``, for the seam figure."""
        if self.emitted is not None:
            changes.append(metrics.change(frame, self.emitted))
            self.emitted = frame

    def _dream(
        self, frame: np.ndarray, index: int, first: np.ndarray | None
    ) -> tuple[np.ndarray, bool, float | None]:
        """Dream, anchor colours to ``first`` and pull toward it at the loop's end; report whether
        the frame changed and the dream's objective."""
        config = self.config
        frame, value = dream_frame(self.prepared, frame, index)
        changed = value is not None
        strength = self.prepared.plan.value(config.colour.strength, index)
        if first is not None and strength > 0:
            assert self.reference is not None
            frame, changed = colour.anchor(frame, self.reference, strength), True
        if first is not None and self.loop.strength(index) > 0:
            frame, changed = self.loop.apply(frame, index, first), True
        return frame, changed, value


class _Video:
    """The frames of a render that dreams a video: each input frame (seen through the camera, if
    ``motion`` moves it) with the last output's dream carried onto it along the video's own motion
    (:func:`flow.carried`), then dreamed. Frame 0 is dreamed afresh, with ``first_frame_steps``."""

    def __init__(self, prepared: Prepared, count: int) -> None:
        self.prepared, self.config, self.count = prepared, prepared.config, count
        assert self.config.source.video is not None and prepared.inputs is not None
        self.carry = self.config.source.video.carry

    def frames(self, state: State | None) -> Frames:
        """Frames ``state.done`` … ``count - 1`` (all of them without a state), each with its state."""
        start = 0 if state is None else state.done - 1  # the input before the next frame, to carry from
        assert self.prepared.inputs is not None
        inputs = self.prepared.inputs(start)
        camera = motion.compose(*(motion_into(self.prepared.plan, t) for t in range(1, start + 1)))
        previous = self._seen(next(inputs), camera)
        if state is None:
            started = time.perf_counter()
            out, value = dream_frame(self.prepared, previous, 0)
            state = State(
                1, out, motion.IDENTITY, out, objective=value, seconds=time.perf_counter() - started
            )
            yield out, state
        for index in range(state.done, self.count):
            started = time.perf_counter()
            camera = motion_into(self.prepared.plan, index) @ camera
            current = self._seen(next(inputs), camera)
            out, value = dream_frame(
                self.prepared, flow.carried(state.image, previous, current, self.carry), index
            )
            seconds = time.perf_counter() - started
            state = State(index + 1, out, motion.IDENTITY, state.first, objective=value, seconds=seconds)
            yield out, state
            previous = current

    @staticmethod
    def _seen(frame: np.ndarray, camera: np.ndarray) -> np.ndarray:
        return frame if np.allclose(camera, motion.IDENTITY) else motion.apply(frame, camera)
