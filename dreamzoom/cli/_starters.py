"""The commands that write what a user starts from: ``init`` (a commented config for a photo,
video, song or seeded noise) and ``schema`` (the config's JSON Schema, for editors)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import click

from .. import config as config_module
from ..errors import DreamzoomError
from ._app import output_errors, say, talk
from ._params import FilePath


@click.command()
@talk
@click.argument("source", metavar="[INPUT]", required=False, type=FilePath(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=FilePath(dir_okay=False),
    help="The config to write (default: INPUT's name with .yaml, here; dreamzoom.yaml without INPUT).",
)
@click.option("-y", "--overwrite", is_flag=True, help="Replace the config if it exists.")
def init(source: str | None, output: str | None, overwrite: bool) -> None:
    """Write a commented config to edit, for INPUT (a photo, video or song) or for seeded noise."""
    path = Path(output or f"{Path(source).stem if source else 'dreamzoom'}.yaml")
    if path.exists() and not overwrite:
        raise DreamzoomError(f"{path} exists: use -y to replace it", key="--output")
    text = config_module.starter(path, Path(source) if source else None)
    _write(path, text, path)
    say(f"wrote {path}: edit it, then: dreamzoom render {shlex.quote(str(path))}")


@click.command()
@talk
@click.option(
    "-o", "--output", type=FilePath(dir_okay=False), help="Write the schema to this file, not stdout."
)
def schema(output: str | None) -> None:
    """Print the config's JSON Schema, with which editors complete and check YAML keys."""
    text = json.dumps(config_module.json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    _write(Path(output), text, output)
    say(f"wrote {output}")


def _write(path: Path, text: str, named: str | Path) -> None:
    """``text`` into ``path``, its folder made first; a failure told naming the file as ``named``
    (as the user typed it)."""
    with output_errors(named):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
