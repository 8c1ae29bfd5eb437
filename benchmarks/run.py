"""dreamzoom's performance benchmark, against two references run on the same work in the same run.

    python benchmarks/run.py            # about 1.5 hours on 2 CPU cores
    python benchmarks/run.py --quick    # 5 frames instead of 20, no 2,000-frame memory run

Every section runs in a fresh process (so peak memory is its own) and prints one line; a summary of
ratios follows. The fixed config: 512×512, 2 octaves × 10 steps, mixed3 + 1.5 mixed5, zoom 1.02, the
bundled weights, 20 frames. Sections:

- peer: the compiled reference, what a user would run instead: the keras.io DeepDream recipe (a
  ``@tf.function`` gradient step on the stock Keras network, the gradient divided by its mean
  absolute value, octaves by ``tf.image.resize`` with the lost detail put back), written here in
  that recipe's structure and driven by the same zoom loop, on the fixed config in float32.
- reference: an eager DeepDream written the plain way (a GradientTape per step, Python loops).
- dreamzoom: the fixed config in float32 with the prior off and on, and in ``auto`` precision with
  the prior off and on (as a user runs it; on a CPU without bfloat16 auto is float32 and these are
  not run twice); then configs/default.yaml; then default with cadence 3. Seconds per frame are
  means over the frames after the first (the references: medians).
- peak: matrix-multiply and 3×3-convolution GFLOP/s in float32 and in bfloat16, the machine's
  practical ceilings; the dream's achieved GFLOP/s (convolution FLOPs of the forward pass and the
  input gradient) are set against the peaks of the precision it ran in.
- coarse: `dream.coarse_every: 2` against every octave on every frame, at 256×256: speed, SSIM frame
  by frame, and the novelty judge's figures for both.
- xla: one octave's compiled loop with and without XLA (``jit_compile``), in the same process.
- precision: float32 against bfloat16 on the same frames (SSIM, time).
- startup: import, model build and first traced step of the default config in a new process, and
  time to its first frame.
- memory: resident memory after 100 and after 2,000 small frames of one render.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXED = {
    "size": [512, 512],
    "seed": 0,
    "source": {"image": str(ROOT / "samples" / "astronaut.png")},
    "dream": {
        "layers": {"mixed3": 1.0, "mixed5": 1.5},
        "octaves": 2,
        "octave_scale": 1.4,
        "steps": 10,
        "first_frame_steps": 10,
    },
    "motion": {"zoom": 1.02},
}
#: The fixed config as each dreamzoom section runs it: the prior off ("bare") or the default one,
#: in float32 or in the precision ``auto`` picks.
FIXED_RUNS = {
    "fixed_f32_bare": (("model.precision", "float32"), ("dream.prior", "none")),
    "fixed_f32": (("model.precision", "float32"),),
    "fixed_auto_bare": (("dream.prior", "none"),),
    "fixed_auto": (),
}
#: CPU flags worth printing beside the figures: what the convolutions can use.
CPU_FLAGS = frozenset({"avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16"})


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def rss_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def conv_flops(size: tuple[int, int], octaves: int, scale: float) -> float:
    """FLOPs of one dream step per octave summed: forward convolutions × 2 (forward + input gradient)."""
    from dreamzoom import config, models
    from dreamzoom.backend import keras
    from dreamzoom.dream import octave_sizes

    model = models.load(config.Model(precision="float32"))
    network = model.extractor(("mixed3", "mixed5"))
    convs = [layer for layer in network.layers if isinstance(layer, keras.layers.Conv2D)]
    total = 0.0
    for width, height in octave_sizes(size, octaves, scale, 43):
        names = tuple(layer.name for layer in convs)
        shapes = model.output_shapes(names, (width, height))
        for layer, shape in zip(convs, shapes, strict=True):
            kh, kw = layer.kernel_size
            total += 2 * shape[0] * shape[1] * shape[2] * kh * kw * layer.input.shape[-1]
    return 2 * total


def _best_gflops(run: Callable[[], object], flops: float, repeats: int = 4) -> float:
    """The best of five timings of ``repeats`` runs of ``run`` (traced and warmed first)."""
    from dreamzoom.backend import tf

    tf.identity(run()).numpy()
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            result = run()
        tf.identity(result).numpy()
        best = max(best, repeats * flops / (time.perf_counter() - start) / 1e9)
    return best


def section_peak(_: argparse.Namespace) -> dict:
    """Matmul (2048²) and convolution (64×64×288 to 384 channels, 3×3) peaks in each precision."""
    from dreamzoom import precision
    from dreamzoom.backend import tf

    hardware = precision.detect_hardware()
    peaks: dict[str, object] = {
        "cpu": hardware.cpu,
        "flags": sorted(hardware.cpu_flags & CPU_FLAGS),
        "auto": precision.resolve_precision("auto"),
    }
    for dtype in (tf.float32, tf.bfloat16):
        a, b = (tf.cast(tf.random.uniform((2048, 2048)), dtype) for _ in range(2))
        image = tf.cast(tf.random.uniform((1, 64, 64, 288)), dtype)
        kernel = tf.cast(tf.random.uniform((3, 3, 288, 384)), dtype)
        matmul = tf.function(lambda a=a, b=b: tf.linalg.matmul(a, b))
        conv = tf.function(lambda x=image, k=kernel: tf.nn.conv2d(x, k, 1, "SAME"))
        peaks[f"matmul_{dtype.name}"] = _best_gflops(matmul, 2 * 2048**3)
        peaks[f"conv_{dtype.name}"] = _best_gflops(conv, 2 * 64 * 64 * 384 * 9 * 288)
    return peaks


def _encoder(size: tuple[int, int]) -> Generator[None, np.ndarray, None]:
    """An MP4 encoder for the references, as dreamzoom's own output is encoded (CRF 18)."""
    import imageio_ffmpeg

    out = Path(tempfile.mkdtemp()) / "reference.mp4"
    return imageio_ffmpeg.write_frames(
        str(out), size, fps=24, macro_block_size=2, quality=None, output_params=["-crf", "18"]
    )


def _zoom_loop(dream: Callable[[Any], Any], frames: int) -> dict:
    """Drive a reference ``dream`` (an RGB tensor in [0, 1] to its dream) through the fixed config's
    zoom, encoding each frame; seconds per frame are the median after the first."""
    from dreamzoom import source
    from dreamzoom.backend import tf

    frame = tf.constant(
        source.fit(source.read_image(ROOT / "samples" / "astronaut.png"), (512, 512), "cover")
    )
    writer = _encoder((512, 512))
    writer.send(None)
    times = []
    for index in range(frames):
        start = time.perf_counter()
        if index:
            frame = tf.image.resize(tf.image.central_crop(frame, 1 / 1.02), (512, 512))
        frame = dream(frame)
        writer.send(np.ascontiguousarray((frame.numpy() * 255 + 0.5).astype(np.uint8)))
        times.append(time.perf_counter() - start)
    writer.close()
    return {"per_frame": float(np.median(times[1:])), "first": times[0], "peak_gib": peak_gib()}


def _stock_features() -> Any:
    """The bundled InceptionV3 as Keras builds it (no folding), to mixed3 and mixed5, in float32."""
    from dreamzoom import config, models
    from dreamzoom.backend import keras

    network = models.load(config.Model(precision="float32")).network
    return keras.Model(network.input, [network.get_layer(name).output for name in ("mixed3", "mixed5")])


def section_peer(args: argparse.Namespace) -> dict:
    """The keras.io DeepDream recipe's structure (keras.io/examples/generative/deep_dream), in the
    fixed config's zoom loop: what a user would run instead of dreamzoom."""
    from dreamzoom.backend import tf

    features = _stock_features()
    coefficients = (1.0, 1.5)

    def compute_loss(image: Any) -> Any:
        loss = tf.zeros(())
        for coefficient, activation in zip(coefficients, features(image), strict=True):
            loss += coefficient * tf.reduce_mean(tf.square(activation[:, 2:-2, 2:-2, :]))
        return loss

    @tf.function
    def gradient_ascent_step(image: Any, learning_rate: float) -> tuple[Any, Any]:
        with tf.GradientTape() as tape:
            tape.watch(image)
            loss = compute_loss(image)
        gradients = tape.gradient(loss, image)
        gradients /= tf.maximum(tf.reduce_mean(tf.abs(gradients)), 1e-6)
        return loss, image + learning_rate * gradients

    def dream(frame: Any) -> Any:
        original = frame[None] * 2.0 - 1.0  # inception_v3.preprocess_input
        shapes = [(round(512 / 1.4), round(512 / 1.4)), (512, 512)]
        shrunk_original = tf.image.resize(original, shapes[0])
        image = original
        for shape in shapes:
            image = tf.image.resize(image, shape)
            for _ in range(10):
                _, image = gradient_ascent_step(image, 0.01)
            upscaled_shrunk_original = tf.image.resize(shrunk_original, shape)
            same_size_original = tf.image.resize(original, shape)
            image += same_size_original - upscaled_shrunk_original
            shrunk_original = tf.image.resize(original, shape)
        return tf.clip_by_value((image[0] + 1.0) / 2.0, 0.0, 1.0)

    return _zoom_loop(dream, args.frames)


def section_reference(args: argparse.Namespace) -> dict:
    """The plain eager implementation: what a notebook would do."""
    from dreamzoom.backend import tf

    features = _stock_features()
    rng = np.random.default_rng(0)

    def loss_of(image: Any) -> Any:
        mixed3, mixed5 = features(image[None] * 2.0 - 1.0)
        return tf.reduce_mean(tf.square(mixed3)) + 1.5 * tf.reduce_mean(tf.square(mixed5))

    def dream(image: Any) -> Any:
        base_shape = tf.shape(image)[:2]
        shapes = [tf.cast(tf.cast(base_shape, tf.float32) / 1.4**k, tf.int32) for k in (1, 0)]
        original = image
        shrunk = tf.image.resize(original, shapes[0])
        for shape in shapes:
            image = tf.image.resize(image, shape)
            for _ in range(10):
                dy, dx = rng.integers(-32, 33, 2)
                image = tf.roll(image, (dy, dx), (0, 1))
                with tf.GradientTape() as tape:
                    tape.watch(image)
                    loss = loss_of(image)
                gradient = tape.gradient(loss, image)
                gradient /= tf.reduce_mean(tf.abs(gradient)) + 1e-8
                image = tf.clip_by_value(image + 0.005 * gradient, 0.0, 1.0)
                image = tf.roll(image, (-dy, -dx), (0, 1))
            upscaled = tf.image.resize(shrunk, shape)
            image += tf.image.resize(original, shape) - upscaled
            shrunk = tf.image.resize(original, shape)
        return tf.clip_by_value(image, 0.0, 1.0)

    return _zoom_loop(dream, args.frames)


def _render(settings: dict | Path, frames: int, extra: tuple[tuple[str, object], ...] = ()) -> dict:
    import csv

    from dreamzoom import config, models, renderer

    folder = Path(tempfile.mkdtemp())
    overrides = [("frames", frames), ("output.path", str(folder / "bench.mp4")), *extra]
    loaded = config.load(settings, overrides)
    report = renderer.run(loaded, progress=False)
    with (folder / "bench.frames.csv").open() as handle:
        seconds = [float(row["seconds"]) for row in csv.DictReader(handle)]
    return {
        "per_frame": float(np.mean(seconds[1:])) if len(seconds) > 1 else seconds[0],
        "video": str(report.path),
        "novelty": report.novelty.facts() if report.novelty else None,
        "total": report.seconds,
        "io_share": report.io_seconds / report.seconds,
        "peak_gib": peak_gib(),
        "precision": models.load(loaded.model).precision,
    }


def _fixed(name: str) -> Callable[[argparse.Namespace], dict]:
    def section(args: argparse.Namespace) -> dict:
        return _render(FIXED, args.frames, FIXED_RUNS[name])

    return section


def section_default(args: argparse.Namespace) -> dict:
    return _render(ROOT / "configs" / "default.yaml", args.frames)


def section_cadence(args: argparse.Namespace) -> dict:
    frames = 3 * max(2, round((args.frames - 1) / 3)) + 1  # ends on a dreamed frame, as every third is
    return _render(ROOT / "configs" / "default.yaml", frames, (("cadence", 3),))


def section_coarse(args: argparse.Namespace) -> dict:
    """Less work per frame, and what it costs the pictures: the fixed config at 256×256, 12 fps, with
    the coarse octave on every other frame against every frame dreamed fully, from the same start.
    A feedback loop amplifies any change, so the yardstick for "no visible loss" is a second full
    render that differs only in its seed (its jitter): SSIM frame by frame against the full render,
    and the novelty judge's figures, for both."""
    from dreamzoom import ffmpeg, metrics

    frames, extra = 3 * args.frames, (("size", [256, 256]), ("output.fps", 12))
    runs = {
        "full": _render(FIXED, frames, extra),
        "lean": _render(FIXED, frames, (*extra, ("dream.coarse_every", 2))),
        "reseeded": _render(FIXED, frames, (*extra, ("seed", 1))),
    }
    decoded = {
        name: [frame for _, frame in ffmpeg.read_frames(Path(row["video"])).frames]
        for name, row in runs.items()
    }

    def ssim(name: str) -> list[float]:
        return [
            metrics.ssim(a / 255.0, b / 255.0) for a, b in zip(decoded["full"], decoded[name], strict=True)
        ]

    lean, reseeded = ssim("lean"), ssim("reseeded")
    return {
        "speed": runs["full"]["per_frame"] / runs["lean"]["per_frame"],
        "ssim_lean": [float(np.median(lean)), lean[-1]],
        "ssim_reseeded": [float(np.median(reseeded)), reseeded[-1]],
        **{f"novelty_{name}": row["novelty"] for name, row in runs.items()},
    }


def section_xla(_: argparse.Namespace) -> dict:
    """One octave of the fixed config's steps at 512×512 (prior off), compiled by TensorFlow's graph
    executor and by XLA, in the same process: whether XLA pays on this device."""
    from dreamzoom import config, models, objectives
    from dreamzoom.backend import tf
    from dreamzoom.dream import Dreamer

    model = models.load(config.Model(precision="float32"))
    objective = objectives.layer("mixed3") + 1.5 * objectives.layer("mixed5")
    image = tf.random.uniform((512, 512, 3))
    seconds = {}
    for jit in (False, True):
        dreamer = Dreamer(model, objective, jit_compile=jit)
        dreamer.octave(image, 2, 0.005, 32, np.random.default_rng(0))[0].numpy()  # compile first
        start = time.perf_counter()
        float(dreamer.octave(image, 10, 0.005, 32, np.random.default_rng(1))[1])
        seconds["xla" if jit else "graph"] = (time.perf_counter() - start) / 10
    return {
        "graph_step": seconds["graph"],
        "xla_step": seconds["xla"],
        "speed": seconds["graph"] / seconds["xla"],
    }


def section_precision(_: argparse.Namespace) -> dict:
    """Dream the same input frames once in float32 and once in bfloat16, and compare the results
    (frame by frame from equal inputs: in a feedback loop any difference, however small, grows)."""
    from dreamzoom import assemble, config, metrics, precision, resolve, timeline

    raw = json.loads(json.dumps(FIXED)) | {"size": [256, 256]}
    inputs = [
        frame
        for frame, _ in timeline.frames(assemble.prepare(resolve.plan(config.load(raw, [("frames", 4)]))), 4)
    ]
    dreamed, seconds = {}, {}
    for kind in ("float32", "bfloat16"):
        loaded = config.load(raw, [("model.precision", kind)])
        prepared = assemble.prepare(resolve.plan(loaded))
        params = timeline.frame_params(resolve.plan(loaded), 1)
        prepared.dreamer.dream(inputs[0], params, np.random.default_rng(0))  # trace before timing
        start = time.perf_counter()
        dreamed[kind] = [
            prepared.dreamer.dream(frame, params, np.random.default_rng(i))[0]
            for i, frame in enumerate(inputs)
        ]
        seconds[kind] = time.perf_counter() - start
    scores = [metrics.ssim(a, b) for a, b in zip(dreamed["float32"], dreamed["bfloat16"], strict=True)]
    return {
        "ssim_min": float(np.min(scores)),
        "speed": seconds["float32"] / seconds["bfloat16"],
        "auto": precision.resolve_precision("auto"),
    }


def section_startup(_: argparse.Namespace) -> dict:
    """From launching a new process to its first dream step, and on to its first frame; the
    process's own exit (TensorFlow tears down slowly) is not counted."""
    script = (
        "import sys, time; t0 = time.perf_counter()\n"
        "import numpy as np\n"
        "from dreamzoom import assemble, config, resolve, timeline\n"
        "from dreamzoom.backend import tf\n"
        "t1 = time.perf_counter()\n"
        f"c = config.load({str(ROOT / 'configs' / 'default.yaml')!r}, [('frames', 1)])\n"
        "p = assemble.prepare(resolve.plan(c))\n"
        "t2 = time.perf_counter()\n"
        "p.dreamer.octave(tf.constant(p.first), 1, 0.005, 32, np.random.default_rng(0))[0].numpy()\n"
        "t3 = time.perf_counter()\n"
        "launch = time.time() - float(sys.argv[1])\n"
        "next(timeline.frames(p, 1))\n"
        "t4 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, launch)\n"
    )
    command = [sys.executable, "-c", script, repr(time.time())]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    imports, build, trace, frame0, to_first_step = map(float, output.split())
    return {
        "import": imports,
        "build": build,
        "trace": trace,
        "first_frame": frame0,
        "to_first_step": to_first_step,
    }


def section_memory(_: argparse.Namespace) -> dict:
    import csv

    from dreamzoom import config, renderer

    folder = Path(tempfile.mkdtemp())
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            samples.append((time.perf_counter(), rss_gib()))

    loaded = config.load(
        {
            "size": [64, 64],
            "frames": 2000,
            "source": {"noise": {}},
            "dream": {"steps": 1, "octaves": 1, "first_frame_steps": 1},
        },
        [("output.path", str(folder / "long.mp4"))],
    )
    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    renderer.run(loaded, progress=False)
    done.set()
    with (folder / "long.frames.csv").open() as handle:
        elapsed = [float(row["seconds"]) for row in csv.DictReader(handle)]
    cumulative = [started + sum(elapsed[: i + 1]) for i in range(len(elapsed))]

    def at(frame: int) -> float:
        moment = cumulative[frame]
        return min(samples, key=lambda s: abs(s[0] - moment))[1]

    return {"rss_100": at(100), "rss_2000": at(1999)}


SECTIONS = {
    "peak": section_peak,
    "peer": section_peer,
    "reference": section_reference,
    **{name: _fixed(name) for name in FIXED_RUNS},
    "default": section_default,
    "cadence": section_cadence,
    "coarse": section_coarse,
    "xla": section_xla,
    "precision": section_precision,
    "startup": section_startup,
    "memory": section_memory,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="5 frames per render; skip the 2,000-frame memory run"
    )
    parser.add_argument("--frames", type=int, default=None)
    parser.add_argument("--only", help="comma-separated sections to run (default: all)")
    parser.add_argument("--section", choices=sorted(SECTIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.frames = args.frames or (5 if args.quick else 20)
    if args.section:
        print(json.dumps(SECTIONS[args.section](args)))
        return
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    results: dict[str, dict] = {}
    for name in chosen:
        auto = results.get("peak", {}).get("auto")
        if (name == "memory" and args.quick) or (name.startswith("fixed_auto") and auto == "float32"):
            continue  # on a machine where auto is float32, the float32 runs stand for it
        results[name] = _section(name, args.frames)
    summarise(results, args.frames)


def _section(name: str, frames: int) -> dict:
    """Run one section in a fresh process and print its line."""
    started = time.perf_counter()
    command = [sys.executable, __file__, "--section", name, "--frames", str(frames)]
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    output = subprocess.run(command, check=False, capture_output=True, text=True, env=environment)
    if output.returncode != 0:
        lines = output.stderr.strip().splitlines()
        print(f"{name:<16} FAILED: {lines[-1] if lines else output.returncode}", flush=True)
        return {}
    result = json.loads(output.stdout.strip().splitlines()[-1])
    print(f"{name:<16} {json.dumps(result)}   ({time.perf_counter() - started:.0f} s)", flush=True)
    return result


DREAMS = (
    ("peer", "compiled keras.io-style reference (float32)"),
    ("reference", "eager reference (float32)"),
    ("fixed_f32_bare", "dreamzoom, float32, prior off"),
    ("fixed_f32", "dreamzoom, float32, default prior"),
    ("fixed_auto_bare", "dreamzoom, auto, prior off"),
    ("fixed_auto", "dreamzoom, auto, default prior"),
)


def summarise(results: dict, frames: int) -> None:
    """Seconds per frame and ratios against both references; GFLOP/s against the precision's peaks."""
    peak = results.get("peak") or {}
    print(f"\nsummary ({frames} frames per render, 512×512) on {peak.get('cpu', 'this machine')}")
    if peak:
        print(f"  CPU flags: {' '.join(peak['flags']) or 'none of ' + ', '.join(sorted(CPU_FLAGS))}")
        for dtype in ("float32", "bfloat16"):
            print(
                f"  {dtype:<8} peaks: matmul {peak[f'matmul_{dtype}']:7.1f} GFLOP/s, "
                f"3×3 convolution {peak[f'conv_{dtype}']:7.1f} GFLOP/s"
            )
        print(f"  auto computes in {peak['auto']} here")
    flops = conv_flops((512, 512), 2, 1.4) * 10
    references = {name: results[name]["per_frame"] for name in ("peer", "reference") if results.get(name)}
    for name, label in DREAMS:
        row = results.get(name) or (
            results.get(name.replace("auto", "f32")) if peak.get("auto") == "float32" else None
        )
        if row:
            print(_dream_line(label, row, references, flops, peak))
    for name, label in (("default", "configs/default.yaml"), ("cadence", "default + cadence 3")):
        if results.get(name):
            print(_dream_line(f"dreamzoom, {label}", results[name], references, 0.0, peak))
    _summarise_others(results)


def _dream_line(label: str, row: dict, references: dict[str, float], flops: float, peak: dict) -> str:
    line = f"  {label:<44} {row['per_frame']:7.2f} s/frame"
    for name, seconds in references.items():
        line += f"   {seconds / row['per_frame']:5.2f}× the {name}"
    precision = row.get("precision", "float32")
    if flops and peak:
        achieved = flops / row["per_frame"] / 1e9
        line += (
            f"   {achieved:6.1f} GFLOP/s = {achieved / peak[f'matmul_{precision}']:4.0%} of {precision} matmul, "
            f"{achieved / peak[f'conv_{precision}']:4.0%} of conv peak"
        )
    if "io_share" in row:
        line += f"   waiting on encoding/writing {row['io_share']:.1%} of wall time"
    return line + f"   peak RSS {row['peak_gib']:.2f} GiB"


def _summarise_others(results: dict) -> None:
    if results.get("xla"):
        x = results["xla"]
        print(
            f"  XLA (jit_compile) on one octave at 512×512: {x['xla_step'] * 1000:.0f} ms/step against "
            f"{x['graph_step'] * 1000:.0f} ms/step without: {x['speed']:.2f}× the speed"
        )
    if results.get("coarse"):
        c = results["coarse"]
        print(
            f"  coarse_every 2 (256×256): {c['speed']:.2f}× the speed of every octave on every frame; SSIM "
            f"against that render {c['ssim_lean'][0]:.3f} median, {c['ssim_lean'][1]:.3f} at the last frame "
            f"(the same render with another seed: {c['ssim_reseeded'][0]:.3f}, {c['ssim_reseeded'][1]:.3f})"
        )
        for label in ("full", "lean", "reseeded"):
            print(f"    novelty, {label}: {json.dumps(c[f'novelty_{label}'] or {})}")
    if results.get("precision"):
        p = results["precision"]
        print(f"  bfloat16 vs float32: SSIM ≥ {p['ssim_min']:.3f}, {p['speed']:.2f}× the speed")
    if results.get("startup"):
        s = results["startup"]
        print(
            f"  start-up (default config): {s['to_first_step']:.1f} s to the first step "
            f"(imports {s['import']:.1f} s, model {s['build']:.1f} s, first traced step {s['trace']:.1f} s); "
            f"first frame {s['first_frame']:.1f} s later"
        )
    if results.get("memory"):
        m = results["memory"]
        print(
            f"  memory, 64×64 frames: RSS {m['rss_100']:.3f} GiB after 100, {m['rss_2000']:.3f} GiB after "
            f"2,000 ({m['rss_2000'] / m['rss_100'] - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
