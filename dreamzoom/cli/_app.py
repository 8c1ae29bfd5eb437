"""The ``dreamzoom`` group, how every command talks (``-q``, ``-v``), and how its errors leave.

Every error a user can cause arrives at :func:`main` as a :class:`DreamzoomError` (or a click usage
error) and leaves as one line on stderr with exit code 2; Ctrl-C exits with 130. The commands
themselves live in the sibling modules; the package's ``__init__`` adds them to :data:`cli`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from .._version import __version__
from ..errors import EXIT_INTERRUPTED, EXIT_RENDER_FAILED, EXIT_USER_ERROR, DreamzoomError, RenderFailed

_QUIET, _VERBOSE = "dreamzoom.quiet", "dreamzoom.verbose"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dreamzoom")
def cli() -> None:
    """Endless DeepDream zoom videos from a YAML config."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script's entry point)."""
    try:
        result = cli.main(args=argv, prog_name="dreamzoom", standalone_mode=False)
    except DreamzoomError as error:
        click.echo(f"dreamzoom: error: {error}", err=True)
        return EXIT_USER_ERROR
    except RenderFailed as error:
        hint = " (the checkpoint is kept: fix the cause, then --resume)" if error.resumable else ""
        click.echo(f"dreamzoom: render failed: {error}{hint}", err=True)
        return EXIT_RENDER_FAILED
    except click.UsageError as error:
        where = f" (see 'dreamzoom {error.ctx.info_name} --help')" if error.ctx and error.ctx.parent else ""
        click.echo(f"dreamzoom: error: {error.format_message()}{where}", err=True)
        return EXIT_USER_ERROR
    except click.ClickException as error:
        click.echo(f"dreamzoom: error: {error.format_message()}", err=True)
        return error.exit_code
    except (KeyboardInterrupt, click.Abort):
        click.echo("dreamzoom: interrupted", err=True)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0


def talk(command: Callable[..., Any]) -> Callable[..., Any]:
    """``-q``/``--quiet`` and ``-v``/``--verbose``, the same on every command: quiet keeps only what
    the command is for (its table, its list, warnings and errors), verbose adds what it did (the
    network it built, each checkpoint; ``-vv`` every ffmpeg command too). Together, a script's log
    gets what was done without the progress bars."""

    @functools.wraps(command)
    def talking(*args: Any, quiet: bool, verbose: int, **kwargs: Any) -> Any:
        click.get_current_context().meta.update({_QUIET: quiet, _VERBOSE: verbose > 0})
        logger = logging.getLogger("dreamzoom")
        if not any(isinstance(handler, _Said) for handler in logger.handlers):
            logger.addHandler(_Said())
        before = logger.level
        logger.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG))
        try:
            return command(*args, **kwargs)
        finally:  # a program calling main() again, or the package's API, is not left talking
            logger.setLevel(before)

    talking = click.option(
        "-v",
        "--verbose",
        count=True,
        help="Also say what it did: the network it built, each checkpoint; -vv also every ffmpeg command.",
    )(talking)
    return click.option(
        "-q", "--quiet", is_flag=True, help="Only the output: no progress bars or summaries."
    )(talking)


class _Said(logging.Handler):
    """The package's log lines on stderr as ``dreamzoom: …``, through click (whatever stderr is now)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"dreamzoom: {record.getMessage()}", err=True)


def is_quiet() -> bool:
    """Whether this command was given ``-q``: no progress bars, no ``wrote …`` lines."""
    return bool(click.get_current_context().meta.get(_QUIET))


def is_verbose() -> bool:
    """Whether this command was given ``-v``: the render says what it did."""
    return bool(click.get_current_context().meta.get(_VERBOSE))


def say(line: str) -> None:
    """A line of what was done (``wrote …``), on stderr, unless ``-q``."""
    if not is_quiet():
        click.echo(line, err=True)


@contextlib.contextmanager
def output_errors(name: str | Path) -> Iterator[None]:
    """A failed write of ``-o``'s file as one line naming its cause (a full disk, a read-only
    folder), so every command that writes one file tells it alike."""
    try:
        yield
    except OSError as error:
        from ..files import describe_os_error

        raise DreamzoomError(describe_os_error(error, name), key="--output") from None
