"""Where frames go: an H.264 stream through ffmpeg, numbered PNGs.

Frames are written as they are made, never collected in memory. The video is written under a
temporary name beside its final path and renamed only when ffmpeg has closed it cleanly, so the
output path never holds a half-written file. This module knows nothing of TensorFlow.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import cv2
import imageio_ffmpeg
import numpy as np

from .errors import DreamzoomError


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """A float RGB frame in [0, 1] as 8-bit RGB, rounded to nearest."""
    return np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)


class Sink(Protocol):
    """Something that takes 8-bit RGB frames in order and is closed once at the end."""

    def write(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def partial_path(path: Path) -> Path:
    """The temporary name a video is written under until it is complete (``x.mp4`` → ``x.partial.mp4``)."""
    return path.with_name(f"{path.stem}.partial{path.suffix}")


class VideoSink:
    """Streams frames to ffmpeg (the binary imageio-ffmpeg ships): H.264, yuv420p, constant quality."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, crf: int, preset: str) -> None:
        self.path = Path(path)
        self.partial = partial_path(self.path)
        _make_parent(self.path, "output.path")
        self._stream = imageio_ffmpeg.write_frames(
            str(self.partial),
            size,
            fps=fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            quality=None,
            macro_block_size=2,
            ffmpeg_log_level="error",
            output_params=["-crf", str(crf), "-preset", preset, "-movflags", "+faststart", "-f", "mp4"],
        )
        self._stream.send(None)  # starts ffmpeg
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        self._stream.send(np.ascontiguousarray(frame))
        self.frames += 1

    def close(self) -> None:
        """Finish the file and move it to its final name."""
        self._stream.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Stop ffmpeg, leaving what was written (a playable video) under the temporary name."""
        self._stream.close()


class FramesSink:
    """Writes every frame as ``frame_00000.png``, ``frame_00001.png``, … into a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        _make_parent(self.folder / "x", "output.frames_dir")
        self.index = 0

    def write(self, frame: np.ndarray) -> None:
        write_png(self.folder / f"frame_{self.index:05d}.png", frame, key="output.frames_dir")
        self.index += 1

    def close(self) -> None:
        """Nothing to finish: each PNG is complete when written."""

    abort = close


def write_png(path: Path, frame: np.ndarray, key: str = "-o") -> Path:
    """Write one 8-bit RGB image as a PNG (its folder created); errors name ``key``."""
    path = Path(path)
    _make_parent(path, key)
    if not cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
        raise DreamzoomError(f"cannot write {path} (is it a .png path?)", key=key)
    return path


def _make_parent(path: Path, key: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DreamzoomError(f"cannot create folder {path.parent}: {error.strerror}", key=key) from None
    if not os.access(path.parent, os.W_OK):
        raise DreamzoomError(f"folder {path.parent} is not writable", key=key)
