"""The run: a render's state and I/O — claiming the output, the progress bar, Ctrl-C, the writer
thread, segments and checkpoints, telemetry, warnings, and the finished video with its sidecar.

The frames themselves come from :mod:`timeline` (pure: arrays and the state to resume from); this
module only decides where they go and keeps the night's work safe: a checkpoint after every segment,
a playable partial video on Ctrl-C, one-line failures that keep what is done.
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

from . import audio, formats, inspection, metrics, models, novelty, provenance
from . import config as config_module
from .assemble import Prepared, prepare
from .checkpoint import Checkpoint, differences
from .config import Config
from .errors import DreamzoomError, RenderFailed
from .ffmpeg import Soundtrack, concatenate
from .files import atomic_json, describe_os_error, make_folder
from .resolve import plan
from .sinks import FramesSink, SegmentedVideo, Sink, TelemetrySink, WriterThread, to_uint8
from .timeline import State, frames


def progress_bar(total: int, label: str, shown: bool, initial: int = 0) -> tqdm[Any]:
    """A progress bar of frames whose rate always reads in seconds a frame (tqdm's own flips to
    frames a second when they come faster than one a second)."""
    return tqdm(
        total=total,
        initial=initial,
        unit="frame",
        desc=label,
        disable=not shown,
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_inv_fmt}]",
    )


@dataclass
class Report:
    """What a render made."""

    path: Path  # the finished video, or (when interrupted) the playable video of what is done
    frames: int  # frames in that video
    #: The config as it ran (see ``resolve.Plan``): a video source's size and rate written in.
    config: Config
    seam: float | None = None  # loops only: last→first change over the median frame change
    resumed_from: int = 0  # the frame a resumed render continued from
    interrupted: bool = False  # stopped by Ctrl-C or SIGTERM; resume with --resume
    kept: int = 0  # interrupted: the frames the checkpoint keeps (--resume goes on after them)
    finished_before: bool = False  # --resume found the video complete, from this config: nothing to do
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0  # this session's (since the render started or resumed)
    #: The whole render's: earlier sessions' (the checkpoint keeps their sum) and this one's.
    render_seconds: float = 0.0
    #: Of ``seconds``, how long the render waited on encoding and writing (the writer thread does
    #: that work alongside the dreaming; the loop waits only when it falls behind, and at the end).
    io_seconds: float = 0.0
    #: Finished renders: how much the run kept discovering, judged by an independent network in
    #: the finished video, as ``dreamzoom inspect`` judges it.
    novelty: novelty.Summary | None = None


def keeps(kept: int) -> str:
    """What a checkpoint keeping ``kept`` frames holds, said the same way wherever it is said."""
    if kept == 0:
        return "the checkpoint keeps no frame yet"
    return f"the checkpoint keeps {'frame 0' if kept == 1 else f'frames 0–{kept - 1}'}"


def kept_phrase(kept: int) -> str:
    """What a checkpoint keeping ``kept`` frames holds and where ``--resume`` goes on, as the
    message of an interrupted render says it (checkpoints come only where segments end, so a render
    interrupted after 17 frames may go on after frame 15: the resumed render says the same)."""
    if kept == 0:
        return f"{keeps(kept)}, so --resume starts again at frame 0"
    return f"{keeps(kept)}, so --resume goes on after frame {kept - 1}"


def checkpoint_keeps(config: Config) -> int | None:
    """The frames the checkpoint of ``config``'s video keeps, or ``None`` where it has none (or one
    that cannot be read): for the message of a render stopped at once, by a second Ctrl-C."""
    assert config.output.path is not None  # config.load fills in the default
    checkpoint = Checkpoint(config.output.path)
    try:
        return checkpoint.done() if checkpoint.exists() else None
    except (DreamzoomError, TypeError, ValueError):
        return None


def _finished(config: Config, video: Path) -> Report:
    """``--resume`` of a render whose video is complete: nothing to do when the video was made from
    this config (a script that re-runs its command after a crash must not fail on the renders that
    finished); an error naming the way out when it was made from another config, or not by dreamzoom."""
    try:
        stored = provenance.read(video)["config"]
    except DreamzoomError:
        raise DreamzoomError(f"{video} exists: use --overwrite to replace it", key="output.path") from None
    # `auto` compared as what it chose where the video was made, as a resume of it would render.
    planned = plan(config, kept_precision=stored.get("model", {}).get("precision"))
    changed = differences(stored, config_module.resolved(planned.config))
    if changed:
        listed = "; ".join(changed[:4]) + (f"; and {len(changed) - 4} more" if len(changed) > 4 else "")
        raise DreamzoomError(
            f"{video} is finished, but from another config ({listed}): use --overwrite to render it "
            "again, or -o for a new video",
            key="output.path",
        )
    return Report(video, planned.frames, planned.config, finished_before=True)


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
    video = config.output.path
    assert video is not None  # config.load fills in the default
    checkpoint = Checkpoint(video)
    finished = _claim(config, checkpoint, resume=resume, overwrite=overwrite)
    if finished is not None:
        return finished
    # The stored config says what ran: a video's size, rate and length, the precision auto chose
    # (or that the interrupted render being resumed was made in, so that it goes on exactly).
    planned = plan(config, kept_precision=checkpoint.precision() if checkpoint.exists() else None)
    resolved = config_module.resolved(planned.config)
    # A changed config is refused before the model loads.
    with _disk_errors(checkpoint.folder, resumable=False):
        resumed = checkpoint.resume(resolved) if checkpoint.exists() else (0, [], None)
    prepared = prepare(planned)
    make_folder(video.parent, "output.path")
    stored = provenance.record(resolved, models.load(planned.config.model).precision)
    if not checkpoint.exists():
        with _disk_errors(checkpoint.folder, resumable=False):
            checkpoint.start(resolved)
    tell = notify or (lambda message: tqdm.write(message, file=sys.stderr))
    return _Run(prepared, checkpoint, stored, resumed, tell, verbose, started).render(progress)


def _claim(config: Config, checkpoint: Checkpoint, *, resume: bool, overwrite: bool) -> Report | None:
    """Check that this render may write its video (raising a one-line error naming the way out if
    not); a ``--resume`` of a video already finished from this config returns its report."""
    path = config.output.path
    assert path is not None
    # An old video stays until an interrupted --overwrite of it finishes: resuming that is allowed.
    if formats.exists(path) and not overwrite and not (resume and checkpoint.exists()):
        if resume:
            return _finished(config, path)
        raise DreamzoomError(
            f"{formats.shown(path)} exists: use --overwrite to replace it", key="output.path"
        )
    if checkpoint.exists() and overwrite:
        checkpoint.remove()
    elif checkpoint.exists() and not resume:
        done = checkpoint.done()
        raise DreamzoomError(
            f"an interrupted render of {path} is waiting ({keeps(done)}): add --resume to continue, "
            "or --overwrite to start over",
            key="output.path",
        )
    return None


class _Run:
    """One render in progress: its sinks, writer thread, telemetry, warnings and report."""

    def __init__(
        self,
        prepared: Prepared,
        checkpoint: Checkpoint,
        stored: dict[str, Any],
        resumed: tuple[int, list[str], dict[str, np.ndarray] | None],
        tell: Callable[[str], None],
        verbose: bool,
        started: float,
    ) -> None:
        done, segments, saved = resumed
        self.prepared, self.config, self.checkpoint = prepared, prepared.config, checkpoint
        self.stored, self.tell, self.verbose, self.started = stored, tell, verbose, started
        self.metadata = json.dumps(stored, separators=(",", ":"), sort_keys=True)
        assert self.config.output.path is not None  # config.load fills in the default
        self.path: Path = self.config.output.path
        self.state = State.from_arrays(saved) if saved is not None else None
        self.total = prepared.plan.frames
        self.report = Report(self.path, self.total, self.config, resumed_from=done)
        self.video = SegmentedVideo(self.config, checkpoint, segments, self.total)
        sinks: list[Sink] = [self.video]
        if self.config.output.frames_dir is not None:
            sinks.append(FramesSink(self.config.output.frames_dir, start=done))
        with _disk_errors(checkpoint.folder):
            self.telemetry = TelemetrySink(checkpoint.telemetry, keep=done)
        self.writer = WriterThread(sinks)
        self.index = self.segment_start = done
        self.last: np.ndarray | None = None  # the last frame emitted, for a loop's seam figure
        self.drift = metrics.DriftWatch()
        self.novelty = novelty.Watch(self.config.output.fps, saved)
        self.exploration = prepared.exploration
        if saved is not None and self.exploration is not None:
            self.exploration.restore(saved)  # things picked by resemblance before the stop
        self.held: list[dict[str, Any]] = []  # telemetry of in-betweens, until their dreamed frame
        self.earlier = checkpoint.seconds()  # seconds of the sessions before this one
        self.clock = time.perf_counter()

    def render(self, progress: bool) -> Report:
        """Stream every frame to the sinks, then finish the video (or, when stopped, a partial)."""
        if self.index:
            self.tell(f"resuming {self.path.name} after frame {self.index - 1} ({keeps(self.index)})")
        bar = progress_bar(self.total, self.path.name, progress, initial=self.index)
        try:
            with _StopRequest(self.tell) as stop:
                for frame, after in frames(self.prepared, self.total, self.state):
                    self._emit(frame, after)
                    bar.update()
                    if stop.requested and self.index < self.total:
                        self.report.interrupted = True
                        break
                self.writer.call(self._release)
                flushing = time.perf_counter()
                self.writer.flush()
                self.report.io_seconds += time.perf_counter() - flushing
        except OSError as error:
            self.writer.stop()
            self.video.abort()
            raise RenderFailed(describe_os_error(error, self.path.parent)) from None
        except BaseException:
            with contextlib.suppress(BaseException):  # the original error is the one to report
                self.writer.stop()
            self.video.abort()
            raise
        finally:
            bar.close()
        self.writer.stop()
        self.report.io_seconds += self.writer.waited
        return self._finish()

    def _emit(self, frame: np.ndarray, after: State | None) -> None:
        """Hand one frame to the writer thread, with its telemetry row; warn of drift; checkpoint
        after a dreamed frame where a segment ends."""
        index = self.index
        if not np.isfinite(frame).all():
            raise RenderFailed(
                f"frame {index} has NaN or infinite values (a too large dream.step_size?)",
                resumable=False,  # the same config would fail the same way
            )
        now = time.perf_counter()
        self.writer.write(to_uint8(frame))
        objective, dreaming = (after.objective, after.seconds) if after is not None else (None, None)
        row = (frame, index, after is not None, objective, now - self.clock)
        self.writer.call(lambda: self._measure(*row, dreaming=dreaming))
        first = after.first if after is not None else (self.state.first if self.state else frame)
        if self.config.source.video is None:  # a video's own colours change with its scenes
            self._warn(index, self.drift.check(index, frame, first))
        self.clock, self.last = now, frame
        self.index += 1
        if after is not None:
            self._dreamed(after)

    def _measure(self, frame: np.ndarray, index: int, *rest: Any, dreaming: float | None) -> None:
        """In the writer thread: the frame's telemetry row, with its novelty when it is judged.

        With a cadence, a keyframe is dreamed before the in-betweens leading to it, so the first
        in-between's time since the last frame holds the dream's ``dreaming`` seconds: its row waits
        for the dreamed frame, which takes those seconds back, so that each row says what its own
        frame cost."""
        row = metrics.telemetry_row(frame, index, *rest)
        row["novelty"] = self.novelty.see(index, frame)
        row.update(self.novelty.named(index))
        self._warn(index, self.novelty.collapse())
        if not row["dreamed"]:
            self.held.append(row)
            return
        if self.held and dreaming:
            moved = min(dreaming, self.held[0]["seconds"])
            self.held[0]["seconds"] -= moved
            row["seconds"] += moved
        self.held.append(row)
        self._release()

    def _release(self) -> None:
        """In the writer thread: the held telemetry rows written (as they are, if a stop leaves
        in-betweens without their dreamed frame)."""
        for row in self.held:
            self.telemetry.add(row)
        self.held = []

    def _warn(self, index: int, warning: str | None) -> None:
        if warning:
            self.report.warnings.append(f"frame {index}: {warning}")
            self.tell(f"warning: frame {index}: {warning}")

    def _dreamed(self, after: State) -> None:
        """After a dreamed frame: the state to resume from, committed where a segment ends."""
        self.state = after
        done = after.done
        if done - self.segment_start < self.config.output.checkpoint_frames and done != self.total:
            return
        arrays = {**after.arrays(), **(self.exploration.arrays() if self.exploration else {})}
        seconds = self._render_seconds()
        self.writer.call(lambda: self.video.cut({**arrays, **self.novelty.arrays()}, done, seconds))
        self.segment_start = done
        if self.verbose:
            self.writer.call(lambda: self.tell(f"checkpoint: {done}/{self.total} frames"))

    def _finish(self) -> Report:
        """Join the segments into the video (or, when interrupted, the partial video)."""
        finishing = time.perf_counter()
        with _disk_errors(self.path.parent):  # finished segments stay in the checkpoint until the end
            self.telemetry.close()
            if self.report.interrupted:
                self._partial()
            else:
                self._complete()
        self.report.io_seconds += time.perf_counter() - finishing
        if self.report.interrupted:  # a finished video's seconds are those its sidecar records
            self.report.seconds = time.perf_counter() - self.started
            self.report.render_seconds = self._render_seconds()
        return self.report

    def _render_seconds(self) -> float:
        """Seconds the render has taken so far: earlier sessions' and this one's."""
        return self.earlier + time.perf_counter() - self.started

    def _partial(self) -> None:
        """A playable ``NAME.partial.mp4`` of what is done; the checkpoint stays for ``--resume``."""
        self.video.abort()
        self.report.path = formats.partial(self.path)
        parts = self.video.parts(with_open=True)
        if parts:
            concatenate(
                parts, self.report.path, self.config.output.crf, self.metadata, self._sound(self.index)
            )
        self.report.frames = self.index
        with contextlib.suppress(OSError):  # best effort: the time is a figure, the frames are kept
            self.checkpoint.note_seconds(self._render_seconds())  # a resume counts on from there
        self.report.kept = self.checkpoint.done()

    def _complete(self) -> None:
        """The finished video, its sidecar and telemetry beside it; the checkpoint goes."""
        report, state = self.report, self.state
        if self.config.loop is not None and state is not None and self.last is not None:
            report.seam = metrics.seam(state.changes, metrics.change(state.first, self.last))
        concatenate(
            self.video.parts(), self.path, self.config.output.crf, self.metadata, self._sound(self.total)
        )
        # Judged in the finished video, as `dreamzoom inspect` judges it, so that the two agree.
        report.novelty = inspection.summary(self.path, self.config.output.fps)
        report.seconds = time.perf_counter() - self.started
        report.render_seconds = self._render_seconds()
        facts: dict[str, Any] = {
            "frames": self.total,
            "seconds": round(report.render_seconds, 3),  # the whole render, across resumes
            "session_seconds": round(report.seconds, 3),  # since the last start or resume
            "resumed_from": report.resumed_from,
            "warnings": report.warnings,
            "novelty": report.novelty.facts(),
        }
        if report.seam is not None:
            facts["loop_seam"] = round(report.seam, 4)
        if self.prepared.plan.song is not None:
            facts["audio"] = audio.describe(self.prepared.plan.song.analysis)
        atomic_json(provenance.sidecar_path(self.path), provenance.sidecar(self.stored, facts))
        os.replace(self.checkpoint.telemetry, provenance.telemetry_path(self.path))
        self.checkpoint.remove()

    def _sound(self, frames: int) -> Soundtrack | None:
        """The sound under the first ``frames`` frames: the config's song, else a video source's own
        sound (from where the render starts in it), else none."""
        seconds = frames / self.config.output.fps
        track, video = self.config.audio, self.config.source.video
        if track is not None:
            return Soundtrack(track.path, track.offset, seconds)
        if video is not None and self.prepared.plan.video is not None and self.prepared.plan.video.sound:
            return Soundtrack(video.path, video.start, seconds)
        return None


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


@contextlib.contextmanager
def _disk_errors(folder: Path, *, resumable: bool = True) -> Iterator[None]:
    """A failing disk (full, read-only, gone) as a one-line :class:`RenderFailed` about ``folder``."""
    try:
        yield
    except OSError as error:
        raise RenderFailed(describe_os_error(error, folder), resumable=resumable) from None
