"""The config a command works on: a config file's, or the default one for a photo, video or song,
with the command line's overrides and ``--loop`` applied. Loading never imports TensorFlow, so a
config's mistakes are told before it loads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import config as config_module
from .. import engine
from ..errors import DreamzoomError

#: The share of a ``--loop`` render over which it leads back into its first frame (as the shipped
#: loop config does: 2 of its 6 seconds).
LOOP_SHARE = 1 / 3


def load(
    config_path: str | None,
    assignments: tuple[str, ...],
    extra: list[tuple[str, Any]] | None = None,
    loop: float | None = None,
) -> config_module.Config:
    """The config a command works on: a config file's, or a photo's, video's or song's (the default
    settings with that input), with ``--set``, then ``extra``, then ``--loop`` applied."""
    overrides = [config_module.parse_set(item) for item in assignments] + (extra or [])
    media = config_module.media_config(Path(config_path)) if config_path else None
    if media is not None and not Path(str(config_path)).is_file():
        raise DreamzoomError(f"file not found: {config_path}", key="INPUT")
    source = config_path if media is None else media
    return looped(lambda more: config_module.load(source, more), overrides, loop)


def looped(
    build: Callable[[list[tuple[str, Any]]], config_module.Config],
    overrides: list[tuple[str, Any]],
    seconds: float | None,
) -> config_module.Config:
    """``build(overrides)``, or with ``--loop SECONDS``: a render that long whose last third leads
    back into its first frame. Built twice, since the frames a second are the config's to say.

    The config's ``model.backend`` becomes this process's Keras backend here, before any command
    loads Keras (``engine``)."""
    if seconds is None:
        return _backend_chosen(build(overrides))
    overrides = [*overrides, ("seconds", seconds)]
    frames = build(overrides).frame_count
    if frames < 2:
        raise DreamzoomError(f"{seconds:g} s is {frames} frame: a loop needs 2 or more", key="--loop")
    return _backend_chosen(build([*overrides, ("loop", {"frames": max(1, round(frames * LOOP_SHARE))})]))


def _backend_chosen(settings: config_module.Config) -> config_module.Config:
    engine.use(settings.model.backend)
    return settings
