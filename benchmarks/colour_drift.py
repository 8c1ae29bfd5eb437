"""Colour drift over a long feedback run, with and without anchoring, measured in the same run.

    python benchmarks/colour_drift.py [--frames 300] [--size 96] [--chart samples/colour_drift.png]

Renders the sample photo's zoom twice (colour.strength 0 and the default), prints how far mean
lightness (L*) and colourfulness (mean chroma C*ab) stray from frame 0's, and draws both curves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from dreamzoom import assemble, config, metrics, resolve, timeline

ROOT = Path(__file__).resolve().parents[1]


def curves(strength: float, frames: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    settings = config.load(
        {
            "size": [size, size],
            "frames": frames,
            "source": {"image": str(ROOT / "samples" / "astronaut.png")},
            "colour": {"strength": strength},
            "dream": {"steps": 3, "octaves": 1},
            "output": {"path": "unused.mp4"},
        }
    )
    lightness, colourfulness = [], []
    for frame, _ in timeline.frames(assemble.prepare(resolve.plan(settings)), frames):
        lightness.append(metrics.luminance(frame))
        colourfulness.append(metrics.saturation(frame))
    return np.array(lightness) / lightness[0], np.array(colourfulness) / colourfulness[0]


def chart(series: dict[str, np.ndarray], path: Path) -> None:
    """A plain line chart (OpenCV drawing, no plotting library): ratio to frame 0 over frames."""
    width, height, pad = 760, 300, 40
    image = np.full((height, width, 3), 255, np.uint8)
    low, high = 0.5, 3.0
    frames = len(next(iter(series.values())))

    def point(index: int, value: float) -> tuple[int, int]:
        x = pad + index * (width - 2 * pad) / max(1, frames - 1)
        y = height - pad - (np.log(value) - np.log(low)) / (np.log(high) - np.log(low)) * (height - 2 * pad)
        return int(x), int(np.clip(y, pad, height - pad))

    for ratio in (0.5, 0.9, 1.0, 1.1, 2.0, 3.0):
        y = point(0, ratio)[1]
        cv2.line(
            image,
            (pad, y),
            (width - pad, y),
            (225, 225, 225) if ratio not in (0.9, 1.1) else (180, 220, 180),
            1,
        )
        cv2.putText(
            image, f"{ratio:g}", (4, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (90, 90, 90), 1, cv2.LINE_AA
        )
    colours = [(40, 40, 220), (40, 160, 240), (200, 90, 30), (230, 150, 80)]
    for row, ((label, values), colour) in enumerate(zip(series.items(), colours, strict=False)):
        points = np.array([point(i, v) for i, v in enumerate(values)], np.int32)
        cv2.polylines(image, [points], False, colour, 2, cv2.LINE_AA)
        y = pad + 4 + 16 * row  # legend, top right
        cv2.line(image, (width - 230, y - 4), (width - 210, y - 4), colour, 2, cv2.LINE_AA)
        cv2.putText(image, label, (width - 204, y), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1, cv2.LINE_AA)
    cv2.putText(
        image,
        "ratio to frame 0 (log scale); green lines: +-10 %",
        (pad, 20),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.45,
        (60, 60, 60),
        1,
        cv2.LINE_AA,
    )
    cv2.putText(
        image,
        f"frame 0 ... {frames - 1}",
        (width // 2 - 40, height - 12),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.45,
        (60, 60, 60),
        1,
        cv2.LINE_AA,
    )
    cv2.imwrite(str(path), image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--chart", type=Path)
    args = parser.parse_args()
    default = config.Colour().strength
    series = {}
    for strength in (0.0, default):
        lightness, colourfulness = curves(float(strength), args.frames, args.size)
        state = "off" if strength == 0 else f"on ({strength:g})"
        series[f"chroma, anchoring {state}"] = colourfulness
        series[f"L*, anchoring {state}"] = lightness
        print(
            f"anchoring {state:<10} L*: {lightness.min():.3f}–{lightness.max():.3f} × frame 0   "
            f"chroma: {colourfulness.min():.3f}–{colourfulness.max():.3f} × frame 0"
        )
    if args.chart:
        chart(series, args.chart)
        print(f"wrote {args.chart}")


if __name__ == "__main__":
    main()
