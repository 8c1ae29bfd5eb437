"""Provenance: what made a video, stored in it and beside it, so that any video can be rendered again.

Every finished video carries, in its MP4 ``comment`` metadata, a JSON record of the resolved config
(every value explicit, ``model.precision`` the one computed in rather than ``auto``), the seed, the
versions of dreamzoom, Keras, its backend (TensorFlow, JAX or PyTorch) and NumPy, and the runtime:
the backend, the precision, the device and the CPU flags that chose it (bfloat16 and float32 frames
differ, and so do a backend's, so a video names the ones it got). A
sidecar ``NAME.json`` holds the same plus the facts of the run (when, how long, the loop seam,
warnings). ``dreamzoom render --from-video`` reads either back.
"""

from __future__ import annotations

import importlib
import json
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import imageio_ffmpeg
import numpy as np

from . import formats
from ._version import __version__
from .errors import DreamzoomError
from .ffmpeg import read_comment

if TYPE_CHECKING:
    from .precision import Hardware

FORMAT = "dreamzoom/1"


def versions() -> dict[str, str]:
    """The versions of everything that shapes the frames."""
    from .backend import NAME, keras

    return {
        "dreamzoom": __version__,
        # The Keras backend's own version (tensorflow, jax or torch), from the module itself: its
        # distribution may have another name (tensorflow-cpu, tensorflow-macos, a nightly).
        NAME: str(importlib.import_module(NAME).__version__),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "ffmpeg": imageio_ffmpeg.get_ffmpeg_version(),
        "librosa": metadata.version("librosa"),  # a song's beats and envelopes
    }


def runtime(precision: str, hardware: Hardware | None = None) -> dict[str, Any]:
    """The precision a render computed in, the Keras backend that computed it, the device it ran on
    (``hardware``, default this machine) and the CPU flags that chose the precision."""
    from .backend import NAME
    from .precision import detect_hardware

    return {"precision": precision, "backend": NAME, **(hardware or detect_hardware()).facts()}


def record(resolved: dict[str, Any], precision: str, hardware: Hardware | None = None) -> dict[str, Any]:
    """The provenance stored inside the video: no timestamps, so that a resumed render's file is
    identical to an uninterrupted one's."""
    return {
        "format": FORMAT,
        "versions": versions(),
        "runtime": runtime(precision, hardware),
        "seed": resolved.get("seed"),
        "config": resolved,
    }


def sidecar_path(video: Path) -> Path:
    return formats.beside(video, ".json")


def telemetry_path(video: Path) -> Path:
    return formats.beside(video, ".frames.csv")


def sidecar(stored: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """The sidecar document: the stored record plus the facts of this run."""
    return {**stored, "run": {"finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **facts}}


def read(video: Path) -> dict[str, Any]:
    """The provenance record of a video: from its metadata, else from its sidecar JSON."""
    video = Path(video)
    sequence = formats.is_sequence(video)  # a folder of frames: only its sidecar knows
    if not (formats.exists(video) if sequence else video.is_file()):
        raise DreamzoomError(f"file not found: {video}", key="--from-video")
    comment = None if sequence else read_comment(video)
    candidates = [comment] if comment else []
    beside = sidecar_path(video)
    if beside.is_file():
        candidates.append(beside.read_text(encoding="utf-8", errors="replace"))
    for text in candidates:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or a crafted comment nested thousands deep
            continue
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("config"), dict):
            return data
    raise DreamzoomError(
        f"{video.name} carries no dreamzoom provenance (was it made by dreamzoom?)", key="--from-video"
    )
