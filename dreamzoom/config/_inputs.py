"""What ``dreamzoom render INPUT`` makes of an INPUT that is not a config: a photo, a video or a song,
each dreamed with the default settings.

The schema's defaults are the shipped default config's measured settings, so such an INPUT needs
only the key it fills: a photo is ``source.image``, a video ``source.video``, a song ``audio.path``
(over the default seeded noise, the song setting the length and playing in the video). Which of
them a file is, its extension says; anything else is read as a YAML config, as before.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import DreamzoomError

PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v"})
SONG_SUFFIXES = frozenset({".mp3", ".wav", ".flac", ".ogg", ".m4a", ".aac"})
#: A config's names (JSON is YAML too).
CONFIG_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


def _listed(suffixes: frozenset[str]) -> str:
    return ", ".join(sorted(suffixes))


def media_config(path: Path) -> dict[str, Any] | None:
    """The config a photo, video or song at ``path`` is rendered with; ``None`` where ``path`` is
    none of them (a config). Its video is ``renders/<name>.mp4``, as a config's would be."""
    suffix, where = path.suffix.lower(), str(path.absolute())
    if suffix in PHOTO_SUFFIXES:
        raw: dict[str, Any] = {"source": {"image": where}}
    elif suffix in VIDEO_SUFFIXES:
        raw = {"source": {"video": where}}
    elif suffix in SONG_SUFFIXES:
        raw = {"audio": {"path": where}}
    elif suffix in CONFIG_SUFFIXES or not suffix:
        return None
    else:
        raise DreamzoomError(
            f"{path.name} ends in {path.suffix}: give a config (.yaml), a photo ({_listed(PHOTO_SUFFIXES)}), "
            f"a video ({_listed(VIDEO_SUFFIXES)}) or a song ({_listed(SONG_SUFFIXES)})",
            key="INPUT",
        )
    return {**raw, "output": {"path": str(Path("renders") / f"{path.stem}.mp4")}}


def starter(config: Path, source: Path | None) -> str:
    """A commented config to edit, written at ``config``: the defaults spelt out, with ``source``
    (a photo, a video or a song, as a path relative to the config's folder) or seeded noise. What a
    video or a song sets by itself (a video's size, rate and length; a song's length) is left as a
    comment, so that it still does."""
    kind, lines = (
        "noise",
        "  noise: {kind: smooth}       # seeded noise; or image: photo.jpg, or video: clip.mp4",
    )
    if source is not None:
        raw = media_config(source)
        if raw is None:
            raise DreamzoomError(f"{source} is not a photo, a video or a song", key="INPUT")
        where = json.dumps(Path(os.path.relpath(source.absolute(), config.absolute().parent)).as_posix())
        kind = "audio" if "audio" in raw else next(iter(raw["source"]))
        lines = (
            f"  noise: {{kind: smooth}}       # the song plays over seeded noise\naudio:\n  path: {where}"
            if kind == "audio"
            else f"  {kind}: {where}"
        )
    video = kind == "video"
    timed = {"video": "the video's length", "audio": "the song's length"}.get(kind)
    template = (resources.files("dreamzoom.data") / "starter.yaml").read_text(encoding="utf-8")
    return template.format(
        name=config.name,
        source=lines,
        stem=config.stem if source is None else source.stem,
        video="# " if video else "",
        video_note=" (the video's own unless set)" if video else "",
        cadence_note=" (a video dreams every frame)" if video else "",
        timed="# " if timed else "",
        timed_note=f" ({timed} unless set)" if timed else "",
    )
