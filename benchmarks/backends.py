"""dreamzoom's dream on each installed Keras 3 backend, against two recipes run in the same run.

    python benchmarks/backends.py                 # each installed backend: 512x512, float32
    python benchmarks/backends.py --backends jax,torch --size 512x512 --size 1920x1080 \\
        --precision float32,bfloat16 --json backends.json      # the GPU run (benchmarks/device.sh)
    python benchmarks/backends.py --quick --backends tensorflow --json quick.json  # 128 px, 2 steps

Keras fixes its backend when it is first imported, so every measurement runs in a subprocess with
``KERAS_BACKEND`` set: one per backend, precision and config, and one per recipe. Sizes run
smallest first: JAX cannot reset its peak-memory counter, so the peak read after each size is
still that size's own.

What is timed is one frame of ``Dreamer.dream``, the dreamer built through ``dreamzoom.assemble``
exactly as a render builds it, on two configs:

- fixed: benchmarks/run.py's (512x512, 2 octaves x 10 steps, mixed3 + 1.5 mixed5, default prior);
- default: configs/default.yaml (2 octaves x 4 steps at 1.5, jitter 32, the ``dream`` prior,
  mixed3 with a motif explored across mixed3-mixed5 and classes through the SqueezeNet beside).

Peers, on the same machine in the same run:

- keras.io: benchmarks/run.py's compiled keras.io recipe on TensorFlow in float32, imported from
  there. Its work is written into that file (512x512, 2 octaves x 10 steps), so it is set against
  the fixed config at 512x512 only.
- torch recipe: benchmarks/torch_recipe.py (pytorch-deepdream's eager recipe) with the same
  weights, on each config's octaves, steps, jitter and layers, at each size and precision; on CUDA
  where there is one.

Each row: the build (model and dream step, before any frame), the first frame (tracing and
compiling), the steady state (the median of ``--frames`` frames after ``--warmup`` more), frames
per second, peak accelerator memory (n/a on a CPU) and peak resident memory. Ratios are the peer's
seconds per frame over dreamzoom's (above 1: dreamzoom is faster), on the same work; against the
torch recipe, in the same precision.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BACKENDS = ("tensorflow", "jax", "torch")
#: The default config first: its 1920x1080 figures are the issue's goal, should a run be cut short.
CONFIGS = ("default", "fixed")
PEERS = ("kerasio", "torch")
#: Precisions the recipes can match (``auto`` is one of these, chosen per machine: name it).
PRECISIONS = ("float32", "bfloat16", "float16")
#: The frame whose settings are timed: a dreamed frame after the first (the default config dreams
#: every other frame), with its scheduled step size and exploration weights.
INDEX = 2
QUICK_SIZE, QUICK_STEPS = "128x128", 2
#: The table's header: a column for each of a row's fields that a reader compares.
HEADER = "| who | backend | device | config | size | precision | steps x octaves | build s | first frame s | s/frame | frames/s | peak accel GiB | peak RSS GiB | x keras.io | x torch recipe |"
#: How a worker's stdout marks a measured case (one JSON object a line), among library chatter.
MARK = "CASE "
#: How a worker's stdout says why it stopped: the exception's type and first line (Keras' own
#: messages end in lines of arguments, which would say nothing as the last line of stderr).
FAILED = "FAILED "


@functools.cache
def sibling(name: str) -> ModuleType:
    """Another file of benchmarks/ as a module (benchmarks/ is no package), loaded once: run.py's
    recipe and constants are imported, not copied, so the two benchmarks measure the same peer."""
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def settings(config: str) -> dict | Path:
    """The config named: run.py's fixed config, or the shipped default."""
    return sibling("run").FIXED if config == "fixed" else ROOT / "configs" / "default.yaml"


def overrides(size: list[int], precision: str, quick: bool) -> list[tuple[str, object]]:
    """The config's size and precision set to the case's, and its backend to this process's where
    the config has ``model.backend`` (issue 27); ``--quick`` also cuts its steps."""
    from dreamzoom import config

    pairs: list[tuple[str, object]] = [("size", list(size)), ("model.precision", precision)]
    backend = os.environ.get("KERAS_BACKEND")
    if backend and "backend" in config.Model.model_fields:
        pairs.append(("model.backend", backend))
    if quick:
        pairs += [("dream.steps", QUICK_STEPS), ("dream.first_frame_steps", QUICK_STEPS)]
    return pairs


def recipe_work(config: str, size: list[int], quick: bool) -> dict:
    """The torch recipe's work for a config: its octaves, scale, steps and jitter, and its layers
    (with the explored ones, which set how deep the network runs), read from the config itself."""
    from dreamzoom import config as configs

    dream = configs.load(settings(config), overrides(size, "float32", quick)).dream
    layers = {
        name: float(weight) if isinstance(weight, (int, float)) else 1.0
        for name, weight in dream.layers.items()
    }
    for name in dream.explore.layers if dream.explore else ():
        layers.setdefault(name, 1.0)
    return {
        "size": list(size),
        "octaves": int(dream.octaves),
        "octave_scale": float(dream.octave_scale),
        "steps": int(dream.steps),
        "jitter": int(dream.jitter),
        "layers": sorted(layers.items()),
    }


# -- in the worker: one backend, fixed for the process ---------------------------------------------


@dataclass
class Accelerator:
    """Where the worker's backend computes, and its peak-memory counter (``None`` on a CPU)."""

    device: str
    reset: Callable[[], None]
    peak: Callable[[], float | None]


def accelerator(backend: str) -> Accelerator:
    """The backend's device and how it reports peak memory: torch and TensorFlow reset theirs per
    case; JAX's counts from the start of the process (cases run smallest first)."""
    nothing: Callable[[], None] = lambda: None  # noqa: E731
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            peak = torch.cuda.max_memory_allocated
            return Accelerator(
                torch.cuda.get_device_name(), torch.cuda.reset_peak_memory_stats, lambda: peak() / 2**30
            )
    elif backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform != "cpu":
            stats = device.memory_stats
            return Accelerator(
                device.device_kind, nothing, lambda: (stats() or {}).get("peak_bytes_in_use", 0) / 2**30
            )
    else:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
            reset = lambda: tf.config.experimental.reset_memory_stats("GPU:0")  # noqa: E731
            return Accelerator(
                name, reset, lambda: tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**30
            )
    return Accelerator("cpu", nothing, lambda: None)


def timed(dream_once: Callable[[int], object], frames: int, warmup: int) -> dict:
    """The first frame's seconds (tracing, compiling, picking kernels) and the median of ``frames``
    frames after ``warmup`` more: a render's start and its pace."""
    seconds = []
    for index in range(1 + warmup + frames):
        started = time.perf_counter()
        dream_once(index)
        seconds.append(time.perf_counter() - started)
    steady = statistics.median(seconds[1 + warmup :])
    return {
        "first_s": seconds[0],
        "per_frame_s": steady,
        "fps": 1.0 / steady,
        "frames": frames,
        "warmup": warmup,
    }


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def dreamzoom_cases(job: dict) -> Iterator[dict]:
    """dreamzoom's dream of one frame, for each size of one config in one precision."""
    from dreamzoom import assemble, config, resolve, timeline

    backend = os.environ["KERAS_BACKEND"]
    where = accelerator(backend)
    for size in job["sizes"]:
        started = time.perf_counter()
        plan = resolve.plan(
            config.load(settings(job["config"]), overrides(size, job["precision"], job["quick"]))
        )
        prepared = assemble.prepare(plan)
        params = timeline.frame_params(plan, INDEX)
        prepared.set_frame(INDEX, prepared.first)
        build = time.perf_counter() - started
        where.reset()
        dreamer = prepared.dreamer
        run = timed(_dream_once(dreamer, prepared.first, params), job["frames"], job["warmup"])
        yield {
            "who": "dreamzoom",
            "backend": backend,
            "config": job["config"],
            "size": size,
            "precision": dreamer.model.precision,
            "steps": params.steps,
            "octaves": params.octaves,
            "build_s": build,
            **run,
            "peak_accel_gib": where.peak(),
            "peak_rss_gib": peak_rss_gib(),
            "device": where.device,
        }


def _dream_once(dreamer: Any, frame: np.ndarray, params: Any) -> Callable[[int], object]:
    """Frame ``k``'s dream, its jitter drawn from seed ``k``, as a render's frames are."""
    return lambda k: dreamer.dream(frame, params, np.random.default_rng(k))


def kerasio_dream(run: ModuleType) -> Callable[[Any], Any]:
    """run.py's compiled keras.io recipe as a function of one frame: ``section_peer`` builds it and
    hands it to the zoom loop, which is stood in for here to take it, so that the recipe's own code
    runs and is timed as dreamzoom's is (one dream, without run.py's zoom and encoding)."""
    loop = run._zoom_loop
    run._zoom_loop = lambda dream, frames: dream
    try:
        return run.section_peer(argparse.Namespace(frames=0))
    finally:
        run._zoom_loop = loop


def kerasio_cases(job: dict) -> Iterator[dict]:
    """The keras.io recipe on its own (fixed) work, in float32 on TensorFlow."""
    import tensorflow as tf

    run, recipe = sibling("run"), sibling("torch_recipe")
    where, started = accelerator("tensorflow"), time.perf_counter()
    dream = kerasio_dream(run)
    size = list(run.FIXED["size"])
    frame = tf.constant(recipe.photo(tuple(size)))
    build = time.perf_counter() - started
    where.reset()
    result = timed(lambda _: dream(frame).numpy(), job["frames"], job["warmup"])
    fixed = run.FIXED["dream"]
    yield {
        "who": "keras.io",
        "backend": "tensorflow",
        "config": "fixed",
        "size": size,
        "precision": "float32",
        "steps": fixed["steps"],
        "octaves": fixed["octaves"],
        "build_s": build,
        **result,
        "peak_accel_gib": where.peak(),
        "peak_rss_gib": peak_rss_gib(),
        "device": where.device,
    }


def torch_cases(job: dict) -> Iterator[dict]:
    """The torch recipe on each config's work, size and precision, with one network for all."""
    recipe = sibling("torch_recipe")
    started = time.perf_counter()
    network = recipe.bundled_network()
    build = time.perf_counter() - started
    for case in job["cases"]:
        work = case["work"]
        layers = tuple((name, weight) for name, weight in work["layers"])
        spec = recipe.Work(
            tuple(work["size"]), work["octaves"], work["octave_scale"], work["steps"], work["jitter"], layers
        )
        result = recipe.measure(spec, case["precision"], job["frames"], job["warmup"], network)
        yield {
            "who": "torch recipe",
            "backend": "torch",
            "config": case["config"],
            "size": work["size"],
            "precision": case["precision"],
            "steps": work["steps"],
            "octaves": work["octaves"],
            "build_s": build,
            **result,
            "peak_rss_gib": peak_rss_gib(),
        }
        build = 0.0  # the network is built once, before the first case


WORKERS: dict[str, Callable[[dict], Iterator[dict]]] = {
    "dreamzoom": dreamzoom_cases,
    "kerasio": kerasio_cases,
    "torch": torch_cases,
}


def worker(job: dict) -> None:
    """Run one job in this process, printing each case as soon as it is measured (a run cut short
    by a time limit keeps the cases before it)."""
    import keras

    versions = {"keras": keras.__version__, "backend": keras.backend.backend()}
    module = importlib.import_module(versions["backend"])
    versions[versions["backend"]] = getattr(module, "__version__", "?")
    try:
        for case in WORKERS[job["kind"]](job):
            print(MARK + json.dumps({**case, "versions": versions}), flush=True)
    except Exception as error:  # reported as one line, then raised (the traceback goes to stderr)
        message = str(error).strip().splitlines()
        print(f"{FAILED}{type(error).__name__}: {message[0] if message else ''}", flush=True)
        raise


# -- in the parent: which jobs, in which process, and the table --------------------------------------


def machine() -> dict:
    """The CPU (model, cores, the flags the convolutions can use) and any NVIDIA GPU, read without
    importing a framework (JAX would claim most of the GPU's memory in the parent)."""
    flags: set[str] = set()
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    for line in cpuinfo.read_text().splitlines() if cpuinfo.exists() else []:
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            model = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = set(value.split())
    gpus: list[str] = []
    if shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"]
        done = subprocess.run(query, capture_output=True, text=True, check=False)
        gpus = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        # Other work on the cores slows every row, PyTorch's OpenMP threads most of all.
        "load_average": os.getloadavg()[0],
        "flags": sorted(flags & sibling("run").CPU_FLAGS),
        "gpus": gpus,
    }


def jobs(args: argparse.Namespace) -> tuple[list[tuple[str, dict]], list[str]]:
    """``(backend, job)`` for each process to run, peers first; and what was asked for but is not
    installed."""
    planned: list[tuple[str, dict]] = []
    skipped = [name for name in args.backends if importlib.util.find_spec(name) is None]
    common = {"frames": args.frames, "warmup": args.warmup, "quick": args.quick}
    if "kerasio" in args.peers:
        if importlib.util.find_spec("tensorflow"):
            planned.append(("tensorflow", {"kind": "kerasio", **common}))
        else:
            skipped.append("the keras.io recipe (TensorFlow)")
    if "torch" in args.peers and not importlib.util.find_spec("torch"):
        skipped.append("the torch recipe (PyTorch)")
    elif "torch" in args.peers:
        cases = [
            {"config": config, "precision": precision, "work": recipe_work(config, size, args.quick)}
            for config in args.configs
            for size in args.sizes
            for precision in args.precisions
        ]
        planned.append(("torch", {"kind": "torch", "cases": cases, **common}))
    for backend in (name for name in args.backends if importlib.util.find_spec(name)):
        for precision in args.precisions:
            for config in args.configs:
                job = {"kind": "dreamzoom", "config": config, "precision": precision, "sizes": args.sizes}
                planned.append((backend, {**job, **common}))
    return planned, skipped


def spawn(
    backend: str, job: dict, timeout: float | None, torch_threads: int | None = None
) -> tuple[list[dict], str | None]:
    """Run one job in a fresh process on ``backend``: its measured cases, and why it stopped early
    (the last line it wrote to stderr), if it did."""
    environment = {**os.environ, "KERAS_BACKEND": backend, "PYTHONWARNINGS": "ignore"}
    if backend == "torch" and torch_threads:
        environment["OMP_NUM_THREADS"] = str(torch_threads)
    command = [sys.executable, __file__, "--worker", json.dumps(job)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=timeout, check=False
        )
        stdout, stderr, failure = done.stdout, done.stderr, done.returncode != 0
    except subprocess.TimeoutExpired as stopped:
        stdout, stderr, failure = _text(stopped.stdout), f"timed out after {timeout:.0f} s", True
    cases = [json.loads(line[len(MARK) :]) for line in stdout.splitlines() if line.startswith(MARK)]
    reasons = [line[len(FAILED) :] for line in stdout.splitlines() if line.startswith(FAILED)]
    lines = reasons or [line for line in stderr.strip().splitlines() if line.strip()]
    return cases, (lines[-1] if lines else "failed") if failure else None


def _text(output: bytes | str | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def with_ratios(rows: list[dict]) -> list[dict]:
    """Each row with the peers' seconds per frame over its own, on the same work (config, size,
    steps, octaves); against the torch recipe in the same precision."""

    def work(row: dict) -> tuple:
        return row["config"], tuple(row["size"]), row["steps"], row["octaves"]

    kerasio = {work(row): row["per_frame_s"] for row in rows if row["who"] == "keras.io"}
    torch = {
        (*work(row), row["precision"]): row["per_frame_s"] for row in rows if row["who"] == "torch recipe"
    }
    out = []
    for row in rows:
        ratios = {}
        if row["who"] != "keras.io" and work(row) in kerasio:
            ratios["vs_kerasio"] = kerasio[work(row)] / row["per_frame_s"]
        if row["who"] == "dreamzoom" and (*work(row), row["precision"]) in torch:
            ratios["vs_torch_recipe"] = torch[(*work(row), row["precision"])] / row["per_frame_s"]
        out.append({**row, **ratios})
    return out


def table(report: dict) -> str:
    """The rows as a Markdown table, under the machine they ran on."""
    host = report["machine"]
    gpus = "; ".join(host["gpus"]) or "none"
    flags = " ".join(host["flags"]) or "none of note"
    where = f"{host['cores']} cores (load average {host['load_average']:.1f} at the start)"
    lines = [
        f"machine: {host['cpu']}, {where}, flags {flags}; GPU: {gpus}",
        "",
        HEADER,
        "|" + " --- |" * (HEADER.count("|") - 1),
    ]

    def number(value: float | None, digits: int = 2) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    for row in report["rows"]:
        size = "x".join(str(side) for side in row["size"])
        device = row["device"] + (
            f" ({row['threads']} thread{'s' * (row['threads'] != 1)})"
            if row["device"] == "cpu" and "threads" in row
            else ""
        )
        lines.append(
            f"| {row['who']} | {row['backend']} | {device} | {row['config']} | {size} | {row['precision']} "
            f"| {row['steps']} x {row['octaves']} | {row['build_s']:.1f} | {row['first_s']:.2f} "
            f"| {row['per_frame_s']:.3f} | {row['fps']:.2f} | {number(row['peak_accel_gib'])} "
            f"| {row['peak_rss_gib']:.2f} | {number(row.get('vs_kerasio'))} | {number(row.get('vs_torch_recipe'))} |"
        )
    for name in report["skipped"]:
        lines.append(f"\n{name}: not installed, not run")
    for failure in report["failures"]:
        lines.append(f"\nFAILED {failure['job']}: {failure['why']}")
    return "\n".join(lines)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size", action="append", dest="sizes", metavar="WxH", help="repeatable (default 512x512)"
    )
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated (default: all three)")
    parser.add_argument("--precision", default="float32", help="comma-separated: float32, bfloat16, float16")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated: default, fixed")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated: kerasio, torch (or none)")
    parser.add_argument("--frames", type=int, help="frames timed after the warm-up (default 5; --quick 2)")
    parser.add_argument(
        "--warmup", type=int, help="frames after the first left untimed (default 1; --quick 0)"
    )
    parser.add_argument("--timeout", type=float, help="seconds for each subprocess (default: none)")
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="OMP_NUM_THREADS for PyTorch's processes (default: its own; on a shared CPU its spinning "
        "OpenMP threads can run 10x slower than one thread)",
    )
    parser.add_argument("--budget", type=float, help="seconds for the whole run: later jobs are skipped")
    parser.add_argument("--json", type=Path, help="write the results here (after each subprocess too)")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_SIZE}, {QUICK_STEPS} steps: a smoke test"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = sorted(
        (
            [int(side) for side in size.lower().split("x")]
            for size in args.sizes or [QUICK_SIZE if args.quick else "512x512"]
        ),
        key=lambda size: size[0] * size[1],
    )
    args.backends = [name for name in args.backends.split(",") if name]
    args.precisions = [name for name in args.precision.split(",") if name]
    args.configs = [name for name in CONFIGS if name in args.configs.split(",")]
    args.peers = [name for name in args.peers.split(",") if name in PEERS]
    args.frames = args.frames or (2 if args.quick else 5)
    args.warmup = args.warmup if args.warmup is not None else (0 if args.quick else 1)
    unknown = set(args.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))} (choose from {', '.join(BACKENDS)})")
    if set(args.precisions) - set(PRECISIONS):
        parser.error(f"--precision: choose from {', '.join(PRECISIONS)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return
    # A developer's draft overrides (DREAMZOOM_SET) would change the work every config load sees.
    os.environ.pop("DREAMZOOM_SET", None)
    planned, skipped = jobs(args)
    report: dict[str, Any] = {
        "machine": machine(),
        "settings": _settings(args),
        "rows": [],
        "failures": [],
        "skipped": skipped,
    }
    deadline = time.monotonic() + args.budget if args.budget else None
    for backend, job in planned:
        label = f"{job['kind']} on {backend}" + "".join(
            f", {job[key]}" for key in ("config", "precision") if key in job
        )
        limit = _limit(args.timeout, deadline)
        if deadline is not None and limit is not None and limit < 30:
            report["failures"].append({"job": label, "why": "not run: --budget spent"})
            continue
        started = time.perf_counter()
        cases, failure = spawn(backend, job, limit, args.torch_threads)
        report["rows"] = with_ratios(report["rows"] + cases)
        if failure:
            report["failures"].append({"job": label, "why": failure})
        status = f"FAILED: {failure}" if failure else "done"
        print(f"{label}: {len(cases)} case(s), {status} ({time.perf_counter() - started:.0f} s)", flush=True)
        if args.json:
            args.json.write_text(json.dumps(report, indent=1))
    print()
    print(table(report))


def _limit(timeout: float | None, deadline: float | None) -> float | None:
    """A job's time limit: ``--timeout``, cut to what ``--budget`` leaves of the run."""
    limits = [timeout, None if deadline is None else deadline - time.monotonic()]
    return min((value for value in limits if value is not None), default=None)


def _settings(args: argparse.Namespace) -> dict:
    chosen = (
        "sizes",
        "backends",
        "precisions",
        "configs",
        "peers",
        "frames",
        "warmup",
        "quick",
        "budget",
        "torch_threads",
    )
    return {key: getattr(args, key) for key in chosen}


if __name__ == "__main__":
    main()
