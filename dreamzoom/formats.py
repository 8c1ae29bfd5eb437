"""Output formats: what a render's name asks for, and how ffmpeg writes it.

The extension chooses the format: ``.mp4`` (H.264), ``.webm`` (VP9), ``.gif`` (one palette for the
whole clip, looping forever), ``.mov`` (ProRes 422 HQ, for editing), or a folder (``frames/``, or a
pattern such as ``frames/%05d.png``) of numbered PNGs. Anything else is refused by name, before any
work: a ``.gif`` that held MP4 bytes would fail later, in someone else's program.

A render is written in checkpointed segments first (``checkpoint.py``). For MP4 those segments are
already the final H.264 and are joined as they are; for the other formats they are lossless H.264
(RGB, so no colour is lost twice) and are encoded once, when the render finishes. Every name that
goes with an output (its sidecar, telemetry, checkpoint and partial file) comes from
:func:`beside` and :func:`partial`, so a folder of frames gets ``frames.json`` beside it, as
``clip.mp4`` gets ``clip.json``. This module knows nothing of TensorFlow.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

#: The numbered name of each frame in a folder of frames (frame 0 is ``00000.png``).
SEQUENCE = "%05d.png"
_NUMBERED = re.compile(r"^(?P<head>[^%]*)%0?(?P<width>\d*)d(?P<tail>[^%]*)$")


@dataclass(frozen=True)
class Format:
    """One way to write a render: ffmpeg's options for its picture and sound."""

    name: str  # as people call it
    muxer: str  # ffmpeg's ``-f``
    video: tuple[str, ...]  # the picture's options, given the joined segments
    audio: tuple[str, ...] | None = None  # the sound's options; None: the format holds no sound
    joined: bool = False  # its segments are already this format's picture, joined as they are
    metadata: bool = True  # it can carry the provenance comment


#: The formats by extension, as the module docstring lists them.
FORMATS = {
    ".mp4": Format(
        "H.264 MP4",
        "mp4",
        ("-c:v", "copy", "-movflags", "+faststart"),
        ("-c:a", "aac", "-b:a", "192k", "-ac", "2"),
        joined=True,
    ),
    ".webm": Format(
        "VP9 WebM",
        "webm",
        ("-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-b:v", "0", "-row-mt", "1", "-cpu-used", "2"),
        ("-c:a", "libopus", "-b:a", "160k", "-ac", "2"),
    ),
    ".gif": Format(
        "GIF",
        "gif",
        # One palette from every frame of the clip; error diffusion hides the 256 colours' steps.
        (
            "-vf",
            "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a",
            "-loop",
            "0",
        ),
        metadata=False,
    ),
    ".mov": Format(
        "ProRes 422 HQ MOV",
        "mov",
        ("-c:v", "prores_ks", "-profile:v", "3", "-pix_fmt", "yuv422p10le", "-vendor", "apl0"),
        ("-c:a", "pcm_s16le"),
    ),
}
#: A folder of numbered PNGs; a song's sound goes beside them as ``sound.wav``.
FRAMES = Format("PNG frames", "image2", ("-c:v", "png", "-start_number", "0"), metadata=False)
#: The sound file written into a folder of frames.
SOUND_FILE = "sound.wav"
#: VP9's quality scale runs 0–63; ``output.crf`` (H.264's 0–51) is shifted by this much, so the
#: default 18 gives VP9's recommended 31.
VP9_CRF_SHIFT = 13


def canonical(name: str) -> str:
    """The name as dreamzoom keeps it: a folder (``frames/``, or one that exists) becomes the
    pattern of its frames (``frames/%05d.png``), since a path object forgets a trailing slash."""
    if name.endswith(("/", os.sep)) or (Path(name).suffix == "" and Path(name).is_dir()):
        return str(Path(name) / SEQUENCE)
    return name


def is_sequence(path: Path) -> bool:
    """Whether ``path`` names numbered frames in a folder (``frames/%05d.png``)."""
    return _NUMBERED.match(Path(path).name) is not None


def problem(path: Path) -> str | None:
    """Why ``path`` cannot name a render, else ``None``."""
    path = Path(path)
    numbered = _NUMBERED.match(path.name)
    if numbered and path.parent.name in ("", ".", ".."):
        return f"{path.parent} is a folder: name a folder of its own for the frames, like renders/frames/"
    if numbered:
        if path.suffix.lower() == ".png" and "." not in numbered["head"]:
            return None
        return f"{path.name}: numbered frames are written as PNG, so name them like frames/{SEQUENCE}"
    if "%" in path.name:
        return f"{path.name}: a pattern of frames holds one %d, like frames/{SEQUENCE}"
    if path.suffix.lower() in FORMATS:
        return None
    ending = f"ends in {path.suffix}" if path.suffix else "has no extension"
    return (
        f"{path} {ending}: name the video .mp4, .webm, .gif or .mov, "
        f"or a folder for PNG frames, like {path.with_suffix('')}/"
    )


def format_of(path: Path) -> Format:
    """The format ``path`` asks for (:func:`problem` has said it is one)."""
    return FRAMES if is_sequence(path) else FORMATS[Path(path).suffix.lower()]


def segment_video(path: Path, crf: int, preset: str) -> tuple[str, ...]:
    """The encoder options of the checkpointed segments of a render to ``path``."""
    if format_of(path).joined:
        return ("-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf), "-preset", preset)
    return ("-c:v", "libx264rgb", "-qp", "0", "-preset", "veryfast")  # lossless: encoded again later


def final_video(path: Path, crf: int) -> tuple[str, ...]:
    """The picture's options of the finished file (VP9's quality follows ``output.crf``)."""
    chosen = format_of(path)
    if chosen.muxer == "webm":
        return (*chosen.video, "-crf", str(min(63, crf + VP9_CRF_SHIFT)))
    return chosen.video


def shown(path: Path) -> str:
    """The output as a person names it: ``renders/frames/`` for a folder of frames."""
    return f"{Path(path).parent}{os.sep}" if is_sequence(path) else str(path)


def anchor(path: Path) -> Path:
    """What the output is, as one name: the folder of a pattern of frames, else the file."""
    path = Path(path)
    return path.parent if is_sequence(path) else path


def beside(path: Path, suffix: str) -> Path:
    """The file beside the output with ``suffix`` in place of its extension (``clip.json`` beside
    ``clip.mp4``; ``frames.json`` beside the folder ``frames/``)."""
    named = anchor(path)
    return named.with_name(named.name + suffix) if is_sequence(path) else named.with_suffix(suffix)


def partial(path: Path) -> Path:
    """The name the output is written under until it is complete (``x.partial.gif``, or the pattern
    in ``frames.partial/``): what an interrupted render leaves playable."""
    path = Path(path)
    if is_sequence(path):
        return path.parent.with_name(f"{path.parent.name}.partial") / path.name
    return path.with_name(f"{path.stem}.partial{path.suffix}")


def frame_files(path: Path) -> list[Path]:
    """The numbered frames the pattern ``path`` names that exist, in order."""
    numbered = _NUMBERED.match(Path(path).name)
    if numbered is None or not Path(path).parent.is_dir():
        return []
    width = int(numbered["width"] or 1)
    shape = re.compile(rf"{re.escape(numbered['head'])}\d{{{width},}}{re.escape(numbered['tail'])}")
    return sorted(item for item in Path(path).parent.iterdir() if shape.fullmatch(item.name))


def exists(path: Path) -> bool:
    """Whether a render is already at ``path`` (for a folder: any of its numbered frames)."""
    return bool(frame_files(path)) if is_sequence(path) else Path(path).exists()


def clear_frames(path: Path) -> Path:
    """Make room in the folder of the frames ``path`` names (made if need be): its numbered frames
    and sound go, other files stay. The folder."""
    folder = Path(path).parent
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*frame_files(path), folder / SOUND_FILE]:
        old.unlink(missing_ok=True)
    return folder


def move_into_place(written: Path, path: Path) -> None:
    """Move the complete output from its partial name ``written`` to ``path``. Numbered frames
    replace those already there (the caller has been told it may) and leave other files be."""
    if not is_sequence(path):
        os.replace(written, path)
        return
    folder = clear_frames(path)
    for item in sorted(Path(written).parent.iterdir()):
        os.replace(item, folder / item.name)
    Path(written).parent.rmdir()
