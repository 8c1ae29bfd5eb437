"""Peak memory of one dream step on a 3840×2160 frame, tiled, against references in the same run.

    python benchmarks/memory_4k.py

Each case runs in a fresh process (so its peak RSS is its own): an untiled 1920×1080 step (the
reference), the default-tiled 3840×2160 step, and the default-tiled 1920×1080 step. Prints the
peak resident memory of each and their ratios. The 4 GB goal is for the tiled 4K step.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

CASES = [
    ("untiled 1920×1080", 1920, 1080, 0),
    ("tiled 1920×1080", 1920, 1080, 1024),
    ("tiled 3840×2160", 3840, 2160, 1024),
]


def measure(width: int, height: int, tile_size: int) -> dict[str, float]:
    import numpy as np

    from dreamzoom import assemble, config, resolve
    from dreamzoom.backend import tf

    settings = config.load(
        {"size": [width, height], "source": {"noise": {}}, "dream": {"tile_size": tile_size, "octaves": 1}}
    )
    prepared = assemble.prepare(resolve.plan(settings))
    warm = np.full((128, 128, 3), 0.5, np.float32)
    warmed, _ = prepared.dreamer.octave(tf.constant(warm), 1, 0.005, 32, np.random.default_rng(0))
    warmed.numpy()  # traces the step once
    start = time.perf_counter()
    prepared.dreamer.octave(tf.constant(prepared.first), 1, 0.005, 32, np.random.default_rng(0))[0].numpy()
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_gib": peak_kib / 2**20, "seconds": seconds}


def main() -> None:
    results = {}
    for label, width, height, tile in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--case", str(width), str(height), str(tile)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[label] = json.loads(out.strip().splitlines()[-1])
    reference = results["untiled 1920×1080"]["peak_gib"]
    print(f"{'case':<20} {'peak RSS':>10} {'vs untiled 1080p':>17} {'step time':>10}")
    for label, result in results.items():
        print(
            f"{label:<20} {result['peak_gib']:>8.2f} GiB {result['peak_gib'] / reference:>16.2f}× "
            f"{result['seconds']:>8.1f} s"
        )
    four_k = results["tiled 3840×2160"]["peak_gib"]
    print(f"4K within 4 GB: {'yes' if four_k < 4 * 10**9 / 2**30 else 'NO'} ({four_k:.2f} GiB)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--case":
        print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
