"""The command line's own parameter types, and the checks of a name made before any work.

A name the operating system would refuse, or one naming a format dreamzoom does not write, is a
usage error at once, not a failure at the end of a long render.
"""

from __future__ import annotations

import reprlib
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import config as config_module
from .. import formats

if TYPE_CHECKING:  # click 8.4 made ParamType generic; the 8.1 the package allows cannot subscript it
    _SizeType = click.ParamType[tuple[int, int]]
else:
    _SizeType = click.ParamType


class FilePath(click.Path):
    """click's ``Path``, first refusing what the operating system would refuse (a null byte, an
    over-long name) as a usage error: click's own check stats the path, which raises ``ValueError``
    on a null byte. ``room``: bytes dreamzoom adds to the name for the files it writes beside it.
    ``name_check``: why the name cannot be written (an extension naming a format dreamzoom does not
    write), checked before any work."""

    def __init__(
        self, *, room: int = 0, name_check: Callable[[str], str | None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.room, self.name_check = room, name_check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        problem = config_module.path_problem(value, self.room)
        if not problem and self.name_check is not None:
            problem = self.name_check(str(value))  # as typed: frames/ names a folder
        if problem:
            self.fail(problem, param, ctx)
        return super().convert(value, param, ctx)


class Size(_SizeType):
    """``--size 512x512`` (or ``512`` for a square): a frame size as ffmpeg spells it."""

    name = "WIDTHxHEIGHT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        width, _, height = str(value).lower().partition("x")
        try:
            return int(width), int(height or width)
        except ValueError:
            self.fail(f"give WIDTHxHEIGHT, e.g. 512x512, not {reprlib.repr(value)}", param, ctx)


def one_input(name: str) -> str | None:
    """A folder given where one file belongs: the command that takes a folder is ``batch``."""
    if Path(name).is_dir():
        return (
            f"{name} is a folder: give one file (a config, photo, video or song); "
            f"dreamzoom batch {shlex.quote(name)} renders every config in it"
        )
    return None


def output_format(name: str) -> str | None:
    """A render is written in the format its name asks for (``formats.py``); a folder gets frames."""
    return config_module.video_name_problem(Path(formats.canonical(name)))


def still_format(name: str) -> str | None:
    """A still, sheet or plot is written as PNG or JPEG, as its extension says."""
    from ..sinks import still_problem

    return still_problem(Path(name))


def still_output(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-o``/``--output`` for a command that writes one picture: a PNG or JPEG name, checked before
    the work (preview, sweep, inspect and audio take it alike; only their help differs)."""
    return click.option(
        "-o",
        "--output",
        type=FilePath(dir_okay=False, room=config_module.FILE_ROOM, name_check=still_format),
        help=help_text,
    )
