"""Does the zoom pass through things the network knows? The default config from three starts and
three seeds, judged by a network that did not dream them.

    python benchmarks/things.py                          # 9 runs of 60 s at 256×256 (about an hour on 2 cores)
    python benchmarks/things.py --seconds 20 --seeds 0 --starts astronaut
    python benchmarks/things.py --reference              # also each run without things (texture only)
    python benchmarks/things.py --sheets samples/things  # each run's 8-frame contact sheet
    python benchmarks/things.py --seconds 20 --set dream.explore.weight=0.5   # a setting to try

Each run renders ``configs/default.yaml`` at 256×256 for ``--seconds`` from the astronaut photo, the
cat photo or smooth noise, with seed 0, 1 or 2. Its decoded video, sampled once a second, is judged
by the referee, EfficientNet-Lite0 (``dreamzoom.recognition``), which played no part in the dream
(the things are raised through SqueezeNet beside InceptionV3). Printed per run, then for the median
run (each figure's median over the runs), with the goals the project set itself (issue 24 asks for
things in numbers nowhere; these are its aims, not all met yet: see the README):

- named: the share of frames whose top class the referee gives p ≥ 0.3 (goal ≥ 50 %);
- distinct: the classes so named, per minute (goal ≥ 15);
- commonest: the share of frames whose top class is the commonest one (goal ≤ 20 %);
- alike, change, drift: ``benchmarks/novelty.py``'s figures (frames 2 s apart alike ≤ 70 %;
  motion-compensated change no higher than without things; colour drift ≤ 10 %);
- s/frame: the render's seconds per frame, against the same config without things (``--reference``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from novelty import figures, gallery_sheet  # benchmarks/novelty.py: the figures every run shares

import dreamzoom
from dreamzoom import classes, recognition
from dreamzoom.config import Config, parse_set
from dreamzoom.ffmpeg import read_frames
from dreamzoom.inspection import inspect

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "default.yaml"
STARTS = {
    "astronaut": {"source": {"image": str(ROOT / "samples" / "astronaut.png"), "fit": "cover"}},
    "cat": {"source": {"image": str(ROOT / "samples" / "chelsea.png"), "fit": "cover"}},
    "noise": {"source": {"noise": {"kind": "smooth", "mean": 0.5, "std": 0.15, "scale": 48}}},
}
NAMED = 0.3


def render(
    start: str, seed: int, seconds: float, out: Path, things: bool, tried: dict[str, Any]
) -> tuple[Config, float]:
    """The default config from ``start`` at 256×256 with ``tried`` (``--set``) applied; ``things:
    False`` leaves exploration's things out."""
    changes: dict[str, Any] = {
        **tried,
        "size": [256, 256],
        "seconds": seconds,
        "seed": seed,
        "output.path": out,
        **STARTS[start],
    }
    if not things:
        changes["dream.explore.classes"] = []
    settings = dreamzoom.load_config(CONFIG, **changes)
    started = time.perf_counter()
    dreamzoom.render(settings, overwrite=True, progress=False)
    return settings, (time.perf_counter() - started) / settings.frame_count


def refereed(video: Path, seconds: float) -> dict[str, float]:
    """The referee's figures for one video, sampled once a second."""
    decoded = read_frames(video)
    step = max(1, round(decoded.fps))
    frames = [frame for index, frame in decoded.frames if index % step == 0]
    probabilities = recognition.probabilities(frames)
    top, confidence = probabilities.argmax(axis=1), probabilities.max(axis=1)
    named = {int(k) for k, p in zip(top, confidence, strict=True) if p >= NAMED}
    return {
        "named": float(np.mean(confidence >= NAMED)),
        "distinct": len(named) * 60 / seconds,
        "commonest": Counter(top.tolist()).most_common(1)[0][1] / len(top),
        "confidence": float(np.median(confidence)),
        "things": ", ".join(sorted(classes.name(k) for k in named)),
    }


def line(name: str, values: dict[str, Any]) -> str:
    return (
        f"{name:<18} named {values['named']:4.0%}  distinct/min {values['distinct']:4.1f}  "
        f"commonest {values['commonest']:4.0%}  alike {values['alike']:4.0%}  change {values['change']:4.1f}  "
        f"drift {values['drift']:4.0%}  s/frame {values['s/frame']:.3f}"
    )


def measure(start: str, seed: int, arguments: argparse.Namespace, things: bool) -> dict[str, Any]:
    suffix = "" if things else "-texture"
    video = arguments.folder / f"{start}-{seed}{suffix}.mp4"
    tried = dict(parse_set(item) for item in arguments.set)
    settings, per_frame = render(start, seed, arguments.seconds, video, things, tried)
    result = inspect(video)
    values: dict[str, Any] = {**figures(settings, video, result), "s/frame": per_frame}
    values.update(refereed(video, arguments.seconds))
    if arguments.sheets and things:
        gallery_sheet(result, f"{start}-{seed}", arguments.sheets)
    return values


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("named", "distinct", "commonest", "alike", "change", "drift", "s/frame")
    return {key: statistics.median(float(run[key]) for run in runs) for key in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--starts", nargs="*", choices=sorted(STARTS), default=list(STARTS))
    parser.add_argument("--reference", action="store_true", help="also render each run without things")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a setting to try")
    parser.add_argument("--sheets", type=Path, help="write each run's 8-frame contact sheet here")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.mkdtemp(prefix="dreamzoom-things-")))
    arguments = parser.parse_args()
    runs, references = [], []
    for start in arguments.starts:
        for seed in arguments.seeds:
            runs.append(measure(start, seed, arguments, things=True))
            print(line(f"{start} seed {seed}", runs[-1]), "\n   ", runs[-1]["things"], flush=True)
            if arguments.reference:
                references.append(measure(start, seed, arguments, things=False))
                print(line("  without things", references[-1]), flush=True)
    print(
        f"\nmedian of {len(runs)} runs of {arguments.seconds:g} s at 256×256 (videos in {arguments.folder}):"
    )
    print(line("things", median(runs)))
    if references:
        print(line("without things", median(references)))
    print("goals: named ≥ 50 %, distinct/min ≥ 15, commonest ≤ 20 %, alike ≤ 70 %, drift ≤ 10 %")


if __name__ == "__main__":
    main()
