"""The ffmpeg processes: encoding frames into segments, writing the joined segments in the output's
format (with a song's sound), reading a video's metadata, decoding a song's samples.

Every process is the binary imageio-ffmpeg ships (no system ffmpeg needed), started in its own
process group, so Ctrl-C in the terminal reaches dreamzoom alone and the video can still be closed
cleanly. What ffmpeg says when it fails is kept and its last line becomes the one-line error. This
module knows nothing of TensorFlow.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np

from . import formats
from .errors import DreamzoomError, RenderFailed

_log = logging.getLogger(__name__)  # ``-v`` shows every ffmpeg command


def frame_rate(fps: float) -> Fraction:
    """A frame rate as the fraction ffmpeg is given (and a video's rate is kept as): the nearest with
    a denominator up to 1001, so that the float of NTSC's 30000/1001 is that fraction again, not the
    ratio of two huge integers that a float is exactly."""
    return Fraction(fps).limit_denominator(1001)


def _start(arguments: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start the bundled ffmpeg in its own session (Ctrl-C in the terminal does not reach it)."""
    _log.debug("ffmpeg %s", shlex.join(arguments))
    return subprocess.Popen(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *arguments],
        start_new_session=True,
        **popen,
    )


def _last_line(data: bytes) -> str:
    """The last line ffmpeg wrote: where it says why it failed."""
    lines = [line.strip() for line in data.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


class Encoder:
    """An ffmpeg process encoding raw 8-bit RGB frames from its stdin into an MP4 at ``output`` with
    the encoder options ``video`` (``formats.segment_video``); what it says on failure is kept for
    :meth:`failure`."""

    def __init__(self, output: Path, size: tuple[int, int], fps: float, video: Sequence[str]) -> None:
        self.output = Path(output)
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 — lives as long as ffmpeg does
        width, height = size
        rate = str(frame_rate(fps))
        arguments = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", rate, "-i", "-"]
        arguments += [*video, "-movflags", "+faststart", "-f", "mp4", "-v", "error", str(self.output)]
        self._process = _start(
            arguments, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errors
        )

    def write(self, data: bytes) -> None:
        """Hand ffmpeg one frame's bytes; an encoder that died is a one-line :class:`RenderFailed`."""
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(data)
        except (BrokenPipeError, OSError):
            self._process.wait()
            raise RenderFailed(self.failure("stopped while encoding")) from None

    def finish(self) -> int:
        """Close ffmpeg's input and wait for it to finish the file; its exit status."""
        assert self._process.stdin is not None
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        return self._process.wait()

    def failure(self, what: str) -> str:
        """One line saying that ffmpeg ``what`` (e.g. "failed to finish") the file, and why."""
        self._errors.seek(0)
        detail = _last_line(self._errors.read())
        folder = self.output.parent
        try:
            if os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize < 1 << 20:
                detail = f"the disk is full ({detail})"
        except OSError:
            pass
        return f"ffmpeg {what} {self.output.name}: {detail}"


@dataclass(frozen=True)
class Soundtrack:
    """The stretch of a song that plays under a video: ``seconds`` (or the rest) from ``offset``
    into ``path``."""

    path: Path
    offset: float
    seconds: float | None

    def arguments(self) -> list[str]:
        """ffmpeg's input options for this stretch (input seeking decodes from the exact sample)."""
        length = [] if self.seconds is None else ["-t", f"{self.seconds:.6f}"]
        return ["-ss", f"{self.offset:.6f}", *length, "-i", str(self.path)]


def concatenate(
    parts: Sequence[Path], path: Path, crf: int, metadata: str | None = None, sound: Soundtrack | None = None
) -> None:
    """Join the render's segments into ``path`` in the format its name asks for (``formats.py``),
    with ``sound`` under it where the format holds sound (a folder of frames gets it beside them as
    ``sound.wav``). Written under its partial name, then moved into place. The sound starts with the
    first frame: a resumed render's video is joined only at the end, so it keeps sync."""
    written, chosen = formats.partial(path), formats.format_of(path)
    if formats.is_sequence(written):  # an earlier attempt's frames go
        formats.clear_frames(written)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=written.parent, delete=False) as listing:
        for part in parts:
            escaped = str(Path(part).resolve()).replace("'", "'\\''")
            listing.write(f"file '{escaped}'\n")
    arguments = ["-f", "concat", "-safe", "0", "-i", listing.name]
    if sound is not None:
        arguments += sound.arguments()
    arguments += ["-map", "0:v:0", *formats.final_video(path, crf), "-map_metadata", "-1"]
    if sound is not None and chosen.audio is not None:
        arguments += ["-map", "1:a:0", *chosen.audio]
    if metadata is not None and chosen.metadata:
        arguments += ["-metadata", f"comment={metadata}"]
    arguments += ["-f", chosen.muxer, "-v", "error", str(written)]
    if sound is not None and chosen is formats.FRAMES:
        arguments += ["-map", "1:a:0", "-c:a", "pcm_s16le", str(written.parent / formats.SOUND_FILE)]
    try:
        result = _start(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, errors = result.communicate()
    finally:
        Path(listing.name).unlink(missing_ok=True)
    if result.returncode != 0:
        what = "the video segments" + (f" and the sound of {sound.path}" if sound is not None else "")
        raise RenderFailed(
            f"ffmpeg could not write {what} as {formats.anchor(written).name}: {_last_line(errors)}"
        )
    formats.move_into_place(written, path)


def read_comment(video: Path) -> str | None:
    """The ``comment`` metadata of a video (dreamzoom stores its provenance there), if any."""
    process = _start(
        ["-v", "error", "-i", str(video), "-f", "ffmetadata", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    output, errors = process.communicate()
    if process.returncode != 0:
        raise DreamzoomError(f"cannot read {video} as a video: {_last_line(errors)}", key="--from-video")
    found = _ffmetadata(output.decode(errors="replace"))
    return next((value for key, value in found.items() if key.lower() == "comment"), None)  # WebM: COMMENT


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


@dataclass(frozen=True)
class Probe:
    """What ffmpeg finds in a file without decoding it."""

    duration: float | None  # seconds, as the container states it (None where it does not)
    sound: bool  # whether it has an audio stream
    container: str = ""  # the format ffmpeg read it as: "mov,mp4,…", "wav", "png_pipe", "image2"…
    video: str | None = None  # the codec of its first video stream, if it has one ("h264", "png")

    @property
    def still(self) -> bool:
        """Whether ffmpeg reads it as a still image (its image readers), whatever its name says."""
        return self.container == "image2" or self.container.endswith("_pipe")


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_CONTAINER = re.compile(r"Input #0, (.+?), from ")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+)(?!.*\(attached pic\))")  # not a song's cover art
#: How people call the codecs of still images that ffmpeg names otherwise.
_IMAGE_NAMES = {"mjpeg": "JPEG"}


def probe(path: Path, key: str, what: str = "audio") -> Probe:
    """The file's stated length, whether it has sound, its format and video codec; a file ffmpeg
    cannot read at all is a one-line error naming ``key`` (and ``what`` it was to be read as)."""
    process = _start(["-i", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, errors = process.communicate()
    text = errors.decode(errors="replace")
    if "Input #0" not in text:
        raise DreamzoomError(f"cannot read {path} as {what}: {_last_line(errors)}", key=key)
    stated = _DURATION.search(text)
    duration = None
    if stated:
        hours, minutes, seconds = stated.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    container, video = _CONTAINER.search(text), _VIDEO.search(text)
    return Probe(
        duration,
        re.search(r"Stream #\S+.*: Audio:", text) is not None,
        container.group(1) if container else "",
        video.group(1) if video else None,
    )


def check_video(path: Path, key: str, hint: str = "") -> Probe:
    """What ffmpeg finds in ``path``, once it is known to be a video: a file with no picture, or a
    still image under a video's name (a PNG renamed ``.mp4``), is a one-line error naming ``key``
    and saying what the file is (``hint`` adds where such a file belongs)."""
    found = probe(path, key, "a video")
    if found.video is None:
        held = " (only sound)" if found.sound else ""
        raise DreamzoomError(
            f"cannot read {path} as a video: ffmpeg finds no video stream in it{held}", key=key
        )
    if found.still:
        image = _IMAGE_NAMES.get(found.video, found.video.upper())
        raise DreamzoomError(f"{path} is not a video: it is a {image} image{hint}", key=key)
    return found


def read_sound(sound: Soundtrack, rate: int, key: str, block: int = 1 << 20) -> Iterator[np.ndarray]:
    """The stretch ``sound`` decoded to mono float32 samples at ``rate`` Hz, in blocks of at most
    ``block`` samples (so a long track never sits whole in memory)."""
    # Timestamps honoured from the first sample: AAC's priming and a seek's pre-roll are trimmed, as
    # they are when the same stretch is muxed (without this, an M4A's analysis ran 23 ms early).
    arguments = [*sound.arguments(), "-map", "0:a:0", "-af", "aresample=async=1:first_pts=0"]
    arguments += ["-ac", "1", "-ar", str(rate)]
    with tempfile.TemporaryFile() as errors:
        process = _start(
            [*arguments, "-f", "f32le", "-v", "error", "-"], stdout=subprocess.PIPE, stderr=errors
        )
        assert process.stdout is not None
        try:
            while data := process.stdout.read(4 * block):
                yield np.frombuffer(data[: len(data) // 4 * 4], np.float32)
        finally:
            process.stdout.close()
            process.kill()  # a no-op once it has finished; stops it when the reader gave up early
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise DreamzoomError(f"cannot decode {sound.path}: {_last_line(errors.read())}", key=key)


@dataclass(frozen=True)
class Footage:
    """What a video to dream holds: its frame size, rate and length, and whether it has sound."""

    size: tuple[int, int]  # (width, height), as displayed (rotation applied)
    fps: float
    seconds: float
    sound: bool


def _opened(path: Path, key: str, given: Sequence[str] = ()) -> tuple[Any, dict[str, Any]]:
    """imageio-ffmpeg's frame reader of ``path`` (with the input options ``given``) and the metadata
    it reads first; a file ffmpeg cannot read as a video is a one-line error naming ``key``."""
    reader = imageio_ffmpeg.read_frames(str(path), input_params=list(given))
    try:
        return reader, next(reader)
    except (OSError, RuntimeError, StopIteration) as error:
        reader.close()
        message = str(error).strip().splitlines()
        raise DreamzoomError(
            f"cannot read {path} as a video: {message[-1] if message else 'no frames'}", key=key
        ) from None


def probe_video(path: Path, key: str, hint: str = "") -> Footage:
    """The size, rate, length and sound of a video; a file that is not one is a one-line error
    (see :func:`check_video`)."""
    found = check_video(path, key, hint)
    reader, meta = _opened(path, key)
    reader.close()
    return Footage(
        tuple(meta["size"]),
        float(meta.get("fps") or 0.0),
        float(meta.get("duration") or 0.0),
        found.sound,
    )


def read_video(path: Path, start: float, fps: float, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """The frames of ``path`` from ``start`` seconds, resampled in time to ``fps`` (ffmpeg's ``fps``
    filter: the nearest frame at each tick), as 8-bit RGB arrays of the video's ``size``."""
    width, height = size
    reader = imageio_ffmpeg.read_frames(
        str(path), input_params=["-ss", f"{start:.6f}"], output_params=["-vf", f"fps={frame_rate(fps)}"]
    )
    try:
        next(reader)  # the metadata
        for data in reader:
            yield np.frombuffer(data, np.uint8).reshape(height, width, 3)
    finally:
        reader.close()


@dataclass
class Decoded:
    """A video being decoded: its rate, its frame count (from its duration), and every
    ``every``-th frame as ``(index, 8-bit RGB)``."""

    fps: float
    count: int
    every: int
    frames: Iterator[tuple[int, np.ndarray]]


def read_frames(video: Path, per_second: float | None = None, rate: float = 24.0) -> Decoded:
    """Decode ``video`` with the bundled ffmpeg: every frame, or about ``per_second`` frames a second.
    A folder of numbered frames (``formats.is_sequence``) is read as a video at ``rate`` frames a
    second. A file ffmpeg cannot read as a video is a one-line error naming it."""
    sequence = formats.is_sequence(video)
    if not (formats.frame_files(video) if sequence else Path(video).is_file()):
        raise DreamzoomError(f"file not found: {video}", key="VIDEO")
    if not sequence:
        check_video(video, "VIDEO")
    given = ["-framerate", str(frame_rate(rate)), "-start_number", "0"]
    reader, meta = _opened(video, "VIDEO", given if sequence else ())
    width, height = meta["size"]
    fps = float(meta.get("fps") or 0) or 24.0
    every = max(1, round(fps / per_second)) if per_second else 1

    def frames() -> Iterator[tuple[int, np.ndarray]]:
        for index, data in enumerate(reader):
            if index % every == 0:
                yield index, np.frombuffer(data, np.uint8).reshape(height, width, 3)

    return Decoded(fps, max(1, round(float(meta.get("duration") or 0) * fps)), every, frames())
