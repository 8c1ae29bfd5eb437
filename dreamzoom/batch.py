"""Batches: many renders in turn, one after another, that never stop at the first failure.

Each config is rendered with resume semantics (an interrupted render continues from its
checkpoint), a finished video is skipped unless ``overwrite``, a failure is recorded and the batch
goes on, and a summary table ends it. The Ray backend (``cluster.py``) reuses the same pieces.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config as config_module
from . import engine, formats
from .errors import EXIT_INTERRUPTED, EXIT_RENDER_FAILED, DreamzoomError, RenderFailed

#: Statuses that count as success.
SUCCEEDED = ("done", "resumed", "skipped")


@dataclass
class Outcome:
    """How one render of a batch went."""

    config: str
    status: str  # done, resumed, skipped, failed, interrupted, not started
    frames: int = 0
    seconds: float = 0.0
    detail: str = ""  # the video's path, or the one-line error


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Config files from paths, where a folder stands for its ``*.yaml`` and ``*.yml`` files; each
    config once (named twice, it would render twice into the same video and checkpoint)."""
    items = [Path(item) for item in paths]
    found: list[Path] = []
    for item in items:
        if item.is_dir():
            found += sorted(p for p in item.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        elif item.is_file():
            found.append(item)
        else:
            raise DreamzoomError(f"no such config file or folder: {item}")
    if not found:
        where = ", ".join(map(str, items))
        raise DreamzoomError(f"no configs to render in {where} (a folder must hold .yaml files)")
    seen: set[Path] = set()
    unique = []
    for path in found:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique


def placed(path: Path, overrides: list[tuple[str, Any]], output_dir: Path | None) -> list[tuple[str, Any]]:
    """A config's overrides, plus its video's place when a batch collects videos in one folder."""
    if output_dir is None:
        return list(overrides)
    return [*overrides, ("output.path", str(Path(output_dir) / f"{path.stem}.mp4"))]


def load_one(
    path: Path, overrides: list[tuple[str, Any]], output_dir: Path | None, claimed: dict[Path, str]
) -> config_module.Config | Outcome:
    """A batch's config, loaded and placed; or the failed :class:`Outcome` that says why not.

    ``claimed`` maps the videos of the configs loaded so far to their configs: a second config
    rendering to the same video (``a/x.yaml`` and ``b/x.yaml`` with ``--output-dir``) would be
    skipped as finished, or share its checkpoint, so it fails instead.
    """
    try:
        settings = config_module.load(path, placed(path, overrides, output_dir))
    except DreamzoomError as error:
        return Outcome(str(path), "failed", detail=str(error))
    assert settings.output.path is not None
    video = settings.output.path.resolve()
    owner = claimed.setdefault(video, str(path))
    if owner != str(path):
        return Outcome(
            str(path),
            "failed",
            detail=f"output.path: {video} is also the video of {owner}: give each its own",
        )
    return settings


def render_loaded(
    name: str,
    settings: config_module.Config,
    *,
    overwrite: bool,
    progress: bool,
    notify: Callable[[str], None],
    verbose: bool = False,
) -> Outcome:
    """Render a loaded config with resume semantics: skip a video finished from this same config
    (unless ``overwrite``), continue from a checkpoint, record a failure instead of raising it. A
    video there from another config, or not made by dreamzoom, is a failure naming it, not a skip:
    the night's summary must not count someone else's file as this config's render."""
    started = time.perf_counter()
    try:
        engine.use(settings.model.backend)  # before the renderer loads Keras
        from .renderer import run

        report = run(
            settings, progress=progress, resume=True, overwrite=overwrite, notify=notify, verbose=verbose
        )
    except (DreamzoomError, RenderFailed) as error:
        return Outcome(name, "failed", seconds=time.perf_counter() - started, detail=str(error))
    except Exception as error:  # noqa: BLE001 — a bug must not end a night's batch: record it and go on
        detail = f"internal error ({type(error).__name__}: {error}); please report it"
        return Outcome(name, "failed", seconds=time.perf_counter() - started, detail=detail)
    if report.finished_before:
        detail = f"{formats.shown(report.path)} is finished from this config (--overwrite renders it again)"
        return Outcome(name, "skipped", report.frames, detail=detail)
    status = "interrupted" if report.interrupted else "resumed" if report.resumed_from else "done"
    return Outcome(name, status, report.frames, report.seconds, str(report.path))


def run_batch(
    paths: Iterable[str | Path],
    overrides: list[tuple[str, Any]] | None = None,
    *,
    overwrite: bool = False,
    output_dir: Path | None = None,
    progress: bool = True,
    notify: Callable[[str], None] = print,
) -> list[Outcome]:
    """Render every config in turn; stop early only when a render is interrupted (Ctrl-C).
    ``output_dir`` collects the videos in one folder, each named after its config."""
    configs = expand(paths)
    outcomes: list[Outcome] = []
    claimed: dict[Path, str] = {}
    # Every config is checked before the first render, so that a mistake in the last one is told
    # at once, not after a night of the others.
    loaded = [load_one(path, overrides or [], output_dir, claimed) for path in configs]
    for bad in (outcome for outcome in loaded if isinstance(outcome, Outcome)):
        notify(f"{bad.config} will not render: {bad.detail}")
    for index, (path, settings) in enumerate(zip(configs, loaded, strict=True)):
        if isinstance(settings, Outcome):
            outcomes.append(settings)
            continue
        notify(f"[{index + 1}/{len(configs)}] {path}")
        outcome = render_loaded(str(path), settings, overwrite=overwrite, progress=progress, notify=notify)
        outcomes.append(outcome)
        if outcome.status == "interrupted":
            outcomes += [Outcome(str(rest), "not started") for rest in configs[index + 1 :]]
            break
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    """A plain-text summary table."""
    rows = [("config", "status", "frames", "time", "result")]
    rows += [
        (
            o.config,
            o.status,
            str(o.frames) if o.frames else "",
            f"{o.seconds:.0f} s" if o.seconds else "",
            o.detail,
        )
        for o in outcomes
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    ]
    succeeded = sum(o.status in SUCCEEDED for o in outcomes)
    lines.append(f"{succeeded} of {len(outcomes)} succeeded")
    return "\n".join(line.rstrip() for line in lines)


def exit_code(outcomes: list[Outcome]) -> int:
    """0 when every render succeeded, :data:`~errors.EXIT_INTERRUPTED` when the batch was
    interrupted, else :data:`~errors.EXIT_RENDER_FAILED`."""
    if any(o.status == "interrupted" for o in outcomes):
        return EXIT_INTERRUPTED
    return 0 if all(o.status in SUCCEEDED for o in outcomes) else EXIT_RENDER_FAILED
