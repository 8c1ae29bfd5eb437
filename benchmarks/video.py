"""Dreaming a video: how steady the dream is along the video's motion, against dreaming each frame
on its own (what DeepDream video tools without optical flow do), in the same run.

    python benchmarks/video.py [--size 256] [--frames 24]

The clip is the sample photo seen through a window gliding 3 px right and 1 px down a frame (a real
H.264 file, so the true motion is known: the test suite's ``moving_crop``, larger). Printed for both ways of dreaming it, with
``configs/video.yaml``'s dream settings (frame by frame: every frame dreamed as hard as frame 0):

- unsteadiness: the mean change from each output frame to the next once the true motion is undone
  (what a viewer sees as flicker; the input clip's own is printed too);
- dream: how much the dream raised mixed3's objective (mean squared activation) over the input's;
- seconds a frame, and of that the optical flow's share.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dreamzoom import assemble, config, flow, models, resolve, timeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import CROP_STEP as STEP  # noqa: E402 — the clip the test suite checks, larger
from tests.conftest import moving_crop  # noqa: E402


def unsteadiness(frames: list[np.ndarray]) -> float:
    moved = np.broadcast_to(np.float32(STEP), (*frames[0].shape[:2], 2))
    margin = (slice(4, -4 - 2 * STEP[1]), slice(4, -4 - 2 * STEP[0]))
    return float(
        np.mean([np.abs(b - flow.warp(a, moved))[margin].mean() for a, b in itertools.pairwise(frames)])
    )


def render(path: Path, carry: float, steps: int) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """The output and input frames of a dream of ``path``, and the seconds per frame."""
    settings = config.load(ROOT / "configs" / "video.yaml")
    raw = {
        **settings.model_dump(exclude_unset=True),
        "source": {"video": {"path": str(path), "carry": carry}},
        "output": {"path": str(path.with_name("unused.mp4"))},
        "model": {"precision": "float32"},
    }
    raw["dream"] = {**raw["dream"], "steps": steps}
    prepared = assemble.prepare(resolve.plan(config.load(raw)))
    started = time.perf_counter()
    out = [frame for frame, _ in timeline.frames(prepared, prepared.config.frame_count)]
    seconds = (time.perf_counter() - started) / len(out)
    assert prepared.inputs is not None
    inputs = [frame for frame, _ in zip(prepared.inputs(0), out, strict=False)]
    return out, inputs, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=24)
    options = parser.parse_args()
    shipped = config.load(ROOT / "configs" / "video.yaml")
    first_steps, steps = shipped.dream.first_frame_steps, shipped.dream.steps
    assert first_steps is not None and shipped.source.video is not None
    carry = shipped.source.video.carry
    with tempfile.TemporaryDirectory() as folder:
        path = moving_crop(Path(folder) / "clip.mp4", options.frames, options.size)
        network = models.load(config.Model(precision="float32"))
        rows = {}
        for name, amount, count in (
            ("carried (configs/video.yaml)", carry, steps),
            ("frame by frame", 0.0, first_steps),
        ):
            out, inputs, seconds = render(path, amount, count)
            raised = np.median(
                [
                    np.mean(network.features(o, "mixed3") ** 2) / np.mean(network.features(i, "mixed3") ** 2)
                    for o, i in zip(out, inputs, strict=True)
                ]
            )
            rows[name] = unsteadiness(out)
            print(
                f"{name}: unsteadiness {rows[name]:.4f} (input {unsteadiness(inputs):.4f}), dream ×{raised:.2f}, {seconds:.2f} s a frame"
            )
        started = time.perf_counter()
        for a, b in itertools.pairwise(inputs):
            flow.carried(a, a, b, carry)
        share = (time.perf_counter() - started) / (len(inputs) - 1)
        print(
            f"optical flow (both ways, with the check): {share * 1000:.0f} ms a frame at {options.size}×{options.size}"
        )
        print(
            f"carried / frame by frame: {rows['frame by frame'] / rows['carried (configs/video.yaml)']:.1f}× steadier"
        )


if __name__ == "__main__":
    main()
