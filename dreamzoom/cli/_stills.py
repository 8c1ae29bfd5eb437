"""The commands that try settings on one picture before a long render: ``preview`` (one frame of the
render as a still) and ``sweep`` (frame 0 dreamed at each of several layers, channels or classes,
as a labelled contact sheet). Both write a PNG beside the config's video unless ``-o`` says where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import config as config_module
from ._app import is_quiet, say, talk
from ._cells import MAX_SWEEP_CELLS, sweep_cells
from ._options import everyday_assignments, everyday_options, set_option, with_ray_options
from ._params import FilePath, still_output
from ._settings import load


@click.command()
@talk
@click.argument("config", type=FilePath(dir_okay=False))
@click.option(
    "--frame",
    type=click.IntRange(min=0, max=config_module.MAX_FRAMES - 1),
    default=0,
    show_default=True,
    help="Which frame to show.",
)
@still_output("PNG or JPEG to write (.png, .jpg); default a PNG beside the video.")
@set_option
@everyday_options
def preview(
    config: str, frame: int, output: str | None, assignments: tuple[str, ...], **everyday: Any
) -> None:
    """Render one still of CONFIG (frame N), to try settings before a long render."""
    from ..preview import preview as render_still
    from ..sinks import write_still

    settings = load(config, everyday_assignments(everyday) + assignments, loop=everyday["loop"])
    path = write_still(
        still_path(output, settings, f"frame{frame}"), render_still(settings, frame, progress=not is_quiet())
    )
    say(f"wrote {path}")


@click.command()
@talk
@click.argument("config", type=FilePath(dir_okay=False))
@click.option("--layers", "layer_list", help="Comma-separated layers, one cell each: mixed0,mixed1,mixed2.")
@click.option(
    "--channels", "channel_spec", help="Channels of one layer, one cell each: mixed4:0-7 or mixed4:97,120."
)
@click.option(
    "--classes",
    "class_list",
    help="Comma-separated ImageNet classes, by name or number, one cell each: banana,goldfish,967.",
)
@still_output("PNG or JPEG to write (.png, .jpg); default a PNG beside the video, as preview's.")
@click.option(
    "--columns",
    type=click.IntRange(min=1, max=MAX_SWEEP_CELLS),
    help="Cells per row (default: a near-square grid).",
)
@set_option
@with_ray_options
def sweep(
    config: str,
    layer_list: str | None,
    channel_spec: str | None,
    class_list: str | None,
    output: str | None,
    columns: int | None,
    assignments: tuple[str, ...],
    ray_address: str | None,
    task_cpus: float | None,
    task_gpus: float | None,
) -> None:
    """A labelled contact sheet of CONFIG's frame 0 dreamed at each layer, channel or class."""
    from ..metrics import counted
    from ..preview import sweep as run_sweep
    from ..sheet import contact_sheet
    from ..sinks import write_still

    cells = sweep_cells(layer_list, channel_spec, class_list)
    settings = load(config, assignments)
    if ray_address is not None:
        from .. import cluster

        stills = cluster.run_sweep(settings, cells, ray_address, task_cpus, task_gpus)
    else:
        stills = run_sweep(settings, cells)
    path = write_still(still_path(output, settings, "sweep"), contact_sheet(stills, columns))
    say(f"wrote {path} ({counted(len(cells), 'cell')})")


def still_path(output: str | None, settings: config_module.Config, what: str) -> Path:
    """Where a still goes: ``-o``, or a PNG beside the config's video (``renders/NAME-WHAT.png``)."""
    if output:
        return Path(output)
    assert settings.output.path is not None
    return settings.output.path.with_name(f"{settings.output.path.stem}-{what}.png")
