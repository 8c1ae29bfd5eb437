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

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from . import classes, colour, metrics, models, motion, objectives, provenance, source
from . import config as config_module
from .backend import tf
from .checkpoint import Checkpoint, differences
from .config import Config, Keyframes, Term, with_objectives
from .dream import Dreamer, Params
from .errors import DreamzoomError, RenderFailed
from .schedule import parse as parse_schedule
from .sinks import (
    FramesSink,
    Sink,
    TelemetrySink,
    VideoSink,
    WriterThread,
    atomic_json,
    concatenate,
    describe_os_error,
    make_folder,
    partial_path,
    to_uint8,
)

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
    changes: list[float] = field(default_factory=list)  # between consecutive frames; loops only
    objective: float | None = None  # the dream objective of frame done - 1 (telemetry)

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


@dataclass
class Report:
    """What a render made."""

    path: Path  # the finished video, or (when interrupted) the playable video of what is done
    frames: int  # frames in that video
    seam: float | None = None  # loops only: last→first change over the median frame change
    resumed_from: int = 0  # the frame a resumed render continued from
    interrupted: bool = False  # stopped by Ctrl-C or SIGTERM; resume with --resume
    finished_before: bool = False  # --resume found the video complete, from this config: nothing to do
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Of ``seconds``, how long the render waited on encoding and writing (the writer thread does
    #: that work alongside the dreaming; the loop waits only when it falls behind, and at the end).
    io_seconds: float = 0.0


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
                check_channels(model, term.layer, term.channels, f"{key}.channels")
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


def check_channels(model: models.DreamModel, layer: str, channels: list[int], key: str) -> None:
    """Raise a one-line error, naming ``key``, if ``layer`` lacks any of ``channels``. The depth is
    the layer's own static one, not a probe's output: some saved models' layers give no output at
    all for frames below a size that no fixed probe would know."""
    depth = model.network.get_layer(layer).output.shape[-1]
    if depth is not None and max(channels) >= depth:
        raise DreamzoomError(f"{layer} has channels 0–{depth - 1}, not {max(channels)}", key=key)


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

    def dream(
        frame: np.ndarray, index: int, first: np.ndarray | None
    ) -> tuple[np.ndarray, bool, float | None]:
        """Dream, anchor colours to ``first`` and pull toward it at the loop's end; report whether
        the frame changed and the dream's objective."""
        params = frame_params(config, index)
        changed, value = False, None
        if params.steps > 0:
            for spec, variable in prepared.weights:
                variable.assign(config.value(spec, index))
            frame, value = dreamer.dream(frame, params, rng(config.seed, _JITTER_STREAM, index))
            changed = True
        strength = config.value(config.colour.strength, index)
        if first is not None and strength > 0:
            frame, changed = colour.anchor(frame, reference, strength), True
        if first is not None and loop.strength(index) > 0:
            frame, changed = loop.apply(frame, index, first), True
        return frame, changed, value

    if state is None:
        first, _, value = dream(prepared.first, 0, None)
        state = State(1, first, motion.IDENTITY, first, objective=value)
        yield first, state
    reference = colour.stats(state.first)
    schedule = [n for n in dreamed_indices(count, config.cadence) if n >= state.done]
    emitted = None  # the last frame emitted: only a loop needs it, to measure each cut for its seam
    if config.loop is not None:
        identity = np.array_equal(state.matrix, motion.IDENTITY)
        emitted = state.image if identity else motion.apply(state.image, state.matrix)
    for target in schedule:
        previous = state.done - 1
        moves = [motion_into(config, t) for t in range(previous + 1, target + 1)]
        arriving = motion.compose(*moves) @ state.matrix
        dreamed, changed, value = dream(motion.apply(state.image, arriving), target, state.first)
        image, matrix = (dreamed, motion.IDENTITY) if changed else (state.image, arriving)
        changes = list(state.changes)
        for index in range(previous + 1, target):
            to_here = motion.compose(*moves[: index - previous]) @ state.matrix
            from_after = np.linalg.inv(motion.compose(*moves[index - previous :])) @ matrix
            weight = (index - previous) / (target - previous)
            between = motion.between(state.image, to_here, image, from_after, weight)
            between = loop.apply(between, index, state.first)
            if emitted is not None:
                changes.append(metrics.change(between, emitted))
                emitted = between
            yield between, None
        final = dreamed  # when nothing changed it, this is the single resample of `image` through `matrix`
        if emitted is not None:
            changes.append(metrics.change(final, emitted))
            emitted = final
        state = State(target + 1, image, matrix, state.first, changes, objective=value)
        yield final, state


class _StopRequest:
    """Turns the first Ctrl-C (or SIGTERM) into a request to stop after the current frame; a second
    Ctrl-C stops at once. Installed only in the main thread (signals cannot be handled elsewhere)."""

    def __init__(self, notify: Callable[[str], None]) -> None:
        self.requested = False
        self._notify = notify
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopRequest:  # noqa: PYI034 — typing.Self needs Python 3.11
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        self._notify("stopping after this frame (Ctrl-C again to stop at once)")

    def __exit__(self, *_exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


class _Segments:
    """The video as consecutive segments, cut only where the config says (see ``checkpoint.py``)."""

    def __init__(self, config: Config, checkpoint: Checkpoint, segments: list[str]) -> None:
        self.config, self.checkpoint, self.committed = config, checkpoint, segments
        self._open: VideoSink | None = None

    def _start(self) -> None:
        out = self.config.output
        path = self.checkpoint.segment(len(self.committed))
        self._open = VideoSink(path, self.config.size, out.fps, out.crf, out.preset)

    def write(self, frame: np.ndarray) -> None:
        if self._open is None:
            self._start()
        assert self._open is not None
        self._open.write(frame)

    def cut(self, state: dict[str, np.ndarray], done: int) -> None:
        """Close the open segment, commit it with the state after frame ``done - 1``, and start the
        next segment's encoder (its start-up then overlaps the next frame's dreaming)."""
        assert self._open is not None
        self._open.close()
        self.committed.append(self._open.path.name)
        self._open = None
        self.checkpoint.commit(list(self.committed), done, state)
        if done < self.config.frame_count:
            self._start()

    def abort(self) -> None:
        if self._open is not None:
            self._open.abort()

    def parts(self, with_open: bool = False) -> list[Path]:
        names = [self.checkpoint.folder / name for name in self.committed]
        if with_open and self._open is not None and self._open.partial.exists() and self._open.frames:
            names.append(self._open.partial)
        return names


@contextlib.contextmanager
def _disk_errors(folder: Path, *, resumable: bool = True) -> Iterator[None]:
    """A failing disk (full, read-only, gone) as a one-line :class:`RenderFailed` about ``folder``."""
    try:
        yield
    except OSError as error:
        raise RenderFailed(describe_os_error(error, folder), resumable=resumable) from None


def _measure(
    frame: np.ndarray, index: int, dreamed: bool, objective: float | None, seconds: float
) -> dict[str, Any]:
    return {
        "frame": index,
        "dreamed": dreamed,
        "objective": objective,
        "seconds": seconds,
        "luminance": metrics.luminance(frame),
        "saturation": metrics.saturation(frame),
        "high_frequency": metrics.high_frequency(frame),
    }


def _drift(frame: np.ndarray, reference: float, chroma_first: float) -> str | None:
    """A warning when a run's colours run away from frame 0's (its mean L* ``reference`` and
    chroma ``chroma_first``), else ``None``."""
    lightness = metrics.luminance(frame)
    if lightness < 0.5 * reference:
        return f"luminance collapsing: L* {lightness:.0f} against {reference:.0f} at frame 0 (raise colour.strength?)"
    chroma = metrics.saturation(frame)
    if chroma > 2.0 * max(chroma_first, 5.0):
        return f"saturation exploding: chroma {chroma:.0f} against {chroma_first:.0f} at frame 0 (raise colour.strength?)"
    return None


def _pin_precision(config: Config, checkpoint: Checkpoint) -> Config:
    """``model.precision: auto`` made explicit: what the checkpoint being resumed was made with (an
    interrupted render goes on exactly, even where auto would pick otherwise), else what auto picks
    here. The video stores this config, so ``--from-video`` renders in the same precision."""
    if config.model.path is not None or config.model.precision != "auto":
        return config
    precision = checkpoint.precision() if checkpoint.exists() else None
    model = config.model.model_copy(update={"precision": precision or models.resolve_precision("auto")})
    return config.model_copy(update={"model": model})


def _finished(config: Config, video: Path) -> Report:
    """``--resume`` of a render whose video is complete: nothing to do when the video was made from
    this config (a script that re-runs its command after a crash must not fail on the renders that
    finished); an error naming the way out when it was made from another config, or not by dreamzoom."""
    try:
        stored = provenance.read(video)["config"]
    except DreamzoomError:
        raise DreamzoomError(f"{video} exists: use --overwrite to replace it", key="output.path") from None
    current = config_module.resolved(config)
    if config.model.precision == "auto":  # the video records what auto chose where it was made
        current["model"]["precision"] = stored.get("model", {}).get("precision", "auto")
    changed = differences(stored, current)
    if changed:
        listed = "; ".join(changed[:4]) + (f"; and {len(changed) - 4} more" if len(changed) > 4 else "")
        raise DreamzoomError(
            f"{video} is finished, but from another config ({listed}): use --overwrite to render it "
            "again, or -o for a new video",
            key="output.path",
        )
    return Report(video, config.frame_count, finished_before=True)


def run(
    config: Config,
    *,
    progress: bool = True,
    resume: bool = False,
    overwrite: bool = False,
    verbose: bool = False,
    notify: Callable[[str], None] | None = None,
) -> Report:
    """Render a config to its video, checkpointing as it goes.

    ``resume`` continues an interrupted render of the same config from its checkpoint (or starts
    afresh when there is none, or reports ``finished_before`` when its video is complete from this
    config); ``overwrite`` replaces an existing video and discards a checkpoint.
    Ctrl-C (or SIGTERM) stops after the current frame, leaving a playable ``NAME.partial.mp4`` and
    the checkpoint. ``notify`` receives one-line messages (warnings, checkpoints when ``verbose``).
    """
    started = time.perf_counter()
    output = config.output
    assert output.path is not None  # config.load fills in the default
    tell = notify or (lambda message: tqdm.write(message, file=sys.stderr))
    checkpoint = Checkpoint(output.path)
    # An old video stays until an interrupted --overwrite of it finishes: resuming that is allowed.
    if output.path.exists() and not overwrite and not (resume and checkpoint.exists()):
        if resume:
            return _finished(config, output.path)
        raise DreamzoomError(f"{output.path} exists: use --overwrite to replace it", key="output.path")
    if checkpoint.exists() and overwrite:
        checkpoint.remove()
    elif checkpoint.exists() and not resume:
        done = checkpoint.meta().get("done", 0)
        raise DreamzoomError(
            f"an interrupted render of {output.path} stopped after {done} frames: add --resume to continue, "
            "or --overwrite to start over",
            key="output.path",
        )
    config = _pin_precision(config, checkpoint)
    resolved = config_module.resolved(config)
    # A changed config is refused before the model loads.
    with _disk_errors(checkpoint.folder, resumable=False):
        done, segments, saved = checkpoint.resume(resolved) if checkpoint.exists() else (0, [], None)
    prepared = prepare(config)
    make_folder(output.path.parent, "output.path")
    stored = provenance.record(resolved, models.load(config.model).precision)
    metadata = json.dumps(stored, separators=(",", ":"), sort_keys=True)
    if not checkpoint.exists():
        with _disk_errors(checkpoint.folder, resumable=False):
            checkpoint.start(resolved)
    state = State.from_arrays(saved) if saved is not None else None
    total = config.frame_count
    report = Report(output.path, total, resumed_from=done)
    video = _Segments(config, checkpoint, segments)
    sinks: list[Sink] = [video]
    if output.frames_dir is not None:
        sinks.append(FramesSink(output.frames_dir, start=done))
    with _disk_errors(checkpoint.folder):
        telemetry = TelemetrySink(checkpoint.telemetry, keep=done)
    writer = WriterThread(sinks)
    bar = tqdm(
        total=total,
        initial=done,
        unit="frame",
        desc=output.path.name,
        disable=not progress,
        dynamic_ncols=True,
    )
    if done:
        tell(f"resuming {output.path.name} after frame {done - 1}")
    index, last, segment_start, warned = done, None, done, set()
    baseline: tuple[float, float] | None = None  # frame 0's lightness and chroma, for drift warnings
    clock = time.perf_counter()
    try:
        with _StopRequest(tell) as stop:
            for frame, after in frames(prepared, total, state):
                if not np.isfinite(frame).all():
                    raise RenderFailed(
                        f"frame {index} has NaN or infinite values (a too large dream.step_size?)",
                        resumable=False,  # the same config would fail the same way
                    )
                now = time.perf_counter()
                pixels = to_uint8(frame)
                writer.write(pixels)
                first = after.first if after is not None else (state.first if state else frame)
                row = (
                    frame,
                    index,
                    after is not None,
                    after.objective if after is not None else None,
                    now - clock,
                )
                writer.call(lambda row=row: telemetry.add(_measure(*row)))
                warning = None
                if index % 8 == 0:
                    baseline = baseline or (metrics.luminance(first), metrics.saturation(first))
                    warning = _drift(frame, *baseline)
                if warning and warning.split(":")[0] not in warned:
                    warned.add(warning.split(":")[0])
                    report.warnings.append(f"frame {index}: {warning}")
                    tell(f"warning: frame {index}: {warning}")
                clock, last = now, frame
                index += 1
                if after is not None:
                    state = after
                    if after.done - segment_start >= output.checkpoint_frames or after.done == total:
                        arrays = after.arrays()
                        writer.call(lambda arrays=arrays, done=after.done: video.cut(arrays, done))
                        segment_start = after.done
                        if verbose:
                            writer.call(lambda done=after.done: tell(f"checkpoint: {done}/{total} frames"))
                bar.update()
                if stop.requested and index < total:
                    report.interrupted = True
                    break
            flushing = time.perf_counter()
            writer.flush()
            report.io_seconds += time.perf_counter() - flushing
    except OSError as error:
        writer.stop()
        video.abort()
        raise RenderFailed(describe_os_error(error, output.path.parent)) from None
    except BaseException:
        with contextlib.suppress(BaseException):  # the original error is the one to report
            writer.stop()
        video.abort()
        raise
    finally:
        bar.close()
    writer.stop()
    report.io_seconds += writer.waited
    finishing = time.perf_counter()
    with _disk_errors(output.path.parent):  # finished segments stay in the checkpoint until the end
        telemetry.close()
        if report.interrupted:
            video.abort()
            report.path = partial_path(output.path)
            parts = video.parts(with_open=True)
            if parts:
                concatenate(parts, report.path, metadata)
            report.frames = index
            report.io_seconds += time.perf_counter() - finishing
            report.seconds = time.perf_counter() - started
            return report
        if config.loop is not None and state is not None and last is not None:
            report.seam = metrics.seam(state.changes, metrics.change(state.first, last))
        concatenate(video.parts(), output.path, metadata)
        report.seconds = time.perf_counter() - started
        facts = {
            "frames": total,
            "seconds": round(report.seconds, 3),
            "resumed_from": done,
            "warnings": report.warnings,
        }
        if report.seam is not None:
            facts["loop_seam"] = round(report.seam, 4)
        atomic_json(provenance.sidecar_path(output.path), provenance.sidecar(stored, facts))
        os.replace(checkpoint.telemetry, provenance.telemetry_path(output.path))
        checkpoint.remove()
        report.io_seconds += time.perf_counter() - finishing
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
    """Frame 0 of ``config`` dreamed with each cell's single objective term instead of its own.
    Every cell's layer (and channel) is checked before the first is dreamed."""
    model = models.load(config.model)
    for _, term in cells:
        if term.layer is not None:
            key = "--channels" if term.channels else "--layers"
            model.check_layer(term.layer, key=key)
            if term.channels:
                check_channels(model, term.layer, term.channels, key)
    return [(label, preview(with_objectives(config, [term]), 0)) for label, term in cells]
