"""What a song will drive, before anything is dreamed: ``dreamzoom audio SONG`` (or a config).

The song is analysed exactly as a render analyses it (:func:`resolve.plan`), so the printed tempo,
beats and length, and the plotted envelopes, are the values the render's schedules will read at each
frame. Given a config, its ``audio`` section (offset, tempo, smoothing, bands) and ``output.fps`` are
used; given a bare track, the defaults and the options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import audio
from . import config as config_module
from .errors import DreamzoomError
from .files import describe_os_error
from .metrics import counted
from .resolve import plan
from .schedule import ENVELOPES, Signals
from .sheet import curve_axis, pyplot, save_figure


@dataclass(frozen=True)
class Soundcheck:
    """A song's analysis and the per-frame values a render would read from it."""

    config: config_module.Config
    analysis: audio.Analysis
    signals: Signals

    @property
    def fps(self) -> float:
        return self.config.output.fps

    def lines(self) -> list[str]:
        """The figures for people."""
        track = self.config.audio
        assert track is not None
        beats = self.analysis.heard_beats
        spacing = f", the first at {beats[0]:.2f} s" if len(beats) else ""
        fixed = " (fixed by audio.bpm)" if track.bpm else ""
        return [
            (
                f"{track.path.name}: {self.analysis.seconds:.2f} s from {track.offset:g} s "
                f"= {counted(len(self.signals), 'frame')} at {self.fps:g} fps"
            ),
            f"tempo: {self.analysis.tempo:.1f} BPM{fixed}; {counted(len(beats), 'beat')}{spacing}",
            "envelopes (mean / share of frames above 0.5): "
            + ", ".join(
                f"{name} {values.mean():.2f}/{(values > 0.5).mean():.0%}"
                for name, values in self.signals.values.items()
                if name in ENVELOPES
            ),
        ]


def listen(
    source: Path,
    fps: float = 24.0,
    offset: float = 0.0,
    seconds: float | None = None,
    bpm: float | None = None,
    overrides: Sequence[tuple[str, Any]] = (),
) -> Soundcheck:
    """Analyse a track, or the song of a config (``source`` ending ``.yaml``, whose settings win),
    with ``overrides`` (``--set``) applied to either."""
    if source.suffix.lower() in config_module.CONFIG_SUFFIXES:
        settings = config_module.load(source, overrides)
        if settings.audio is None:
            raise DreamzoomError(f"{source} has no audio section to analyse", key="SONG")
    else:
        raw: dict[str, Any] = {
            "audio": {"path": str(source.absolute()), "offset": offset, "bpm": bpm},
            "output": {"fps": fps, "path": "unused.mp4"},
            "seconds": seconds,
        }
        try:  # the options say what to analyse: DREAMZOOM_SET's drafts are for renders
            return _checked(config_module.load(raw, overrides, environment=False))
        except DreamzoomError as error:  # name what was typed: SONG, not the config key
            if error.key in ("audio.path", "audio.offset"):
                raise DreamzoomError(
                    error.message, key="SONG" if error.key == "audio.path" else "--offset"
                ) from None
            raise
    return _checked(settings)


def _checked(settings: config_module.Config) -> Soundcheck:
    """The song analysed as a render's plan analyses it (and its schedules checked on it); the
    precision is no matter here, so the plan does not look at this machine."""
    planned = plan(settings, here=False)
    assert planned.song is not None
    return Soundcheck(planned.config, planned.song.analysis, planned.song.signals)


def draw(check: Soundcheck, path: Path) -> Path:
    """A PNG: each envelope over time as the render reads it (one value a frame), the raw
    measurement faint behind it, and the beats as ticks."""
    frames = np.arange(len(check.signals)) / check.fps
    figure, axes = pyplot().subplots(len(ENVELOPES), 1, figsize=(12, 1.4 * len(ENVELOPES) + 0.8), sharex=True)
    for axis, name in zip(axes, ENVELOPES, strict=True):
        axis.plot(check.analysis.times, check.analysis.envelopes[name], color="0.75", linewidth=0.6)
        axis.plot(frames, check.signals.values[name], linewidth=1.3)
        axis.vlines(
            check.analysis.heard_beats,
            0,
            1,
            transform=axis.get_xaxis_transform(),
            color="tab:red",
            alpha=0.25,
        )
        axis.set_ylim(-0.05, 1.05)
        curve_axis(axis, name, fontsize=9)
    axes[0].set_title(" · ".join(check.lines()[:2]), fontsize=9)
    axes[-1].set_xlabel("seconds into the video (red: beats; grey: measured, blue: as schedules read it)")
    try:
        return save_figure(figure, path)
    except OSError as error:
        raise DreamzoomError(describe_os_error(error, path), key="--output") from None
