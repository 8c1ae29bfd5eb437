"""Where frames go: a video's segments (through :mod:`ffmpeg`, committed to the checkpoint as each
ends), numbered PNGs, telemetry rows, and a single still as the PNG or JPEG its name asks for.

Frames are written as they are made, never collected in memory, by a writer thread so that
encoding and file writing overlap the dreaming. Files are written atomically (:mod:`files`): a
video under its temporary name until it is complete, every PNG renamed into place whole. This
module knows nothing of TensorFlow.
"""

from __future__ import annotations

import csv
import io
import os
import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from . import formats
from .checkpoint import Checkpoint
from .config import Config
from .errors import DreamzoomError, RenderFailed
from .ffmpeg import Encoder
from .files import atomic_write, describe_os_error, make_folder, partial_path, write_png

#: The formats a still (or a sheet, or a plot) is written in, by the extension of its name.
STILL_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """A float RGB frame in [0, 1] as 8-bit RGB, rounded to nearest."""
    return np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)


def still_problem(path: Path) -> str | None:
    """Why ``path`` cannot name a still (its extension is not one of :data:`STILL_FORMATS`), else
    ``None``: a ``.gif`` or ``.webp`` would otherwise hold PNG bytes under its name."""
    if path.suffix.lower() in STILL_FORMATS:
        return None
    ending = f"ends in {path.suffix}" if path.suffix else "has no extension"
    return f"{path.name} {ending}: stills are written as PNG or JPEG, so name it .png, .jpg or .jpeg"


def write_still(path: Path, image: np.ndarray, key: str = "--output") -> Path:
    """Write 8-bit RGB ``image`` atomically as the PNG or JPEG its name asks for; errors name ``key``."""
    path = Path(path)
    problem = still_problem(path)
    if problem:
        raise DreamzoomError(problem, key=key)
    if STILL_FORMATS[path.suffix.lower()] == "PNG":
        return write_png(path, image, key)
    make_folder(path.parent, key)
    encoded = io.BytesIO()
    Image.fromarray(image).save(encoded, "JPEG", quality=95)
    try:
        atomic_write(path, encoded.getvalue())
    except OSError as error:
        raise RenderFailed(describe_os_error(error, path)) from None
    return path


class Sink(Protocol):
    """Something that takes 8-bit RGB frames in order (the :class:`WriterThread` feeds it; whoever
    made it decides how it ends)."""

    def write(self, frame: np.ndarray) -> None: ...


class VideoSink:
    """Streams 8-bit RGB frames into an MP4 with the encoder options ``video``.

    Writes ``NAME.partial.mp4`` and renames it to ``path`` on :meth:`close`; :meth:`abort` leaves the
    partial file (a playable video of the frames so far).
    """

    def __init__(self, path: Path, size: tuple[int, int], fps: float, video: Sequence[str]) -> None:
        self.path = Path(path)
        self.partial = partial_path(self.path)
        make_folder(self.path.parent, "output.path")
        self._encoder = Encoder(self.partial, size, fps, video)
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        self._encoder.write(np.ascontiguousarray(frame).tobytes())
        self.frames += 1

    def close(self) -> None:
        """Finish the file and move it to its final name."""
        if self._encoder.finish() != 0:
            raise RenderFailed(self._encoder.failure("failed to finish"))
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Stop ffmpeg, leaving what was written (a playable video) under the temporary name."""
        self._encoder.finish()


class FramesSink:
    """Writes every frame as ``frame_00000.png``, ``frame_00001.png``, … into a folder."""

    def __init__(self, folder: Path, start: int = 0) -> None:
        self.folder = Path(folder)
        make_folder(self.folder, "output.frames_dir")
        self.index = start

    def write(self, frame: np.ndarray) -> None:
        write_png(self.folder / f"frame_{self.index:05d}.png", frame, key="output.frames_dir")
        self.index += 1


class TelemetrySink:
    """Per-frame measurements as CSV rows, flushed as they come (a crash keeps what was written)."""

    COLUMNS = (
        "frame",
        "dreamed",
        "objective",
        "seconds",
        "luminance",
        "saturation",
        "high_frequency",
        "novelty",
        "thing",
        "confidence",
    )

    def __init__(self, path: Path, keep: int = 0) -> None:
        """Open ``path``, keeping only the rows of frames before ``keep`` (when resuming)."""
        self.path = Path(path)
        rows: list[list[str]] = []
        if keep and self.path.exists():
            with self.path.open(newline="") as existing:
                rows = [row for row in list(csv.reader(existing))[1:] if row and int(row[0]) < keep]
        self._file = self.path.open("w", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(self.COLUMNS)
        self._writer.writerows(rows)
        self._file.flush()

    def add(self, row: dict[str, Any]) -> None:
        self._writer.writerow([_cell(row.get(column)) for column in self.COLUMNS])
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class WriterThread:
    """Runs sinks' writes on a background thread, so encoding and file writing overlap dreaming.

    The queue is short (a few frames), so memory stays flat; an error in the thread is raised in
    the caller at its next :meth:`write`, :meth:`flush` or :meth:`close`.
    """

    def __init__(self, sinks: list[Sink], depth: int = 4) -> None:
        self.sinks = sinks
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self.waited = 0.0  # seconds callers spent blocked on a full queue
        self._thread = threading.Thread(target=self._work, name="dreamzoom-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    if callable(item):
                        item()
                    else:
                        for sink in self.sinks:
                            sink.write(item)
            except BaseException as error:  # noqa: BLE001 — handed to the main thread
                self._error = error
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def write(self, frame: np.ndarray) -> None:
        """Queue a frame for every sink (waiting only if the queue is full)."""
        self._put(frame)

    def call(self, action: Any) -> None:
        """Run ``action()`` on the writer thread, in order with the frames."""
        self._put(action)

    def _put(self, item: Any) -> None:
        self._raise()
        started = time.perf_counter()
        self._queue.put(item)
        self.waited += time.perf_counter() - started

    def flush(self) -> None:
        """Wait until everything queued is written."""
        self._queue.join()
        self._raise()

    def stop(self) -> None:
        """Finish the queue and end the thread (sinks are left open)."""
        self._queue.put(None)
        self._thread.join()
        self._raise()


class SegmentedVideo:
    """The video as consecutive segments, each committed to the checkpoint with the state to resume
    from, cut only where the config says (see ``checkpoint.py``); ``total``: the render's frames."""

    def __init__(self, config: Config, checkpoint: Checkpoint, segments: list[str], total: int) -> None:
        self.config, self.checkpoint, self.committed, self.total = config, checkpoint, segments, total
        self._open: VideoSink | None = None

    def _start(self) -> None:
        out = self.config.output
        path = self.checkpoint.segment(len(self.committed))
        assert out.path is not None  # config.load fills in the default
        self._open = VideoSink(
            path, self.config.size, out.fps, formats.segment_video(out.path, out.crf, out.preset)
        )

    def write(self, frame: np.ndarray) -> None:
        if self._open is None:
            self._start()
        assert self._open is not None
        self._open.write(frame)

    def cut(self, state: dict[str, np.ndarray], done: int, seconds: float) -> None:
        """Close the open segment, commit it with the state after frame ``done - 1`` (and the
        render's ``seconds`` so far), and start the next segment's encoder (its start-up then
        overlaps the next frame's dreaming)."""
        assert self._open is not None
        self._open.close()
        self.committed.append(self._open.path.name)
        self._open = None
        self.checkpoint.commit(list(self.committed), done, state, seconds)
        if done < self.total:
            self._start()

    def abort(self) -> None:
        if self._open is not None:
            self._open.abort()

    def parts(self, with_open: bool = False) -> list[Path]:
        names = [self.checkpoint.folder / name for name in self.committed]
        if with_open and self._open is not None and self._open.partial.exists() and self._open.frames:
            names.append(self._open.partial)
        return names
