"""What ``dreamzoom render INPUT`` makes of an INPUT that is not a config: a photo, a video or a song,
each dreamed with the default settings.

The schema's defaults are the shipped default config's measured settings, so such an INPUT needs
only the key it fills: a photo is ``source.image``, a video ``source.video``, a song ``audio.path``
(over the default seeded noise, the song setting the length and playing in the video). Which of
them a file is, its extension says; anything else is read as a YAML config, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v"})
SONG_SUFFIXES = frozenset({".mp3", ".wav", ".flac", ".ogg", ".m4a", ".aac"})


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
    else:
        return None
    return {**raw, "output": {"path": str(Path("renders") / f"{path.stem}.mp4")}}
