"""The ``dreamzoom`` command: render, batch, validate, preview, sweep, inspect, audio, layers, classes,
init, schema.

Commands are thin: each maps its arguments onto the Python API. Every error a user can cause
arrives here as a :class:`DreamzoomError` (or a click usage error) and leaves as one line on
stderr with exit code 2; Ctrl-C exits with 130.

The private modules: ``_app`` (the group, :func:`main` and its one-line errors, ``-q``/``-v``),
``_params`` (parameter types and the name checks made before any work), ``_options`` (``--set``,
the everyday flags, ``--ray``), ``_settings`` (the config a command works on, ``--loop``), then the
commands: ``_render`` (with ``_dry_run`` and ``_summary``, what it prints before and after),
``_batch``, ``_checks`` (``validate``, ``layers``, ``classes``), ``_stills`` (``preview``,
``sweep``, whose cells ``_cells`` reads), ``_reports`` (``inspect``, ``audio``) and ``_starters``
(``init``, ``schema``). Heavy modules (TensorFlow above all) are imported inside the commands, so
``--help`` and a config's mistakes never wait for them.
"""

from __future__ import annotations

from ._app import cli, main
from ._batch import batch
from ._cells import MAX_SWEEP_CELLS, parse_channels
from ._checks import classes_command, layers, validate
from ._options import everyday_assignments
from ._render import render, resume_command
from ._reports import audio_command, inspect
from ._settings import LOOP_SHARE
from ._starters import init, schema
from ._stills import preview, sweep

__all__ = [
    "LOOP_SHARE",
    "MAX_SWEEP_CELLS",
    "cli",
    "everyday_assignments",
    "main",
    "parse_channels",
    "resume_command",
]

# In the order of the one-module command line, which ``cli.commands`` keeps (``--help`` sorts them).
for _command in (
    render,
    batch,
    validate,
    layers,
    classes_command,
    preview,
    sweep,
    inspect,
    audio_command,
    init,
    schema,
):
    cli.add_command(_command)
