"""Options shared by several commands: ``--set``, the everyday flags that stand for ``--set``s, and
``--ray``'s, so that each is spelt, helped and checked the same wherever it appears."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ._params import FilePath, Size

set_option = click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config key (value read as YAML), e.g. --set motion.zoom=1.03. Repeatable.",
)


def everyday_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The flags for everyday settings, in the spirit of ffmpeg's: each is a ``--set`` of one key."""
    options = [
        click.option("--size", type=Size(), help="Frame size, e.g. 512x512 (sets size)."),
        click.option("--seconds", type=float, help="Length in seconds (sets seconds)."),
        click.option("--frames", type=int, help="Length in frames (sets frames)."),
        click.option(
            "--loop",
            type=click.FloatRange(min=0, min_open=True),
            metavar="SECONDS",
            help="A seamless loop this long: its last third leads back into its first frame "
            "(sets seconds and loop.frames).",
        ),
        click.option("--fps", type=float, help="Frames per second (sets output.fps)."),
        click.option("--seed", type=int, help="Seed of the noise and the dream (sets seed)."),
        click.option(
            "--layer",
            help="Dream this layer alone, as classic DeepDream (sets dream.layers, no exploring).",
        ),
        click.option(
            "--audio",
            type=FilePath(exists=True, dir_okay=False),
            help="A song to play in the video and drive its schedules (sets audio.path).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def everyday_assignments(everyday: dict[str, Any]) -> tuple[str, ...]:
    """The ``--set`` assignments the everyday flags stand for (JSON values: YAML reads them)."""
    lengths = [f"--{name}" for name in ("seconds", "frames", "loop") if everyday.get(name) is not None]
    if len(lengths) > 1:
        raise click.UsageError(f"{' and '.join(lengths)} each set the length: give one")
    keys = {"size": "size", "seconds": "seconds", "frames": "frames", "fps": "output.fps", "seed": "seed"}
    assignments = [
        f"{key}={json.dumps(list(value) if name == 'size' else value)}"
        for name, key in keys.items()
        if (value := everyday.get(name)) is not None
    ]
    if everyday.get("layer") is not None:
        assignments += [f"dream.layers={json.dumps({everyday['layer']: 1.0})}", "dream.explore=null"]
    if everyday.get("audio") is not None:
        assignments.append(f"audio.path={json.dumps(str(Path(everyday['audio']).absolute()))}")
    return tuple(assignments)


_ray_options = [
    click.option(
        "--ray",
        "ray_address",
        is_flag=False,
        flag_value="",
        default=None,
        metavar="[ADDRESS]",
        help="Run on Ray: alone, a private local Ray; with ADDRESS (auto, ray://host:10001), that cluster.",
    ),
    click.option(
        "--task-cpus",
        type=click.FloatRange(min=0),
        help="With --ray: CPUs per task (default 2, or 1 with GPUs).",
    ),
    click.option(
        "--task-gpus",
        type=click.FloatRange(min=0),
        help="With --ray: GPUs per task (default 1 where the cluster has GPUs).",
    ),
]


def with_ray_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--ray``, ``--task-cpus`` and ``--task-gpus`` (``batch``, ``sweep``): the task's resources
    mean nothing without Ray, so giving them alone is a usage error rather than silently ignored."""

    @functools.wraps(command)
    def checked(
        *args: Any, ray_address: str | None, task_cpus: float | None, task_gpus: float | None, **kwargs: Any
    ) -> Any:
        if ray_address is None and (task_cpus is not None or task_gpus is not None):
            raise click.UsageError("--task-cpus and --task-gpus go with --ray")
        return command(*args, ray_address=ray_address, task_cpus=task_cpus, task_gpus=task_gpus, **kwargs)

    for option in reversed(_ray_options):
        checked = option(checked)
    return checked
