"""Atomic file handling and one-line OS errors.

Every file dreamzoom writes is written under a temporary name and renamed into place only when
complete, so no path ever holds a half-written file and a crash leaves either the old file or the
new one. A failed write becomes one line naming its likely cause (a full disk, a quota, a read-only
file system) instead of a traceback. This module knows nothing of TensorFlow or ffmpeg.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .errors import DreamzoomError, RenderFailed


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


def make_folder(folder: Path, key: str) -> None:
    """Create a folder for output (and check that it can be written), or fail naming ``key``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DreamzoomError(f"cannot create folder {folder}: {error.strerror}", key=key) from None
    if not os.access(folder, os.W_OK):
        raise DreamzoomError(f"folder {folder} is not writable", key=key)


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner alone; an atomic write should leave what open() would.
_FILE_MODE = 0o666 & ~_umask()


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
    """Make a rename in ``folder`` survive a power cut, where the file system allows it (best effort:
    some cannot open or sync a folder, and the rename itself has already happened)."""
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
