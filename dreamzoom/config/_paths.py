"""Paths in a config: names the system can take, and the input files a render reads.

Every path is checked before any work starts, so that a null byte, an over-long name or a missing
photo is one line naming the key, not an exception when the file is first opened, perhaps hours into
a render. Input files are made absolute (see the package's docstring for against what).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator

from .. import formats
from ..errors import DreamzoomError
from ._messages import SHORT
from ._walk import Loc, S, replaced, walk


class _InputFile:
    """Marks a field that names a file the render reads (resolved and checked at load time)."""


INPUT_FILE = _InputFile()
InputPath = Annotated[Path, INPUT_FILE]


def _os_limit(name: str, fallback: int) -> int:
    """A file-name limit of this system (``PC_NAME_MAX``, ``PC_PATH_MAX``), or the usual value."""
    try:
        return os.pathconf("/", name)
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no such limit
        return fallback


#: The longest file name and path, in bytes, that this system takes (255 and 4096 on Linux).
NAME_MAX, PATH_MAX = _os_limit("PC_NAME_MAX", 255), _os_limit("PC_PATH_MAX", 4096)
#: Bytes dreamzoom may add to a path it writes: an atomic write's temporary name
#: (``.NAME.XXXXXXXX.tmp``); a frame in ``output.frames_dir``; a video's checkpoint folder and the
#: files in it (``.NAME.mp4.dreamzoom/.state_000000.npz.XXXXXXXX.tmp``).
FILE_ROOM = len("..XXXXXXXX.tmp")
FRAMES_ROOM = len("/frame_00000.png") + FILE_ROOM
VIDEO_ROOM = len("..dreamzoom/state_000000.npz") + FILE_ROOM


def path_problem(path: str | Path, room: int = 0) -> str | None:
    """Why the operating system would refuse ``path``, as a phrase quoting it, or ``None``.

    ``room``: bytes dreamzoom adds to the name for its own files.
    """
    text = str(path)
    if not text:  # an unset "$DIR": it would mean the current folder, or be ignored
        return "an empty path names no file"
    shown = SHORT.repr(text)
    if "\x00" in text:
        return f"{shown} holds a null byte, which no file name may"
    try:
        full = os.fsencode(os.path.abspath(text))
    except (UnicodeError, ValueError):
        return f"{shown} holds characters that file names on this system cannot"
    *folders, name = full.split(os.fsencode(os.sep))
    over = [(len(part), NAME_MAX) for part in folders if len(part) > NAME_MAX]
    over += [(len(name), NAME_MAX - room)] if len(name) + room > NAME_MAX else []
    if over:
        return f"{shown} has a name of {over[0][0]} bytes, more than the {over[0][1]} that fit"
    if len(full) + room >= PATH_MAX:
        return f"{shown} is {len(full)} bytes as a full path, more than the {PATH_MAX - 1 - room} that fit"
    return None


def fits(room: int) -> AfterValidator:
    """The check of a path dreamzoom writes (adding up to ``room`` bytes of its own names)."""

    def check(path: Path) -> Path:
        problem = path_problem(path, room)
        if problem:
            raise ValueError(problem)
        return path

    return AfterValidator(check)


def output_name(value: Any) -> Any:
    """``output.path`` as given: a folder (``frames/``) stands for the pattern of its frames, which a
    path object would forget (see ``formats.canonical``)."""
    if isinstance(value, str | Path):
        with contextlib.suppress(OSError, ValueError):  # an unreadable name is reported when checked
            return formats.canonical(str(value))
    return value


def video_file(path: Path) -> Path:
    """``output.path`` must name a format dreamzoom writes (``formats.py``): its partial, sidecar
    and checkpoint names derive from it."""
    problem = video_name_problem(path)
    if problem:
        raise ValueError(problem)
    return path


def video_name_problem(path: Path) -> str | None:
    """Why ``path`` cannot name the render (its extension names no format dreamzoom writes), else
    ``None``: ``-o x.avi`` would otherwise fail after the night's work."""
    problem = formats.problem(path)
    return problem and problem.replace(str(path), SHORT.repr(str(path)), 1)


def resolve_inputs(config: S, base: Path, overridden: Collection[str]) -> S:
    """``config`` with every input-file path made absolute, once each is known to name a readable
    file: against ``base`` (the config file's folder), or the current folder for a path given in
    ``overridden`` keys (``--set``, which is typed where dreamzoom runs)."""
    changes: dict[Loc, Path] = {}
    for entry in walk(config):
        if isinstance(entry.value, Path) and entry.mark(_InputFile) is not None:
            from_cli = any(entry.key == done or entry.key.startswith(done + ".") for done in overridden)
            changes[entry.loc] = _input_file(entry.value, Path.cwd() if from_cli else base, entry.key)
    return replaced(config, changes)


def _input_file(value: Path, base: Path, key: str) -> Path:
    """``value`` made absolute against ``base``, once it is known to name a readable file: each way
    it can fail (a name the system refuses, a folder, ``~nobody``, a missing file) is one line."""
    try:
        path = value.expanduser()
    except RuntimeError:  # ~user for an unknown user
        raise DreamzoomError(f"cannot find the home folder in {SHORT.repr(str(value))}", key=key) from None
    path = path if path.is_absolute() else base / path
    problem = path_problem(path)
    if problem:
        raise DreamzoomError(problem, key=key)
    try:
        kind = "folder" if path.is_dir() else "file" if path.is_file() else None
    except OSError as error:
        raise DreamzoomError(f"cannot read {path}: {error.strerror}", key=key) from None
    if kind is None:
        raise DreamzoomError(f"file not found: {path}", key=key)
    if kind == "folder":
        raise DreamzoomError(f"{path} is a folder, not a file", key=key)
    return path
