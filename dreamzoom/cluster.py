"""Batches and sweeps across a Ray cluster: one task per render (or per sweep cell).

Imported only for ``--ray``; Ray itself is an optional extra (``pip install 'dreamzoom[ray]'``).
Configs are checked on the driver, so a bad one fails at once and is never sent; each render task
gets the resolved config (absolute paths, which every node must be able to reach: a shared
filesystem) and renders with resume semantics, so when Ray retries a task whose worker died, the
new attempt continues from the checkpoint the old one left on the shared path.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import batch
from . import config as config_module
from .errors import DreamzoomError
from .resolve import plan


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise DreamzoomError("--ray needs Ray: pip install 'dreamzoom[ray]'") from None
    return ray


def connect(address: str | None) -> Any:
    """Join the cluster at ``address`` (``auto`` for the local one ``ray start`` made), or start a
    private local Ray when ``address`` is empty."""
    ray = _ray()
    if not ray.is_initialized():
        if address and address != "auto":
            _probe(address)
        try:
            ray.init(
                address=address or None, include_dashboard=False, log_to_driver=False, configure_logging=False
            )
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise DreamzoomError(f"cannot reach a Ray cluster at {address}: {error}", key="--ray") from None
    return ray


def _probe(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, in one line, when nothing listens at ``address``: Ray itself retries an
    unreachable head for minutes, logging as it goes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise DreamzoomError(
            f"{address!r} is not a Ray address: expected auto, HOST:PORT or ray://HOST:PORT", key="--ray"
        ) from None
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise DreamzoomError(
            f"cannot reach a Ray cluster at {address}: {reason} (is `ray start --head` running there?"
            " --ray alone starts a private one on this machine)",
            key="--ray",
        ) from None


class Progress:
    """A Ray actor that tasks report to, so the driver can print one line per change of a render's
    state (running, retried, done, failed) and tests can wait for a moment without sleeping."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.starts: dict[str, int] = {}
        self.pids: dict[str, int] = {}
        self._changed = asyncio.Event()

    def _add(self, name: str, status: str, detail: str = "") -> None:
        self.events.append((name, status, detail))
        self._changed.set()

    async def started(self, name: str, pid: int, node: str) -> None:
        self.starts[name] = self.starts.get(name, 0) + 1
        self.pids[name] = pid
        self._add(name, "retried" if self.starts[name] > 1 else "running", f"on {node} (pid {pid})")

    async def note(self, name: str, message: str) -> None:
        self._add(name, "note", message)

    async def events_after(self, seen: int, timeout: float) -> list[tuple[str, str, str]]:
        """Events after the first ``seen``, waiting up to ``timeout`` seconds for one to come."""
        if len(self.events) <= seen:
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
        return self.events[seen:]

    async def wait_for(self, name: str, text: str) -> int:
        """Block until render ``name`` reports a note containing ``text``; its worker's pid."""
        while not any(n == name and text in detail for n, _, detail in self.events):
            self._changed.clear()
            await self._changed.wait()
        return self.pids[name]


def _render_task(name: str, resolved: dict[str, Any], overwrite: bool, progress: Any) -> batch.Outcome:
    """Runs on a worker: one render of a batch, resuming from a checkpoint if an attempt died."""
    progress.started.remote(name, os.getpid(), socket.gethostname())
    try:
        settings = config_module.load(resolved, environment=False)  # applied by the driver
    except DreamzoomError as error:  # e.g. a photo on a path this node cannot reach
        return batch.Outcome(name, "failed", detail=f"on {socket.gethostname()}: {error}")
    return batch.render_loaded(
        name,
        settings,
        overwrite=overwrite,
        progress=False,
        notify=lambda line: progress.note.remote(name, line),
        verbose=True,
    )


def _sweep_task(resolved: dict[str, Any], term: dict[str, Any]) -> Any:
    planned = plan(config_module.load(resolved, environment=False))  # chooses the Keras backend
    from .preview import sweep_still

    return sweep_still(planned, config_module.Term.model_validate(term))


def resources(ray: Any, cpus: float | None, gpus: float | None) -> dict[str, float]:
    """Per-task resources: one GPU where the cluster has GPUs, else CPUs (2 unless told)."""
    has_gpus = ray.cluster_resources().get("GPU", 0) > 0
    return {
        "num_cpus": cpus if cpus is not None else (1 if has_gpus else 2),
        "num_gpus": gpus if gpus is not None else (1 if has_gpus else 0),
    }


def run_batch(
    paths: Iterable[str | Path],
    overrides: list[tuple[str, Any]] | None = None,
    *,
    address: str | None = None,
    overwrite: bool = False,
    output_dir: Path | None = None,
    cpus: float | None = None,
    gpus: float | None = None,
    retries: int = 3,
    notify: Callable[[str], None] = print,
    on_progress: Callable[[Any], None] | None = None,
) -> list[batch.Outcome]:
    """Render every config as a Ray task; return outcomes in config order.

    ``on_progress`` receives the progress actor once tasks are submitted (tests use it to wait for
    a moment in a render).
    """
    ray = connect(address)
    names = [str(path) for path in batch.expand(paths)]
    actor = ray.remote(Progress).options(max_concurrency=64).remote()
    task = ray.remote(max_retries=retries)(_render_task).options(**resources(ray, cpus, gpus))
    outcomes: dict[str, batch.Outcome] = {}
    submitted: dict[Any, str] = {}
    claimed: dict[Path, str] = {}
    for name in names:
        settings = batch.load_one(Path(name), overrides or [], output_dir, claimed)
        if isinstance(settings, batch.Outcome):
            outcomes[name] = settings
            notify(f"{name}: failed: {settings.detail}")
            continue
        submitted[task.remote(name, _shared_paths(settings), overwrite, actor)] = name
        notify(f"{name}: queued")
    if on_progress is not None:
        on_progress(actor)
    outcomes.update(_collect(ray, actor, submitted, notify))
    return [outcomes[name] for name in names]


def _shared_paths(settings: config_module.Config) -> dict[str, Any]:
    """The resolved config with its output paths absolute, where every node can find them (on a
    shared filesystem)."""
    resolved = config_module.resolved(plan(settings, here=False).config)  # a video's own size, rate, length
    for key in ("path", "frames_dir"):
        if resolved["output"][key]:
            resolved["output"][key] = str(Path(resolved["output"][key]).absolute())
    return resolved


def _collect(
    ray: Any, actor: Any, submitted: dict[Any, str], notify: Callable[[str], None]
) -> dict[str, batch.Outcome]:
    """Wait for every submitted task, relaying the progress actor's events as they come."""
    outcomes: dict[str, batch.Outcome] = {}
    pending, seen, started = list(submitted), 0, time.perf_counter()
    while pending:
        for name, status, detail in ray.get(actor.events_after.remote(seen, 1.0)):
            seen += 1
            if status != "note":
                notify(f"{name}: {status} {detail}".rstrip())
        finished, pending = ray.wait(pending, num_returns=len(pending), timeout=0)
        for reference in finished:
            name = submitted[reference]
            try:
                outcome = ray.get(reference)
            except Exception as error:  # noqa: BLE001 — retries exhausted: the worker kept dying
                outcome = batch.Outcome(
                    name,
                    "failed",
                    seconds=time.perf_counter() - started,
                    detail=f"Ray task failed: {type(error).__name__}",
                )
            outcomes[name] = outcome
            notify(f"{name}: {outcome.status} {outcome.detail}".rstrip())
    return outcomes


def run_sweep(
    config: config_module.Config,
    cells: list[tuple[str, config_module.Term]],
    address: str | None,
    cpus: float | None,
    gpus: float | None,
) -> list[tuple[str, Any]]:
    """Each sweep cell as a Ray task; the stills come back in order for the contact sheet."""
    ray = connect(address)
    task = ray.remote(_sweep_task).options(**resources(ray, cpus, gpus))
    resolved = config_module.resolved(plan(config, here=False).config)
    references = [
        task.remote(resolved, term.model_dump(by_alias=True, exclude_none=True)) for _, term in cells
    ]
    try:
        stills = ray.get(references)
    except ray.exceptions.RayTaskError as error:  # a cell's one-line error, not the worker's traceback
        if isinstance(error.cause, DreamzoomError):
            raise error.cause from None
        raise
    return [(label, still) for (label, _), still in zip(cells, stills, strict=True)]
