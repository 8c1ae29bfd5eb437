"""dreamzoom's performance benchmark, against a straightforward eager reference in the same run.

    python benchmarks/run.py            # about 20 minutes on 2 CPU cores
    python benchmarks/run.py --quick    # 5 frames instead of 20, no 2,000-frame memory run

Every section runs in a fresh process (so peak memory is its own) and prints one line; a summary of
ratios follows. Sections:

- reference: an eager DeepDream written here the plain way (a GradientTape per step, Python loops,
  tf.image resizes), on the fixed config: 512×512, 2 octaves × 10 steps, mixed3 + mixed5, 20 frames.
- dreamzoom: the same fixed config through dreamzoom; then configs/default.yaml; then default with
  cadence 3. Seconds per frame are means over the frames after the first (the reference: medians).
- peak: float32 matrix-multiply GFLOP/s, the machine's practical ceiling; achieved GFLOP/s of the
  dream (convolution FLOPs of the forward pass and the input gradient) are set against it.
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
from pathlib import Path

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


def section_peak(_: argparse.Namespace) -> dict:
    from dreamzoom.backend import tf

    a = tf.random.uniform((2048, 2048))
    b = tf.random.uniform((2048, 2048))
    tf.linalg.matmul(a, b).numpy()
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(4):
            c = tf.linalg.matmul(a, b)
        c.numpy()
        best = max(best, 4 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9)
    return {"gflops": best}


def section_reference(args: argparse.Namespace) -> dict:
    """The plain eager implementation: what a notebook would do."""
    import imageio_ffmpeg
    import numpy as np

    from dreamzoom import config, models, source
    from dreamzoom.backend import tf

    model = models.load(config.Model(precision="float32"))
    features = model.extractor(("mixed3", "mixed5"))
    frame = tf.constant(
        source.fit(source.read_image(ROOT / "samples" / "astronaut.png"), (512, 512), "cover")
    )
    rng = np.random.default_rng(0)

    def loss_of(image):
        mixed3, mixed5 = features(image[None] * 2.0 - 1.0)
        return tf.reduce_mean(tf.square(mixed3)) + 1.5 * tf.reduce_mean(tf.square(mixed5))

    def dream(image):
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

    out = Path(tempfile.mkdtemp()) / "reference.mp4"
    writer = imageio_ffmpeg.write_frames(
        str(out), (512, 512), fps=24, macro_block_size=2, quality=None, output_params=["-crf", "18"]
    )
    writer.send(None)
    times = []
    for index in range(args.frames):
        start = time.perf_counter()
        if index:
            crop = tf.image.central_crop(frame, 1 / 1.02)
            frame = tf.image.resize(crop, (512, 512))
        frame = dream(frame)
        writer.send(np.ascontiguousarray((frame.numpy() * 255 + 0.5).astype(np.uint8)))
        times.append(time.perf_counter() - start)
    writer.close()
    return {"per_frame": float(np.median(times[1:])), "first": times[0], "peak_gib": peak_gib()}


def _render(settings: dict | Path, frames: int, extra: tuple[tuple[str, object], ...] = ()) -> dict:
    import csv

    import numpy as np

    from dreamzoom import config, models, renderer

    folder = Path(tempfile.mkdtemp())
    overrides = [("frames", frames), ("output.path", str(folder / "bench.mp4")), *extra]
    loaded = config.load(settings, overrides)
    report = renderer.run(loaded, progress=False)
    with (folder / "bench.frames.csv").open() as handle:
        seconds = [float(row["seconds"]) for row in csv.DictReader(handle)]
    return {
        "per_frame": float(np.mean(seconds[1:])) if len(seconds) > 1 else seconds[0],
        "total": report.seconds,
        "io_share": report.io_seconds / report.seconds,
        "peak_gib": peak_gib(),
        "precision": models.load(loaded.model).precision,
    }


def section_fixed(args: argparse.Namespace) -> dict:
    return _render(FIXED, args.frames)


def section_default(args: argparse.Namespace) -> dict:
    return _render(ROOT / "configs" / "default.yaml", args.frames)


def section_cadence(args: argparse.Namespace) -> dict:
    frames = 3 * max(2, round((args.frames - 1) / 3)) + 1  # ends on a dreamed frame, as every third is
    return _render(ROOT / "configs" / "default.yaml", frames, (("cadence", 3),))


def section_precision(_: argparse.Namespace) -> dict:
    """Dream the same input frames once in float32 and once in bfloat16, and compare the results
    (frame by frame from equal inputs: in a feedback loop any difference, however small, grows)."""
    import numpy as np

    from dreamzoom import assemble, config, metrics, models, timeline

    raw = json.loads(json.dumps(FIXED)) | {"size": [256, 256]}
    inputs = [frame for frame, _ in timeline.frames(assemble.prepare(config.load(raw, [("frames", 4)])), 4)]
    dreamed, seconds = {}, {}
    for precision in ("float32", "bfloat16"):
        loaded = config.load(raw, [("model.precision", precision)])
        prepared = assemble.prepare(loaded)
        params = timeline.frame_params(loaded, 1)
        prepared.dreamer.dream(inputs[0], params, np.random.default_rng(0))  # trace before timing
        start = time.perf_counter()
        dreamed[precision] = [
            prepared.dreamer.dream(frame, params, np.random.default_rng(i))[0]
            for i, frame in enumerate(inputs)
        ]
        seconds[precision] = time.perf_counter() - start
    scores = [metrics.ssim(a, b) for a, b in zip(dreamed["float32"], dreamed["bfloat16"], strict=True)]
    return {
        "ssim_min": float(np.min(scores)),
        "speed": seconds["float32"] / seconds["bfloat16"],
        "auto": models.resolve_precision("auto"),
    }


def section_startup(_: argparse.Namespace) -> dict:
    """From launching a new process to its first dream step, and on to its first frame; the
    process's own exit (TensorFlow tears down slowly) is not counted."""
    script = (
        "import sys, time; t0 = time.perf_counter()\n"
        "import numpy as np\n"
        "from dreamzoom import assemble, config, timeline\n"
        "from dreamzoom.backend import tf\n"
        "t1 = time.perf_counter()\n"
        f"c = config.load({str(ROOT / 'configs' / 'default.yaml')!r}, [('frames', 1)])\n"
        "p = assemble.prepare(c)\n"
        "t2 = time.perf_counter()\n"
        "p.dreamer.ascend(p.first, 1, 0.005, 32, np.random.default_rng(0))\n"
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
    "reference": section_reference,
    "fixed": section_fixed,
    "default": section_default,
    "cadence": section_cadence,
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
    parser.add_argument("--section", choices=sorted(SECTIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.frames = args.frames or (5 if args.quick else 20)
    if args.section:
        print(json.dumps(SECTIONS[args.section](args)))
        return
    results = {}
    for name in SECTIONS:
        if name == "memory" and args.quick:
            continue
        started = time.perf_counter()
        command = [sys.executable, __file__, "--section", name, "--frames", str(args.frames)]
        output = subprocess.run(
            command,
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if output.returncode != 0:
            print(
                f"{name:<10} FAILED: {output.stderr.strip().splitlines()[-1] if output.stderr.strip() else output.returncode}"
            )
            continue
        results[name] = json.loads(output.stdout.strip().splitlines()[-1])
        print(f"{name:<10} {json.dumps(results[name])}   ({time.perf_counter() - started:.0f} s)", flush=True)
    summarise(results, args.frames)


def summarise(results: dict, frames: int) -> None:
    print(f"\nsummary ({frames} frames per render, 512×512):")
    reference = results.get("reference", {}).get("per_frame")
    flops = conv_flops((512, 512), 2, 1.4) * 10
    peak = results.get("peak", {}).get("gflops")
    if peak:
        print(f"  float32 matmul peak              {peak:8.1f} GFLOP/s")
    for name, label in (
        ("reference", "eager reference (fixed config)"),
        ("fixed", "dreamzoom, fixed config"),
        ("default", "dreamzoom, configs/default.yaml"),
        ("cadence", "dreamzoom, default + cadence 3"),
    ):
        row = results.get(name)
        if not row:
            continue
        line = f"  {label:<32} {row['per_frame']:8.2f} s/frame"
        if reference:
            line += f"   {reference / row['per_frame']:5.1f}× the reference"
        if name in ("reference", "fixed") and peak:
            achieved = flops / row["per_frame"] / 1e9
            line += f"   {achieved:6.1f} GFLOP/s ({achieved / peak:4.0%} of peak)"
        if "io_share" in row:
            line += f"   waiting on encoding/writing {row['io_share']:.1%} of wall time"
        if "peak_gib" in row:
            line += f"   peak RSS {row['peak_gib']:.2f} GiB"
        print(line)
    if "precision" in results:
        p = results["precision"]
        print(
            f"  bfloat16 vs float32              SSIM ≥ {p['ssim_min']:.3f}, {p['speed']:.2f}× the speed; auto picks {p['auto']} here"
        )
    if "startup" in results:
        s = results["startup"]
        print(
            f"  start-up (default config)        {s['to_first_step']:.1f} s to the first step "
            f"(imports {s['import']:.1f} s, model {s['build']:.1f} s, first traced step {s['trace']:.1f} s); "
            f"first frame {s['first_frame']:.1f} s later"
        )
    if "memory" in results:
        m = results["memory"]
        print(
            f"  memory, 64×64 frames             RSS {m['rss_100']:.3f} GiB after 100, {m['rss_2000']:.3f} GiB after 2,000 ({m['rss_2000'] / m['rss_100'] - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
