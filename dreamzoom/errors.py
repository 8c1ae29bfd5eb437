"""The one error type for what a user got wrong.

Bad configs, unreadable photos, missing weights and the like raise :class:`DreamzoomError`. The CLI
catches it in one place and prints it as a single line with exit code 2; anything else escaping is
a bug in dreamzoom and keeps its traceback.
"""

from __future__ import annotations

#: The exit codes of the command (``cli.main``) and of a batch (``batch.exit_code``), in one place
#: because both end a ``dreamzoom`` run: a user's mistake, a render that could not go on (or a batch
#: with a failed render), and Ctrl-C (128 + SIGINT, as shells report it).
EXIT_USER_ERROR = 2
EXIT_RENDER_FAILED = 3
EXIT_INTERRUPTED = 130


class DreamzoomError(Exception):
    """A problem with the user's input, explained in one line.

    ``key`` names the config key at fault (``dream.steps``), when there is one, so that the message
    always points at what to change.
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        self.key = key
        self.message = one_line(message)
        super().__init__(one_line(f"{key}: {message}") if key else self.message)


def one_line(text: str) -> str:
    """Keep a message on one line whatever the user's input held (a key or path with a newline)."""
    return " ".join(part for part in text.replace("\r", "\n").split("\n"))


class RenderFailed(Exception):
    """A render that could not go on for reasons outside the config: a full disk, ffmpeg dying, a
    frame turning to NaN. One line, like :class:`DreamzoomError`, but exit code 3. ``resumable``
    says whether the checkpoint lets ``--resume`` continue once the cause is fixed: not when there
    is none yet, nor when only a change to the config (which ``--resume`` refuses) can fix it."""

    def __init__(self, message: str, *, resumable: bool = True) -> None:
        self.resumable = resumable
        super().__init__(one_line(message))
