"""The ``dreamzoom`` command: render, batch, validate, preview, sweep, inspect, audio, layers, classes,
init, schema.

Commands are thin: each maps its arguments onto the Python API. Every error a user can cause
arrives here as a :class:`DreamzoomError` (or a click usage error) and leaves as one line on
stderr with exit code 2; Ctrl-C exits with 130.
"""

from __future__ import annotations

import functools
import json
import logging
import reprlib
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import config as config_module
from . import formats
from ._version import __version__
from .errors import EXIT_INTERRUPTED, EXIT_RENDER_FAILED, EXIT_USER_ERROR, DreamzoomError, RenderFailed

MAX_SWEEP_CELLS = 1024  # a contact sheet of more is unreadable, and a typo could ask for billions


class _FilePath(click.Path):
    """click's ``Path``, first refusing what the operating system would refuse (a null byte, an
    over-long name) as a usage error: click's own check stats the path, which raises ``ValueError``
    on a null byte. ``room``: bytes dreamzoom adds to the name for the files it writes beside it.
    ``name_check``: why the name cannot be written (an extension naming a format dreamzoom does not
    write), checked before any work."""

    def __init__(
        self, *, room: int = 0, name_check: Callable[[str], str | None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.room, self.name_check = room, name_check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        problem = config_module.path_problem(value, self.room)
        if not problem and self.name_check is not None:
            problem = self.name_check(str(value))  # as typed: frames/ names a folder
        if problem:
            self.fail(problem, param, ctx)
        return super().convert(value, param, ctx)


def _one_input(name: str) -> str | None:
    """A folder given where one file belongs: the command that takes a folder is ``batch``."""
    if Path(name).is_dir():
        return (
            f"{name} is a folder: give one file (a config, photo, video or song); "
            f"dreamzoom batch {shlex.quote(name)} renders every config in it"
        )
    return None


def _output_format(name: str) -> str | None:
    """A render is written in the format its name asks for (``formats.py``); a folder gets frames."""
    return config_module.video_name_problem(Path(formats.canonical(name)))


def _still_format(name: str) -> str | None:
    """A still, sheet or plot is written as PNG or JPEG, as its extension says."""
    from .sinks import still_problem

    return still_problem(Path(name))


_QUIET, _VERBOSE = "dreamzoom.quiet", "dreamzoom.verbose"


def _talk(command: Callable[..., Any]) -> Callable[..., Any]:
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


def _quiet() -> bool:
    return bool(click.get_current_context().meta.get(_QUIET))


def _verbose() -> bool:
    return bool(click.get_current_context().meta.get(_VERBOSE))


def _say(line: str) -> None:
    """A line of what was done (``wrote …``), on stderr, unless ``-q``."""
    if not _quiet():
        click.echo(line, err=True)


_set_option = click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config key (value read as YAML), e.g. --set motion.zoom=1.03. Repeatable.",
)


def _load(
    config_path: str | None,
    assignments: tuple[str, ...],
    extra: list[tuple[str, Any]] | None = None,
    loop: float | None = None,
) -> config_module.Config:
    """The config a command works on: a config file's, or a photo's, video's or song's (the default
    settings with that input), with ``--set``, then ``extra``, then ``--loop`` applied."""
    overrides = [config_module.parse_set(item) for item in assignments] + (extra or [])
    media = config_module.media_config(Path(config_path)) if config_path else None
    if media is not None and not Path(str(config_path)).is_file():
        raise DreamzoomError(f"file not found: {config_path}", key="INPUT")
    source = config_path if media is None else media
    return _looped(lambda more: config_module.load(source, more), overrides, loop)


#: The share of a ``--loop`` render over which it leads back into its first frame (as the shipped
#: loop config does: 2 of its 6 seconds).
LOOP_SHARE = 1 / 3


def _looped(
    build: Callable[[list[tuple[str, Any]]], config_module.Config],
    overrides: list[tuple[str, Any]],
    seconds: float | None,
) -> config_module.Config:
    """``build(overrides)``, or with ``--loop SECONDS``: a render that long whose last third leads
    back into its first frame. Built twice, since the frames a second are the config's to say."""
    if seconds is None:
        return build(overrides)
    overrides = [*overrides, ("seconds", seconds)]
    frames = build(overrides).frame_count
    if frames < 2:
        raise DreamzoomError(f"{seconds:g} s is {frames} frame: a loop needs 2 or more", key="--loop")
    return build([*overrides, ("loop", {"frames": max(1, round(frames * LOOP_SHARE))})])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dreamzoom")
def cli() -> None:
    """Endless DeepDream zoom videos from a YAML config."""


class _Size(click.ParamType):
    """``--size 512x512`` (or ``512`` for a square): a frame size as ffmpeg spells it."""

    name = "WIDTHxHEIGHT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        width, _, height = str(value).lower().partition("x")
        try:
            return int(width), int(height or width)
        except ValueError:
            self.fail(f"give WIDTHxHEIGHT, e.g. 512x512, not {reprlib.repr(value)}", param, ctx)


def _everyday_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The flags for everyday settings, in the spirit of ffmpeg's: each is a ``--set`` of one key."""
    options = [
        click.option("--size", type=_Size(), help="Frame size, e.g. 512x512 (sets size)."),
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
            type=_FilePath(exists=True, dir_okay=False),
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


@cli.command()
@_talk
@click.argument(
    "config", metavar="INPUT", type=_FilePath(dir_okay=False, name_check=_one_input), required=False
)
@click.option(
    "-o",
    "--output",
    type=_FilePath(room=config_module.VIDEO_ROOM, name_check=_output_format),
    help="Write the video here, in the format its extension names: .mp4, .webm, .gif, .mov, or a "
    "folder/ of PNG frames (overrides output.path).",
)
@_set_option
@click.option(
    "--resume", is_flag=True, help="Continue an interrupted render of the same config from its checkpoint."
)
@click.option("-y", "--overwrite", is_flag=True, help="Replace an existing video (and discard a checkpoint).")
@_everyday_options
@click.option(
    "--from-video",
    "from_video",
    type=_FilePath(dir_okay=False),
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
    settings = _render_settings(config, output, assignments, from_video, everyday["loop"])
    if dry_run:
        _dry_run(settings)
        return 0
    from .metrics import counted  # only now: a config's mistakes are told before TensorFlow loads
    from .renderer import checkpoint_keeps, kept_phrase, run

    again = resume_command(config, from_video, output, assignments)
    try:
        report = run(settings, progress=not _quiet(), resume=resume, overwrite=overwrite, verbose=_verbose())
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
    _summarise(settings, report)
    return 0


def _render_settings(
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
        return _load(config, assignments, extra, loop)
    if not from_video:
        raise click.UsageError("Missing argument 'INPUT'.")
    from . import provenance

    stored = provenance.read(Path(from_video))["config"]
    if not output:
        original = Path(from_video)
        extra = [("output.path", str(original.with_name(f"{original.stem}-again.mp4").absolute()))]
    overrides = [config_module.parse_set(item) for item in assignments] + extra
    return _looped(lambda more: config_module.load(stored, more), overrides, loop)


def _summarise(settings: config_module.Config, report: Any) -> None:
    """The line a finished render ends with (and the loop's seam figure), told in the terms the
    render used: a video source's own size and rate where the config left them to it."""
    from .footage import pinned
    from .metrics import counted

    settings = pinned(settings)
    frames = counted(report.frames, "frame")
    if report.finished_before:
        _say(f"{report.path} is already finished ({frames}): nothing to resume")
        return
    _say(f"wrote {formats.shown(report.path)} ({_video_facts(settings, report.path, report.frames)})")
    if report.seam is not None:
        _say(f"loop seam: {report.seam:.2f}× the median change between frames (≤ 1.5 looks seamless)")
    if report.novelty is not None:
        _say(f"novelty: {report.novelty.line()}")


def _dry_run(settings: config_module.Config) -> None:
    """What ``render --dry-run`` prints: the video, the model, the device, the time, the config."""
    import yaml

    from .metrics import counted
    from .precision import detect_hardware, resolve_precision
    from .preview import estimate
    from .timeline import dreamed_indices

    timed = estimate(settings)
    width, height = settings.size
    fps, model = settings.output.fps, settings.model
    dreamed = len(dreamed_indices(timed.frames, settings.cadence))
    click.echo(
        f"would write {settings.output.path}: {counted(timed.frames, 'frame')} ({timed.frames / fps:.1f} s "
        f"at {fps:g} fps), {width}×{height}, {dreamed} dreamed"
    )
    weights = model.path or f"{model.weights} weights"
    click.echo(
        f"model: {model.name} ({weights}), {resolve_precision(model.precision)} on {detect_hardware().device}"
    )
    click.echo(
        f"estimate here: about {_duration(timed.total)} (model {timed.load:.1f} s, frame 0 {timed.first:.1f} s, "
        f"then {timed.per_frame:.2f} s a frame)"
    )
    click.echo("config, as resolved:")
    text = yaml.safe_dump(
        config_module.resolved(settings), sort_keys=False, allow_unicode=True, default_flow_style=None
    )
    click.echo(text.rstrip())


def _duration(seconds: float) -> str:
    """``42 s``, ``3 min``, ``2.5 h``: a duration as a person says it."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _video_facts(settings: config_module.Config, path: Path, count: int) -> str:
    """What a finished video holds: frames, length, size, rate, sound and bytes."""
    from .ffmpeg import probe
    from .metrics import counted

    width, height = settings.size
    chosen = formats.format_of(path)
    if chosen is formats.FRAMES:
        beside = path.parent / formats.SOUND_FILE
        files = [*formats.frame_files(path), *([beside] if beside.is_file() else [])]
        sound = f"with {formats.SOUND_FILE}" if beside.is_file() else "silent"
        size = sum(file.stat().st_size for file in files)
    else:
        sound = "with sound" if probe(path, key="output.path", what="a video").sound else "silent"
        size = path.stat().st_size
    if sound == "silent" and chosen.audio is None and settings.audio is not None:
        sound = f"silent: a {chosen.name} holds no sound"
    weight = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
    return (
        f"{counted(count, 'frame')}, {count / settings.output.fps:.1f} s, {width}×{height}, "
        f"{settings.output.fps:g} fps, {sound}, {weight}"
    )


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


def _with_ray_options(command: Any) -> Any:
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


@cli.command()
@_talk
@click.argument("configs", nargs=-1, required=True, type=_FilePath())
@_set_option
@click.option("--overwrite", is_flag=True, help="Render again configs whose videos exist.")
@click.option(
    "--output-dir", type=_FilePath(file_okay=False), help="Write every video here, named after its config."
)
@_with_ray_options
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
    from .batch import exit_code, run_batch, table

    overrides = [config_module.parse_set(item) for item in assignments]

    def notify(line):
        return click.echo(line, err=True)

    folder = Path(output_dir).absolute() if output_dir else None
    if ray_address is not None:
        from . import cluster

        outcomes = cluster.run_batch(
            configs,
            overrides,
            address=ray_address,
            overwrite=overwrite,
            output_dir=folder,
            cpus=task_cpus,
            gpus=task_gpus,
            notify=notify,
        )
    else:
        outcomes = run_batch(
            configs, overrides, overwrite=overwrite, output_dir=folder, progress=not _quiet(), notify=notify
        )
    click.echo(table(outcomes))
    return exit_code(outcomes)


@cli.command()
@_talk
@click.argument("config", type=_FilePath(dir_okay=False))
@_set_option
@_everyday_options
def validate(config: str, assignments: tuple[str, ...], **everyday: Any) -> None:
    """Check CONFIG — keys, values, files, model and layers — without rendering."""
    from .assemble import prepare
    from .metrics import counted

    settings = prepare(
        _load(config, everyday_assignments(everyday) + assignments, loop=everyday["loop"])
    ).config  # a song may set the length
    frames = counted(settings.frame_count, "frame")
    click.echo(f"{config}: ok ({frames}, {settings.size[0]}×{settings.size[1]})")


@cli.command()
@_talk
@click.argument("config", type=_FilePath(dir_okay=False), required=False)
@click.option(
    "-c",
    "--config",
    "config_path",
    type=_FilePath(dir_okay=False),
    help="The same as CONFIG (older spelling).",
)
@_set_option
@click.option(
    "-a", "--all", "show_all", is_flag=True, help="Every image-shaped layer, not only the main blocks."
)
def layers(config: str | None, config_path: str | None, assignments: tuple[str, ...], show_all: bool) -> None:
    """List the model's dreamable layers with their output shapes (for CONFIG's model and size)."""
    from . import models

    if config and config_path:
        raise click.UsageError("give CONFIG or --config, not both")
    settings = _load(config or config_path, assignments)
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


@cli.command("classes")
@_talk
@click.argument("query", required=False, default="")
def classes_command(query: str) -> int:
    """List the categories and the ImageNet classes whose names contain QUERY (all without one): a
    category (`birds`) stands for its classes wherever a render explores classes."""
    from . import classes

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


@cli.command()
@_talk
@click.argument("config", type=_FilePath(dir_okay=False))
@click.option(
    "--frame",
    type=click.IntRange(min=0, max=config_module.MAX_FRAMES - 1),
    default=0,
    show_default=True,
    help="Which frame to show.",
)
@click.option(
    "-o",
    "--output",
    type=_FilePath(dir_okay=False, room=config_module.FILE_ROOM, name_check=_still_format),
    help="PNG or JPEG to write (.png, .jpg); default a PNG beside the video.",
)
@_set_option
@_everyday_options
def preview(
    config: str, frame: int, output: str | None, assignments: tuple[str, ...], **everyday: Any
) -> None:
    """Render one still of CONFIG (frame N), to try settings before a long render."""
    from .preview import preview as render_still
    from .sinks import write_still

    settings = _load(config, everyday_assignments(everyday) + assignments, loop=everyday["loop"])
    path = write_still(
        _still_path(output, settings, f"frame{frame}"), render_still(settings, frame, progress=not _quiet())
    )
    _say(f"wrote {path}")


def _still_path(output: str | None, settings: config_module.Config, what: str) -> Path:
    """Where a still goes: ``-o``, or a PNG beside the config's video (``renders/NAME-WHAT.png``)."""
    if output:
        return Path(output)
    assert settings.output.path is not None
    return settings.output.path.with_name(f"{settings.output.path.stem}-{what}.png")


@cli.command()
@_talk
@click.argument("config", type=_FilePath(dir_okay=False))
@click.option("--layers", "layer_list", help="Comma-separated layers, one cell each: mixed0,mixed1,mixed2.")
@click.option(
    "--channels", "channel_spec", help="Channels of one layer, one cell each: mixed4:0-7 or mixed4:97,120."
)
@click.option(
    "--classes",
    "class_list",
    help="Comma-separated ImageNet classes, by name or number, one cell each: banana,goldfish,967.",
)
@click.option(
    "-o",
    "--output",
    type=_FilePath(dir_okay=False, room=config_module.FILE_ROOM, name_check=_still_format),
    help="PNG or JPEG to write (.png, .jpg); default a PNG beside the video, as preview's.",
)
@click.option(
    "--columns",
    type=click.IntRange(min=1, max=MAX_SWEEP_CELLS),
    help="Cells per row (default: a near-square grid).",
)
@_set_option
@_with_ray_options
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
    from . import classes
    from .config import Term
    from .metrics import counted
    from .preview import sweep as run_sweep
    from .sheet import contact_sheet
    from .sinks import write_still

    cells = [(name, Term(layer=name)) for name in _split(layer_list)]
    if channel_spec:
        layer, channels = parse_channels(channel_spec)
        cells += [(f"{layer}:{channel}", Term(layer=layer, channels=[channel])) for channel in channels]
    for name in _split(class_list):  # names checked here, before a Ray cluster or the model is involved
        classes.index_of(name, "--classes")
        cells.append((name, Term.model_validate({"class": name})))
    if not cells:
        raise click.UsageError("give --layers, --channels, --classes or several")
    if len(cells) > MAX_SWEEP_CELLS:
        raise DreamzoomError(
            f"--layers, --channels and --classes: {len(cells):,} cells, more than the {MAX_SWEEP_CELLS:,} "
            "one sheet may hold"
        )
    settings = _load(config, assignments)
    if ray_address is not None:
        from . import cluster

        stills = cluster.run_sweep(settings, cells, ray_address, task_cpus, task_gpus)
    else:
        stills = run_sweep(settings, cells)
    path = write_still(_still_path(output, settings, "sweep"), contact_sheet(stills, columns))
    _say(f"wrote {path} ({counted(len(cells), 'cell')})")


@cli.command()
@_talk
@click.argument("video", type=_FilePath())
@click.option(
    "-o",
    "--output",
    type=_FilePath(dir_okay=False, room=config_module.FILE_ROOM, name_check=_still_format),
    help="Also draw a PNG (or .jpg): 8 stills across the video above curves of novelty, lightness, chroma, detail and the objective.",
)
def inspect(video: str, output: str | None) -> None:
    """Print how much VIDEO (any video, or a folder of frames a render wrote) keeps discovering,
    judged by an independent network."""
    from .inspection import draw
    from .inspection import inspect as measure

    result = measure(Path(formats.canonical(video)))
    for line in result.lines():
        click.echo(line)
    if output:
        try:
            path = draw(result, Path(output), Path(video).name)
        except OSError as error:
            from .files import describe_os_error

            raise DreamzoomError(describe_os_error(error, output), key="--output") from None
        _say(f"wrote {path}")


@cli.command("audio")
@_talk
@click.argument("song", type=_FilePath(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=_FilePath(dir_okay=False, room=config_module.FILE_ROOM, name_check=_still_format),
    help="Draw the envelopes to this PNG or .jpg (default: SONG's name with .envelopes.png, here).",
)
@click.option(
    "--fps", type=click.FloatRange(0.001, 240.0), default=24.0, show_default=True, help="Video frame rate."
)
@click.option(
    "--offset",
    type=click.FloatRange(0.0, config_module.MAX_OFFSET),
    default=0.0,
    help="Seconds into SONG to start.",
)
@click.option(
    "--seconds", type=click.FloatRange(0.001, None), help="Analyse only this long (default: to the end)."
)
@click.option("--bpm", type=click.FloatRange(0.001, 1000.0), help="Track the beats at this tempo.")
@_set_option
def audio_command(
    song: str,
    output: str | None,
    fps: float,
    offset: float,
    seconds: float | None,
    bpm: float | None,
    assignments: tuple[str, ...],
) -> None:
    """Print SONG's tempo, beats and length, and plot the envelopes that would drive a render
    (SONG may be a config with an audio section: its settings are used)."""
    from .soundcheck import draw, listen

    overrides = [config_module.parse_set(item) for item in assignments]
    check = listen(Path(song), fps, offset, seconds, bpm, overrides)
    for line in check.lines():
        click.echo(line)
    path = Path(output) if output else Path(f"{Path(song).stem}.envelopes.png")
    _say(f"wrote {draw(check, path)}")


@cli.command()
@_talk
@click.argument("source", metavar="[INPUT]", required=False, type=_FilePath(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=_FilePath(dir_okay=False),
    help="The config to write (default: INPUT's name with .yaml, here; dreamzoom.yaml without INPUT).",
)
@click.option("-y", "--overwrite", is_flag=True, help="Replace the config if it exists.")
def init(source: str | None, output: str | None, overwrite: bool) -> None:
    """Write a commented config to edit, for INPUT (a photo, video or song) or for seeded noise."""
    path = Path(output or f"{Path(source).stem if source else 'dreamzoom'}.yaml")
    if path.exists() and not overwrite:
        raise DreamzoomError(f"{path} exists: use -y to replace it", key="--output")
    text = config_module.starter(path, Path(source) if source else None)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        from .files import describe_os_error

        raise DreamzoomError(describe_os_error(error, path), key="--output") from None
    _say(f"wrote {path}: edit it, then: dreamzoom render {shlex.quote(str(path))}")


@cli.command()
@_talk
@click.option(
    "-o", "--output", type=_FilePath(dir_okay=False), help="Write the schema to this file, not stdout."
)
def schema(output: str | None) -> None:
    """Print the config's JSON Schema, with which editors complete and check YAML keys."""
    text = json.dumps(config_module.json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        from .files import describe_os_error

        raise DreamzoomError(describe_os_error(error, output), key="--output") from None
    _say(f"wrote {output}")


def resume_command(
    config: str | None, from_video: str | None, output: str | None, assignments: tuple[str, ...]
) -> str:
    """The render command again with ``--resume``: the same ``-o`` (where the checkpoint is) and
    ``--set`` (or the config would not match the checkpoint), quoted for a shell."""
    words = [config] if config else ["--from-video", str(from_video)]
    words += ["-o", output] if output else []
    words += [word for item in assignments for word in ("--set", item)]
    return shlex.join(["dreamzoom", "render", *words, "--resume"])


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def parse_channels(spec: str) -> tuple[str, list[int]]:
    """``mixed4:0-3,10`` → ``("mixed4", [0, 1, 2, 3, 10])``: at most :data:`MAX_SWEEP_CELLS` in all,
    counted before any range is expanded (``0-9999999999`` must not build a list of billions)."""
    layer, sep, ranges = spec.partition(":")
    try:
        spans = [_channel_span(part) for part in _split(ranges)]
    except ValueError:
        spans = []
    if not sep or not layer.strip() or not spans or any(first < 0 or last < first for first, last in spans):
        raise DreamzoomError(
            f"--channels expects LAYER:CHANNELS like mixed4:0-7 or mixed4:97,120, got {reprlib.repr(spec)}"
        )
    count = sum(last - first + 1 for first, last in spans)
    if count > MAX_SWEEP_CELLS:
        raise DreamzoomError(
            f"--channels: {reprlib.repr(ranges.strip())} is {count:,} channels, more than the "
            f"{MAX_SWEEP_CELLS:,} one sheet may hold"
        )
    return layer.strip(), [channel for first, last in spans for channel in range(first, last + 1)]


def _channel_span(part: str) -> tuple[int, int]:
    """``"3-7"`` → ``(3, 7)``, ``"5"`` → ``(5, 5)``; ``ValueError`` for anything else."""
    first, dash, last = part.partition("-")
    return int(first), int(last) if dash else int(first)


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


if __name__ == "__main__":
    sys.exit(main())
