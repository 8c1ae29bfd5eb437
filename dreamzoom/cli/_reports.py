"""The commands that measure what a render is made from or made: ``inspect`` (how much a finished
video keeps discovering) and ``audio`` (a song's tempo, beats and envelopes). Each prints its
figures and draws them as a picture."""

from __future__ import annotations

from pathlib import Path

import click

from .. import config as config_module
from .. import formats
from ._app import output_errors, say, talk
from ._options import set_option
from ._params import FilePath, still_output


@click.command()
@talk
@click.argument("video", type=FilePath())
@still_output(
    "Also draw a PNG (or .jpg): 8 stills across the video above curves of novelty, lightness, chroma, detail and the objective."
)
def inspect(video: str, output: str | None) -> None:
    """Print how much VIDEO (any video, or a folder of frames a render wrote) keeps discovering,
    judged by an independent network."""
    from ..inspection import draw
    from ..inspection import inspect as measure

    result = measure(Path(formats.canonical(video)))
    for line in result.lines():
        click.echo(line)
    if output:
        with output_errors(output):
            path = draw(result, Path(output), Path(video).name)
        say(f"wrote {path}")


@click.command("audio")
@talk
@click.argument("song", type=FilePath(exists=True, dir_okay=False))
@still_output("Draw the envelopes to this PNG or .jpg (default: SONG's name with .envelopes.png, here).")
@click.option(
    "--fps", type=click.FloatRange(0.001, 240.0), default=24.0, show_default=True, help="Video frame rate."
)
@click.option(
    "--offset",
    type=click.FloatRange(0.0, config_module.MAX_OFFSET),
    default=0.0,
    help="Seconds into SONG to start.",
)
@click.option(
    "--seconds", type=click.FloatRange(0.001, None), help="Analyse only this long (default: to the end)."
)
@click.option("--bpm", type=click.FloatRange(0.001, 1000.0), help="Track the beats at this tempo.")
@set_option
def audio_command(
    song: str,
    output: str | None,
    fps: float,
    offset: float,
    seconds: float | None,
    bpm: float | None,
    assignments: tuple[str, ...],
) -> None:
    """Print SONG's tempo, beats and length, and plot the envelopes that would drive a render
    (SONG may be a config with an audio section: its settings are used)."""
    from ..soundcheck import draw, listen

    overrides = [config_module.parse_set(item) for item in assignments]
    check = listen(Path(song), fps, offset, seconds, bpm, overrides)
    for line in check.lines():
        click.echo(line)
    path = Path(output) if output else Path(f"{Path(song).stem}.envelopes.png")
    say(f"wrote {draw(check, path)}")
