"""The commands that look before a render, writing nothing: ``validate`` (is the config right?),
``layers`` (what can its model dream?) and ``classes`` (which ImageNet classes and categories may
it explore?)."""

from __future__ import annotations

from typing import Any

import click

from ..errors import DreamzoomError
from ._app import talk
from ._options import everyday_assignments, everyday_options, set_option
from ._params import FilePath
from ._settings import load


@click.command()
@talk
@click.argument("config", type=FilePath(dir_okay=False))
@set_option
@everyday_options
def validate(config: str, assignments: tuple[str, ...], **everyday: Any) -> None:
    """Check CONFIG — keys, values, files, model and layers — without rendering."""
    from ..assemble import prepare
    from ..metrics import counted
    from ..resolve import plan

    planned = plan(load(config, everyday_assignments(everyday) + assignments, loop=everyday["loop"]))
    prepare(planned)  # the model, layers, classes and sizes checked, as a render checks them
    width, height = planned.config.size  # a video may set the size, a song or a video the length
    click.echo(f"{config}: ok ({counted(planned.frames, 'frame')}, {width}×{height})")


@click.command()
@talk
@click.argument("config", type=FilePath(dir_okay=False), required=False)
@click.option(
    "-c",
    "--config",
    "config_path",
    type=FilePath(dir_okay=False),
    help="The same as CONFIG (older spelling).",
)
@set_option
@click.option(
    "-a", "--all", "show_all", is_flag=True, help="Every image-shaped layer, not only the main blocks."
)
def layers(config: str | None, config_path: str | None, assignments: tuple[str, ...], show_all: bool) -> None:
    """List the model's dreamable layers with their output shapes (for CONFIG's model and size)."""
    from .. import models

    if config and config_path:
        raise click.UsageError("give CONFIG or --config, not both")
    settings = load(config or config_path, assignments)
    model = models.load(settings.model)
    names = model.dreamable if show_all else model.blocks
    width, height = settings.size
    try:
        shapes = model.output_shapes(names, settings.size)
    except ValueError:  # Keras: a layer's output would have no pixels at this size
        smallest = model.min_size(names)
        raise DreamzoomError(
            f"{width}×{height} is too small for these layers: both sides must be at least {smallest} px",
            key="size",
        ) from None
    click.echo(f"{model.label}; output shapes for {width}×{height} frames (height × width × channels):")
    column = max(len(name) for name in names)
    for name, shape in zip(names, shapes, strict=True):
        click.echo(f"  {name:<{column}}  {' × '.join(str(d) for d in shape)}")
    if len(names) < len(model.dreamable):
        click.echo(f"({len(model.dreamable)} layers in all: --all lists every one)")


@click.command("classes")
@talk
@click.argument("query", required=False, default="")
def classes_command(query: str) -> int:
    """List the categories and the ImageNet classes whose names contain QUERY (all without one): a
    category (`birds`) stands for its classes wherever a render explores classes."""
    from .. import classes

    wanted = query.strip().lower()
    groups = {name: members for name, members in classes.categories().items() if wanted in name}
    matches = classes.search(query)
    if not matches and not groups:
        click.echo(f"no category or ImageNet class name contains {query!r}", err=True)
        return 1
    for name, members in groups.items():
        click.echo(
            f"category {name!r}: {len(members)} classes, {classes.name(members[0])} … {classes.name(members[-1])}"
        )
    for index, names in matches:
        click.echo(f"{index:4d}  {names}")
    return 0
