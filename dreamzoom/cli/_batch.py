"""``dreamzoom batch``: many configs rendered in turn here, or at once on Ray, ending with the
summary table; its exit code is the batch's (``batch.exit_code``)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import config as config_module
from ._app import is_quiet, talk
from ._options import set_option, with_ray_options
from ._params import FilePath


@click.command()
@talk
@click.argument("configs", nargs=-1, required=True, type=FilePath())
@set_option
@click.option("--overwrite", is_flag=True, help="Render again configs whose videos exist.")
@click.option(
    "--output-dir", type=FilePath(file_okay=False), help="Write every video here, named after its config."
)
@with_ray_options
def batch(
    configs: tuple[str, ...],
    assignments: tuple[str, ...],
    overwrite: bool,
    output_dir: str | None,
    ray_address: str | None,
    task_cpus: float | None,
    task_gpus: float | None,
) -> int:
    """Render many CONFIGS (files or folders of .yaml) in turn (or at once, with --ray): interrupted
    ones resume, failures do not stop the rest, and a summary table ends the run."""
    from ..batch import exit_code, run_batch, table

    overrides = [config_module.parse_set(item) for item in assignments]
    folder = Path(output_dir).absolute() if output_dir else None
    if ray_address is not None:
        from .. import cluster

        outcomes = cluster.run_batch(
            configs,
            overrides,
            address=ray_address,
            overwrite=overwrite,
            output_dir=folder,
            cpus=task_cpus,
            gpus=task_gpus,
            notify=_notify,
        )
    else:
        outcomes = run_batch(
            configs,
            overrides,
            overwrite=overwrite,
            output_dir=folder,
            progress=not is_quiet(),
            notify=_notify,
        )
    click.echo(table(outcomes))
    return exit_code(outcomes)


def _notify(line: str) -> None:
    """A batch's lines as it goes (each config started, skipped or failed), on stderr even with
    ``-q``: they are what a batch is for, beside its table."""
    click.echo(line, err=True)
