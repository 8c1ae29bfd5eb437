"""What a finished render tells: the line it ends with (the video's frames, length, size, rate,
sound and bytes), the loop's seam and the run's novelty. Kept apart from ``render`` so the command
stays a mapping of its arguments onto the run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import config as config_module
from .. import formats
from ._app import say

if TYPE_CHECKING:  # the renderer loads TensorFlow: a summary needs only its report's type
    from ..renderer import Report


def summarise(report: Report) -> None:
    """The line a finished render ends with (and the loop's seam figure), told in the terms the
    render used (``report.config``): a video source's own size and rate where the config left them."""
    from ..metrics import counted

    settings = report.config
    frames = counted(report.frames, "frame")
    if report.finished_before:
        say(f"{report.path} is already finished ({frames}): nothing to resume")
        return
    say(f"wrote {formats.shown(report.path)} ({video_facts(settings, report.path, report.frames)})")
    if report.seam is not None:
        say(f"loop seam: {report.seam:.2f}× the median change between frames (≤ 1.5 looks seamless)")
    if report.novelty is not None:
        say(f"novelty: {report.novelty.line()}")


def video_facts(settings: config_module.Config, path: Path, count: int) -> str:
    """What a finished video holds: frames, length, size, rate, sound and bytes."""
    from ..ffmpeg import probe
    from ..metrics import counted

    width, height = settings.size
    chosen = formats.format_of(path)
    if chosen is formats.FRAMES:
        beside = path.parent / formats.SOUND_FILE
        files = [*formats.frame_files(path), *([beside] if beside.is_file() else [])]
        sound = f"with {formats.SOUND_FILE}" if beside.is_file() else "silent"
        size = sum(file.stat().st_size for file in files)
    else:
        sound = "with sound" if probe(path, key="output.path", what="a video").sound else "silent"
        size = path.stat().st_size
    if sound == "silent" and chosen.audio is None and settings.audio is not None:
        sound = f"silent: a {chosen.name} holds no sound"
    weight = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
    return (
        f"{counted(count, 'frame')}, {count / settings.output.fps:.1f} s, {width}×{height}, "
        f"{settings.output.fps:g} fps, {sound}, {weight}"
    )
