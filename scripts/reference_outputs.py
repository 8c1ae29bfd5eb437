"""Rebuild ``tests/data/reference_outputs.npz``: what the reference networks (the source Keras models
in MODELS_FOLDER) compute, so that the tests can check the bundled weights against them on a clone,
which does not hold those models.

The tests never run this script; a maintainer runs it from the repository root when the reference
models change:  python scripts/reference_outputs.py MODELS_FOLDER

What it stores (float32 unless said; about 100 KB compressed):

- ``inception/weights`` (float64, 200×20) and ``inception/weight_names`` (``<layer>/<i>``): a
  fingerprint of each of the 200 weight tensors of ``inception_v3_mixed5.keras``, in the model's
  order: its size, sum, sum of squares and largest magnitude, then its values at 16 evenly spread
  flat indices (:func:`weight_probes`).
- ``inception/noise``, ``inception/photo``: the whole ``mixed5`` output (1×4×4×768) for
  :func:`noise_input` (what the test before this file used) and for :func:`photo_input`.
- ``squeezenet/noise``, ``squeezenet/photo``: the classifier's output (1×1000) for its two inputs.
- ``about``: how and from what the file was made (keras version, the models' SHA-256).

The inputs are rebuilt by ``tests/test_models.py`` with the functions below (copied there, as the
tests do not import scripts): noise from NumPy's legacy ``RandomState``, whose stream NumPy keeps
fixed across versions, and a crop of ``samples/chelsea.png`` that is decoded exactly and
box-averaged in integer sums, so that no resampler's version can move an input.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "reference_outputs.npz"
PHOTO = ROOT / "samples" / "chelsea.png"
PROBES = 16
#: Caffe's ImageNet means, in BGR order.
CAFFE_MEAN = np.array([103.939, 116.779, 123.68])


def weight_probes(size: int) -> np.ndarray:
    """The flat indices of a tensor of ``size`` values whose values the fingerprint keeps."""
    return np.linspace(0, size - 1, PROBES).round().astype(np.int64)


def fingerprint(weight: np.ndarray) -> np.ndarray:
    flat = weight.astype(np.float64).ravel()
    stats = [flat.size, flat.sum(), (flat**2).sum(), np.abs(flat).max()]
    return np.concatenate([stats, flat[weight_probes(flat.size)]])


def noise_input(low: float, high: float) -> np.ndarray:
    """1×96×96×3 float32 noise, uniform in [low, high), from the frozen legacy generator."""
    return np.random.RandomState(0).uniform(low, high, (1, 96, 96, 3)).astype(np.float32)


def photo_input(mode: str) -> np.ndarray:
    """The cat's face from the sample photo, preprocessed for a network: ``inception``, 96×96 (a
    288-pixel crop averaged in 3×3 blocks) in [-1, 1]; ``caffe``, the 224-pixel crop at full
    resolution, BGR with the ImageNet means subtracted."""
    rgb = np.asarray(Image.open(PHOTO).convert("RGB"), np.int64)
    if mode == "inception":
        crop = rgb[6:294, 40:328].reshape(96, 3, 96, 3, 3).sum(axis=(1, 3))  # exact integer sums
        return (crop / (9 * 127.5) - 1.0).astype(np.float32)[None]
    crop = rgb[38:262, 90:314, ::-1].astype(np.float64)
    return (crop - CAFFE_MEAN).astype(np.float32)[None]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(models: Path) -> None:
    import keras

    inception_path = models / "inception_v3_mixed5.keras"
    squeezenet_path = models / "squeezenet_imagenet.keras"
    inception = keras.models.load_model(inception_path, compile=False)
    weights = {
        f"{layer.name}/{index}": fingerprint(weight)
        for layer in inception.layers
        for index, weight in enumerate(layer.get_weights())
    }
    arrays = {
        "inception/weight_names": np.array(list(weights)),
        "inception/weights": np.stack(list(weights.values())),
    }
    arrays["inception/noise"] = np.asarray(inception(noise_input(-1, 1)), np.float32)
    arrays["inception/photo"] = np.asarray(inception(photo_input("inception")), np.float32)
    squeezenet = keras.models.load_model(squeezenet_path, compile=False)
    arrays["squeezenet/noise"] = np.asarray(squeezenet(noise_input(-100, 100)), np.float32)
    arrays["squeezenet/photo"] = np.asarray(squeezenet(photo_input("caffe")), np.float32)
    about = {
        "made_by": "python scripts/reference_outputs.py",
        "keras": keras.__version__,
        "numpy": np.__version__,
        inception_path.name: sha256(inception_path),
        squeezenet_path.name: sha256(squeezenet_path),
    }
    arrays["about"] = np.array(json.dumps(about))
    OUT.parent.mkdir(exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} KB, {len(weights)} weight fingerprints)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(
            "usage: python scripts/reference_outputs.py MODELS_FOLDER (the folder of the source .keras models)"
        )
    main(Path(sys.argv[1]))
