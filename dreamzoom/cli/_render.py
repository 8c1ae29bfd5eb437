"""``dreamzoom render``: INPUT (a config, photo, video or song, or ``--from-video``'s stored config)
to a video, or with ``--dry-run`` what it would render; an interrupted render ends with the
command that resumes it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

from .. import config as config_module
from .. import formats
from ..errors import EXIT_INTERRUPTED
from ._app import is_quiet, is_verbose, talk
from ._dry_run import print_dry_run
from ._options import everyday_assignments, everyday_options, set_option
from ._params import FilePath, one_input, output_format
from ._settings import load, looped
from ._summary import summarise


@click.command()
@talk
@click.argument(
    "config", metavar="INPUT", type=FilePath(dir_okay=False, name_check=one_input), required=False
)
@click.option(
    "-o",
    "--output",
    type=FilePath(room=config_module.VIDEO_ROOM, name_check=output_format),
    help="Write the video here, in the format its extension names: .mp4, .webm, .gif, .mov, or a "
    "folder/ of PNG frames (overrides output.path).",
)
@set_option
@click.option(
    "--resume", is_flag=True, help="Continue an interrupted render of the same config from its checkpoint."
)
@click.option("-y", "--overwrite", is_flag=True, help="Replace an existing video (and discard a checkpoint).")
@everyday_options
@click.option(
    "--from-video",
    "from_video",
    type=FilePath(dir_okay=False),
    help="Render again from the config stored in a dreamzoom video.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print what would be rendered, on what, and how long it would take here (from timing its "
    "first frames); write nothing.",
)
def render(
    config: str | None,
    output: str | None,
    assignments: tuple[str, ...],
    resume: bool,
    overwrite: bool,
    from_video: str | None,
    dry_run: bool,
    **everyday: Any,
) -> int:
    """Render INPUT to an MP4: a config, or a photo, video or song dreamed with the default config's
    settings (or, with --from-video, the config a video was made with)."""
    assignments = everyday_assignments(everyday) + assignments
    settings = render_settings(config, output, assignments, from_video, everyday["loop"])
    if dry_run:
        print_dry_run(settings)
        return 0
    again = resume_command(config, from_video, output, assignments)
    return _run(settings, again, resume=resume, overwrite=overwrite)


def _run(settings: config_module.Config, again: str, *, resume: bool, overwrite: bool) -> int:
    """The render itself, and what it ends with: the summary, or, stopped by Ctrl-C, what is kept
    and ``again``, the command that resumes it."""
    from ..metrics import counted  # only now: a config's mistakes are told before TensorFlow loads
    from ..renderer import checkpoint_keeps, kept_phrase, run

    try:
        report = run(
            settings, progress=not is_quiet(), resume=resume, overwrite=overwrite, verbose=is_verbose()
        )
    except KeyboardInterrupt:  # a second Ctrl-C: stopped at once, with no partial video
        kept = checkpoint_keeps(settings)
        if kept is None:
            raise
        click.echo(f"stopped at once, with no partial video: {kept_phrase(kept)}: {again}", err=True)
        return EXIT_INTERRUPTED
    if report.interrupted:
        click.echo(
            f"interrupted after {counted(report.frames, 'frame')}: what is done plays in {formats.shown(report.path)}; "
            f"{kept_phrase(report.kept)}: {again}",
            err=True,
        )
        return EXIT_INTERRUPTED
    summarise(report)
    return 0


def render_settings(
    config: str | None,
    output: str | None,
    assignments: tuple[str, ...],
    from_video: str | None,
    loop: float | None,
) -> config_module.Config:
    """The config ``render`` renders: CONFIG's, or the one stored in ``--from-video``'s video
    (written beside it as ``NAME-again.mp4`` unless ``-o`` says otherwise)."""
    extra = [("output.path", str(Path(formats.canonical(output)).absolute()))] if output else []
    if config and from_video:
        raise click.UsageError("give CONFIG or --from-video, not both")
    if config:
        return load(config, assignments, extra, loop)
    if not from_video:
        raise click.UsageError("Missing argument 'INPUT'.")
    from .. import provenance

    stored = provenance.read(Path(from_video))["config"]
    if not output:
        original = Path(from_video)
        extra = [("output.path", str(original.with_name(f"{original.stem}-again.mp4").absolute()))]
    overrides = [config_module.parse_set(item) for item in assignments] + extra
    return looped(lambda more: config_module.load(stored, more), overrides, loop)


def resume_command(
    config: str | None, from_video: str | None, output: str | None, assignments: tuple[str, ...]
) -> str:
    """The render command again with ``--resume``: the same ``-o`` (where the checkpoint is) and
    ``--set`` (or the config would not match the checkpoint), quoted for a shell."""
    words = [config] if config else ["--from-video", str(from_video)]
    words += ["-o", output] if output else []
    words += [word for item in assignments for word in ("--set", item)]
    return shlex.join(["dreamzoom", "render", *words, "--resume"])
