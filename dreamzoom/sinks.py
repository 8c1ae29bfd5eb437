"""Where frames go: H.264 through ffmpeg, numbered PNGs, telemetry rows; atomic file handling.

Frames are written as they are made, never collected in memory, by a writer thread so that
encoding and file writing overlap the dreaming. Every file is written under a temporary name and
renamed into place only when complete, so no path ever holds a half-written file. ffmpeg (the
binary imageio-ffmpeg ships) runs in its own process group, so Ctrl-C reaches dreamzoom alone and
the video can still be closed cleanly. This module knows nothing of TensorFlow.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import cv2
import imageio_ffmpeg
import numpy as np

from .errors import DreamzoomError, RenderFailed


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """A float RGB frame in [0, 1] as 8-bit RGB, rounded to nearest."""
    return np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)


class Sink(Protocol):
    """Something that takes 8-bit RGB frames in order (the :class:`WriterThread` feeds it; whoever
    made it decides how it ends)."""

    def write(self, frame: np.ndarray) -> None: ...


def partial_path(path: Path) -> Path:
    """The temporary name a video is written under until it is complete (``x.mp4`` → ``x.partial.mp4``)."""
    return path.with_name(f"{path.stem}.partial{path.suffix}")


def describe_os_error(error: OSError, path: Path | str) -> str:
    """One line for a failed write, naming the likely cause."""
    causes = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file is too large for this system",
        errno.EACCES: "permission denied",
        errno.EROFS: "the file system is read-only",
    }
    return f"cannot write {path}: {causes.get(error.errno or 0, error.strerror or str(error))}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, _FILE_MODE)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def atomic_json(path: Path, value: Any) -> None:
    """:func:`atomic_write` of a JSON document."""
    atomic_write(path, json.dumps(value, indent=1, sort_keys=True).encode())


def _sync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _ffmpeg(arguments: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start the bundled ffmpeg in its own session (Ctrl-C in the terminal does not reach it)."""
    return subprocess.Popen(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *arguments],
        start_new_session=True,
        **popen,
    )


def _last_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


class VideoSink:
    """Streams 8-bit RGB frames into an H.264 (yuv420p, constant quality) MP4.

    Writes ``NAME.partial.mp4`` and renames it to ``path`` on :meth:`close`; :meth:`abort` leaves the
    partial file (a playable video of the frames so far).
    """

    def __init__(
        self,
        path: Path,
        size: tuple[int, int],
        fps: float,
        crf: int,
        preset: str,
    ) -> None:
        self.path = Path(path)
        self.partial = partial_path(self.path)
        make_folder(self.path.parent, "output.path")
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 — lives as long as ffmpeg does
        rate = str(Fraction(fps).limit_denominator(1001))
        arguments = [
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{size[0]}x{size[1]}",
            "-r",
            rate,
            "-i",
            "-",
        ]
        arguments += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf), "-preset", preset]
        arguments += ["-movflags", "+faststart", "-f", "mp4", "-v", "error", str(self.partial)]
        self._process = _ffmpeg(
            arguments, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errors
        )
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(np.ascontiguousarray(frame).tobytes())
        except (BrokenPipeError, OSError):
            self._process.wait()
            raise RenderFailed(self._failure("stopped while encoding")) from None
        self.frames += 1

    def _finish(self) -> int:
        assert self._process.stdin is not None
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        return self._process.wait()

    def _failure(self, what: str) -> str:
        self._errors.seek(0)
        detail = _last_line(self._errors.read())
        folder = self.path.parent
        try:
            if os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize < 1 << 20:
                detail = f"the disk is full ({detail})"
        except OSError:
            pass
        return f"ffmpeg {what} {self.partial.name}: {detail}"

    def close(self) -> None:
        """Finish the file and move it to its final name."""
        if self._finish() != 0:
            raise RenderFailed(self._failure("failed to finish"))
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Stop ffmpeg, leaving what was written (a playable video) under the temporary name."""
        self._finish()


def concatenate(parts: Sequence[Path], path: Path, metadata: str | None = None) -> None:
    """Join MP4 segments of one encoding into a single MP4 without re-encoding (written under its
    temporary name, then renamed to ``path``)."""
    partial = partial_path(path)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=path.parent, delete=False) as listing:
        for part in parts:
            escaped = str(Path(part).resolve()).replace("'", "'\\''")
            listing.write(f"file '{escaped}'\n")
    arguments = ["-f", "concat", "-safe", "0", "-i", listing.name, "-c", "copy", "-map_metadata", "-1"]
    if metadata is not None:
        arguments += ["-metadata", f"comment={metadata}"]
    arguments += ["-movflags", "+faststart", "-f", "mp4", "-v", "error", str(partial)]
    try:
        result = _ffmpeg(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, errors = result.communicate()
    finally:
        Path(listing.name).unlink(missing_ok=True)
    if result.returncode != 0:
        raise RenderFailed(
            f"ffmpeg could not join the video segments into {partial.name}: {_last_line(errors)}"
        )
    os.replace(partial, path)


def read_comment(video: Path) -> str | None:
    """The ``comment`` metadata of a video (dreamzoom stores its provenance there), if any."""
    process = _ffmpeg(
        ["-v", "error", "-i", str(video), "-f", "ffmetadata", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    output, errors = process.communicate()
    if process.returncode != 0:
        raise DreamzoomError(f"cannot read {video} as a video: {_last_line(errors)}", key="--from-video")
    return _ffmetadata(output.decode(errors="replace")).get("comment")


def _ffmetadata(text: str) -> dict[str, str]:
    """Parse ffmpeg's FFMETADATA format (``key=value`` lines, ``\\`` escapes, escaped newlines)."""
    values: dict[str, str] = {}
    key, value, escaped = None, [], False
    for line in text.splitlines(keepends=True):
        if key is None:
            if line.startswith((";", "#", "[")) or "=" not in line:
                continue
            key, _, line = line.partition("=")
        for character in line:
            if escaped:
                value.append(character)
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == "\n":
                values[key], key, value = "".join(value), None, []
                break
            else:
                value.append(character)
    if key is not None:
        values[key] = "".join(value)
    return values


class FramesSink:
    """Writes every frame as ``frame_00000.png``, ``frame_00001.png``, … into a folder."""

    def __init__(self, folder: Path, start: int = 0) -> None:
        self.folder = Path(folder)
        make_folder(self.folder, "output.frames_dir")
        self.index = start

    def write(self, frame: np.ndarray) -> None:
        write_png(self.folder / f"frame_{self.index:05d}.png", frame, key="output.frames_dir")
        self.index += 1


def write_png(path: Path, frame: np.ndarray, key: str = "-o") -> Path:
    """Write one 8-bit RGB image as a PNG, atomically (its folder created); errors name ``key``."""
    path = Path(path)
    make_folder(path.parent, key)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise DreamzoomError(f"cannot encode {path} as PNG", key=key)
    try:
        atomic_write(path, encoded.tobytes())
    except OSError as error:
        raise RenderFailed(describe_os_error(error, path)) from None
    return path


class TelemetrySink:
    """Per-frame measurements as CSV rows, flushed as they come (a crash keeps what was written)."""

    COLUMNS = ("frame", "dreamed", "objective", "seconds", "luminance", "saturation", "high_frequency")

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


def make_folder(folder: Path, key: str) -> None:
    """Create a folder for output (and check that it can be written), or fail naming ``key``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DreamzoomError(f"cannot create folder {folder}: {error.strerror}", key=key) from None
    if not os.access(folder, os.W_OK):
        raise DreamzoomError(f"folder {folder} is not writable", key=key)
