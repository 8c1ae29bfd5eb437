"""Rebuild the compact weight files bundled in ``dreamzoom/weights/`` from the source Keras models
(``inception_v3_mixed5.keras`` and ``squeezenet_imagenet.keras`` in MODELS_FOLDER, which a clone
does not hold: see ``dreamzoom/weights/README.md`` for where they come from).

The source InceptionV3 weights were 8-bit quantized upstream (nsfwjs), so every
tensor holds at most 256 evenly spaced values: storing the 8-bit codes plus each tensor's minimum
and maximum reproduces them to float32 rounding in a quarter of the space. Run from the repository
root:  python scripts/bundle_weights.py MODELS_FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "dreamzoom" / "weights"


def quantize(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """8-bit codes and (min, max) of a tensor whose values lie on a 256-step grid."""
    lo, hi = float(array.min()), float(array.max())
    scale = (hi - lo) / 255 or 1.0
    codes = np.round((array.astype(np.float64) - lo) / scale)
    if np.abs(codes * scale + lo - array).max() > 1e-3 * scale:
        raise ValueError("tensor is not on an 8-bit grid; it would not survive uint8 storage")
    return codes.astype(np.uint8), np.array([lo, hi], np.float32)


def bundle_inception(source: Path) -> None:
    import keras

    model = keras.models.load_model(source, compile=False)
    arrays: dict[str, np.ndarray] = {}
    for layer in model.layers:
        for index, weight in enumerate(layer.weights):
            codes, bounds = quantize(weight.numpy())
            arrays[f"{layer.name}/{index}/q"] = codes
            arrays[f"{layer.name}/{index}/range"] = bounds
    out = WEIGHTS / "inception_v3_mixed5.npz"
    np.savez_compressed(out, **arrays)
    # The architecture too: rebuilding these 165 layers from JSON is faster than building Keras'
    # whole 311-layer InceptionV3 and cutting it (start-up time), and it holds the standard names.
    (WEIGHTS / "inception_v3_mixed5.json").write_text(model.to_json())
    # Names of the layers above mixed5 (in a fresh session's numbering), so that asking for one
    # explains that it needs the full ImageNet weights rather than calling it unknown.
    full = keras.applications.InceptionV3(include_top=False, weights=None, input_shape=(None, None, 3))
    above = [layer.name for layer in full.layers if layer.name not in {kept.name for kept in model.layers}]
    (WEIGHTS / "inception_v3_above_mixed5.txt").write_text("\n".join(above) + "\n")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {len(arrays) // 2} tensors)")


def bundle_squeezenet(source: Path) -> None:
    """SqueezeNet's weights are full float32: float16 halves them with no visible effect on its
    class scores; its architecture (no keras.applications builder exists) goes beside them as JSON."""
    import keras

    model = keras.models.load_model(source, compile=False)
    arrays = {
        f"{layer.name}/{index}": weight.numpy().astype(np.float16)
        for layer in model.layers
        for index, weight in enumerate(layer.weights)
    }
    np.savez_compressed(WEIGHTS / "squeezenet.npz", **arrays)
    (WEIGHTS / "squeezenet.json").write_text(model.to_json(indent=1))
    print(f"wrote {WEIGHTS / 'squeezenet.npz'} ({(WEIGHTS / 'squeezenet.npz').stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(
            "usage: python scripts/bundle_weights.py MODELS_FOLDER (the folder of the source .keras models)"
        )
    models = Path(sys.argv[1])
    bundle_inception(models / "inception_v3_mixed5.keras")
    bundle_squeezenet(models / "squeezenet_imagenet.keras")
