"""What ``render --dry-run`` prints: the video, the model, the device, the time it would take here
(from timing its first frames) and the config as resolved, writing nothing."""

from __future__ import annotations

import click

from .. import config as config_module


def print_dry_run(settings: config_module.Config) -> None:
    """What ``render --dry-run`` prints: the video, the model, the device, the time, the config."""
    import yaml

    from ..metrics import counted
    from ..preview import estimate
    from ..resolve import plan
    from ..timeline import dreamed_indices

    planned = plan(settings)
    settings, timed = planned.config, estimate(planned)
    width, height = settings.size
    fps, model = settings.output.fps, settings.model
    dreamed = len(dreamed_indices(timed.frames, settings.cadence))
    click.echo(
        f"would write {settings.output.path}: {counted(timed.frames, 'frame')} ({timed.frames / fps:.1f} s "
        f"at {fps:g} fps), {width}×{height}, {dreamed} dreamed"
    )
    weights = model.path or f"{model.weights} weights"
    click.echo(f"model: {model.name} ({weights}), {planned.precision} on {planned.device}")
    click.echo(
        f"estimate here: about {duration(timed.total)} (model {timed.load:.1f} s, frame 0 {timed.first:.1f} s, "
        f"then {timed.per_frame:.2f} s a frame)"
    )
    click.echo("config, as resolved:")
    text = yaml.safe_dump(
        config_module.resolved(settings), sort_keys=False, allow_unicode=True, default_flow_style=None
    )
    click.echo(text.rstrip())


def duration(seconds: float) -> str:
    """``42 s``, ``3 min``, ``2.5 h``: a duration as a person says it."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"
