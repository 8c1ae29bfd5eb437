"""Resolve: a config turned, once, into the frozen :class:`Plan` of what runs.

A config says what a person asked for; some of what runs is known only by looking at the world: a
video's own size, rate and length (one probe), a song's beat and envelopes (one analysis, seconds
long), and the precision ``auto`` picks on this machine (or that the checkpoint being resumed was
made with). :func:`plan` looks once, and everything after it (assembly, the timeline, the run, the
sinks, the summary a command prints) reads the plan, never the world again. Render, validate,
preview, sweep, batch and a Ray worker each make one plan a render.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import audio, engine, footage
from .config import Config, Keyframes, plain
from .errors import DreamzoomError
from .ffmpeg import Footage
from .metrics import counted
from .schedule import Signals, Time
from .schedule import parse as parse_schedule


@dataclass(frozen=True)
class Plan:
    """A render as it runs: its config with everything looked up written in (a video's size, rate
    and length; an explicit ``model.precision``), the render's length, and what was measured."""

    config: Config
    #: Frames the render has: the config's, a video's, or its song's.
    frames: int
    #: What the model computes in (``auto`` resolved unless planned for another machine), and where.
    precision: str
    device: str
    #: The Keras backend that runs it (``model.backend`` resolved, unless planned for another machine).
    backend: str = "auto"
    #: A video source as probed (its size, rate, length and whether it has sound), if any.
    video: Footage | None = None
    #: The song's analysis and its beat and envelopes at each frame, if the config has a song.
    song: audio.Song | None = None

    @property
    def output(self) -> Path:
        """The video (or folder of frames) the render writes."""
        assert self.config.output.path is not None  # config.load fills in the default
        return self.config.output.path

    @property
    def signals(self) -> Signals | None:
        return self.song.signals if self.song is not None else None

    def time(self, frame: float) -> Time:
        """The moment of frame ``frame`` for evaluating schedules: a song's beat and envelopes
        where the config has one, else its tempo's beats."""
        output, music = self.config.output, self.config.music
        return Time.at(frame, output.fps, music.bpm, music.offset, self.signals)

    def value(self, spec: float | str | Keyframes, frame: float) -> float:
        """A schedulable value at frame ``frame``."""
        return parse_schedule(plain(spec))(self.time(frame))

    def with_config(self, config: Config) -> Plan:
        """This plan for ``config``, a variant of its own (a sweep's cell): the same video, song and
        precision, looked up once for every variant; checked again, as :func:`plan` checks."""
        changed = replace(self, config=config)
        changed.check()
        return changed

    def check(self) -> None:
        """The config's length, loop and schedules checked on what runs: a schedule that leaves its
        range on the song's real envelopes is refused here, before the render starts."""
        try:
            self.config.check_timing(self.frames, self.time)
        except ValueError as error:
            if self.song is None:
                raise DreamzoomError(str(error)) from None
            track = self.config.audio
            assert track is not None
            measured = f"measured on {track.path.name}: {counted(self.frames, 'frame')}"
            raise DreamzoomError(f"{error} ({measured})") from None


def plan(config: Config, *, kept_precision: str | None = None, here: bool = True) -> Plan:
    """``config`` resolved into what runs: its video probed once and pinned (:func:`footage.pinned`),
    its song analysed once, ``precision: auto`` made explicit — ``kept_precision`` (the checkpoint
    being resumed was made in it: an interrupted render goes on exactly) or what auto picks here.

    ``here=False`` plans for another machine (a Ray worker): the precision stays ``auto``, for the
    worker to resolve on its own hardware."""
    video = footage.footage(config) if config.source.video is not None else None
    if video is not None:
        config = footage.pinned(config, video)
    device, backend = "each worker's", str(config.model.backend)
    if here:
        backend = engine.use(backend)  # before anything loads Keras
        picked, device = _here()
        config = _explicit_precision(config, kept_precision or picked)
    song = audio.song(config)
    frames = song.frames if song is not None else config.frame_count
    made = Plan(config, frames, _precision(config), device, backend, video, song)
    if song is not None:  # the config alone was checked at load; the song's envelopes are new
        made.check()
    return made


def _here() -> tuple[str, str]:
    """What ``precision: auto`` picks on this machine, and where a model runs here. Imported here,
    not above: :mod:`precision` loads TensorFlow (to list GPUs), which a plan for elsewhere (a Ray
    driver, ``dreamzoom audio``) does not need."""
    from .precision import choose_precision, detect_hardware

    hardware = detect_hardware()
    return choose_precision(hardware), hardware.device


def _precision(config: Config) -> str:
    """What the plan says the model computes in: a saved model's own precision is known only once
    it loads (``models.load`` reads it from the network)."""
    return "as saved" if config.model.path is not None else config.model.precision


def _explicit_precision(config: Config, chosen: str) -> Config:
    """``model.precision: auto`` made ``chosen``, so that the stored config (the video's, the
    checkpoint's) renders in the same precision again (``--from-video``, ``--resume``). A saved
    model computes in whatever it was saved with."""
    if config.model.path is not None or config.model.precision != "auto":
        return config
    updated: dict[str, Any] = {"precision": chosen}
    return config.model_copy(update={"model": config.model.model_copy(update=updated)})
