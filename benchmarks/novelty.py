"""Does the zoom keep discovering? Every shipped config rendered and judged by an independent network.

    python benchmarks/novelty.py                       # 60 s of each shipped config at 256×256
    python benchmarks/novelty.py --seconds 20 --configs configs/default.yaml configs/loop.yaml
    python benchmarks/novelty.py --gallery samples/gallery   # also the README gallery's sheets
    python benchmarks/novelty.py --reference-seconds 0       # no plain references (half the time)

Each config is rendered at 256×256 for ``--seconds`` (a loop keeps its own length, so that its seam
is its own), then measured from the decoded video the way ``dreamzoom inspect`` measures any video.
A config that explores is also rendered without ``dream.explore`` (plain DeepDream on the same
settings, the reference: what the tool did before) for ``--reference-seconds``, and the two are set
side by side. Printed per render:

- alike: median similarity of frames 2 s apart (SqueezeNet's pooled features; goal ≤ 70 %);
- class: the share of frames (4 a second) whose top SqueezeNet class is the commonest (goal ≤ 25 %);
- motifs: clearly different pictures among 8 frames across the run (goal ≥ 4);
- change: the median motion-compensated change between consecutive frames (8-bit levels): the
  camera's known move is undone before comparing, so what remains is the dream's flicker;
- drift: the largest departure of lightness or chroma (sampled each second) from frame 0's;
- seam: a loop's last-to-first jump over its median frame change (1.0 is seamless);
- named: the share of sampled frames whose top class the referee (EfficientNet-Lite0, see
  ``benchmarks/things.py``) gives p ≥ 0.3, and how many distinct things it so named.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

import dreamzoom
from dreamzoom import metrics, motion, novelty, provenance, resolve, timeline
from dreamzoom.config import Config
from dreamzoom.ffmpeg import read_frames
from dreamzoom.inspection import Inspection, inspect
from dreamzoom.sheet import contact_sheet

ROOT = Path(__file__).resolve().parents[1]
SIZE = [256, 256]


def render(path: Path, out: Path, seconds: float, explore: bool, reuse: bool = False) -> tuple[Config, float]:
    """Render ``path`` at 256×256 for ``seconds`` (a loop at its own length); the seconds it took
    (0 where ``reuse`` finds the video made already)."""
    settings = dreamzoom.load_config(path)
    changes: dict[str, object] = {"size": SIZE, "output.path": out}
    if settings.loop is None:
        changes["seconds"] = seconds
    if not explore:
        changes["dream.explore"] = None
    settings = dreamzoom.load_config(path, **changes)
    if reuse and out.is_file():
        return settings, 0.0
    started = time.perf_counter()
    dreamzoom.render(settings, overwrite=True, progress=True)
    return settings, time.perf_counter() - started


def figures(settings: Config, video: Path, result: Inspection) -> dict[str, float | int | None]:
    """The figures printed for one render (see the module's docstring)."""
    summary = result.summary
    frames = [frame for _, frame in read_frames(video).frames]
    changes = []
    for index in range(1, len(frames)):
        moved = motion.apply(
            frames[index - 1].astype(np.float32) / 255, timeline.motion_into(resolve.plan(settings), index)
        )
        inside = (
            motion.coverage(timeline.motion_into(resolve.plan(settings), index), settings.size, feather=0.0)[
                ..., 0
            ]
            > 0.99
        )
        difference = np.abs(moved - frames[index].astype(np.float32) / 255)[inside]
        changes.append(float(difference.mean()) * 255)
    per_second = frames[:: max(1, round(settings.output.fps))]
    light = [metrics.luminance(f.astype(np.float32) / 255) for f in per_second]
    chroma = [metrics.saturation(f.astype(np.float32) / 255) for f in per_second]
    drift = max(max(abs(v / light[0] - 1) for v in light), max(abs(v / chroma[0] - 1) for v in chroma))
    sidecar = json.loads(provenance.sidecar_path(video).read_text())
    return {
        "alike": summary.similarity,
        "class": summary.commonest_share,
        "motifs": summary.motifs,
        "change": float(np.median(changes)),
        "drift": drift,
        "seam": sidecar["run"].get("loop_seam"),
        "named": summary.named_share,
        "things": len(summary.things),
    }


def line(name: str, seconds: float, took: float, values: dict[str, float | int | None]) -> str:
    alike = "  n/a" if values["alike"] is None else f"{values['alike']:5.0%}"
    seam = "" if values["seam"] is None else f"  seam {values['seam']:.2f}"
    return (
        f"{name:<28} {seconds:4.0f} s  alike {alike}  class {values['class']:4.0%}  motifs {values['motifs']}"
        f"  change {values['change']:5.1f}  drift {values['drift']:4.0%}{seam}"
        f"  named {values['named']:4.0%} ({values['things']} things)  ({took / 60:.1f} min)"
    )


def gallery_sheet(result: Inspection, name: str, folder: Path) -> Path:
    """The README gallery's sheet: 8 stills across the run, labelled with their times (JPEG)."""
    cells = [(f"{t:.0f} s", frame) for t, frame in result.stills]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jpg"
    Image.fromarray(contact_sheet(cells, columns=len(cells))).save(path, quality=85)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", nargs="*", type=Path, default=sorted((ROOT / "configs").glob("*.yaml")))
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--reference-seconds", type=float, default=None, help="default: --seconds; 0: none")
    parser.add_argument("--gallery", type=Path, help="write each config's 8-still sheet here")
    parser.add_argument("--keep", type=Path, help="keep the videos in this folder")
    parser.add_argument("--reuse", action="store_true", help="measure videos --keep holds already")
    arguments = parser.parse_args()
    folder = arguments.keep or Path(tempfile.mkdtemp(prefix="dreamzoom-novelty-"))
    report = []
    for path in arguments.configs:
        explores = dreamzoom.load_config(path).dream.explore is not None
        runs = [(path.stem, True, arguments.seconds)]
        if explores and arguments.reference_seconds != 0:
            runs.append(
                (f"{path.stem} (plain, reference)", False, arguments.reference_seconds or arguments.seconds)
            )
        for name, explore, seconds in runs:
            video = folder / f"{name.split()[0]}{'' if explore else '-plain'}.mp4"
            settings, took = render(path, video, seconds, explore, arguments.reuse)
            result = inspect(video)
            values = figures(settings, video, result)
            report.append(line(name, settings.frame_count / settings.output.fps, took, values))
            print(report[-1], flush=True)
            if arguments.gallery and explore:
                gallery_sheet(result, path.stem, arguments.gallery)
    print(f"\n{len(report)} renders at {SIZE[0]}×{SIZE[1]}, judged by {novelty.JUDGE_SIDE}-px SqueezeNet:")
    print("\n".join(report))


if __name__ == "__main__":
    main()
