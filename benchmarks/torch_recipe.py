"""The PyTorch DeepDream recipe, as a user without dreamzoom would write it: the yardstick on a GPU.

    python benchmarks/torch_recipe.py --size 512x512 --precision bfloat16   # on its own

It follows pytorch-deepdream (github.com/gordicaleksa/pytorch-deepdream) step for step, because that
is the eager PyTorch approach a GPU user reaches for: an octave pyramid, and at each octave steps of
roll the image by a random jitter, forward, loss = mean of squared activations of the chosen layers,
backward, smooth the gradient with a cascade of three Gaussian blurs (sigmas growing with the step),
normalise it by its mean and standard deviation, step, clamp, roll back. No compilation: the recipe
is eager, as users run it. bfloat16 is ``torch.autocast`` around the forward pass, as a PyTorch
user would ask for it.

It runs the SAME weights as dreamzoom: the bundled InceptionV3 (up to mixed5) built by Keras on its
torch backend, where a Keras model is a ``torch.nn.Module`` called with torch tensors (channels
last, as Keras lays them out), so that the ratio measures the dream loops and not two networks.
The network is the one Keras builds (BatchNormalization not folded), as the keras.io peer's is.
``benchmarks/backends.py`` runs it in a subprocess beside dreamzoom and the keras.io recipe.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "samples" / "astronaut.png"
#: pytorch-deepdream's own constants: the learning rate and the smoothing coefficient its blur sigmas
#: start from (the speed does not depend on either).
LEARNING_RATE, SMOOTHING = 0.09, 0.5
#: The cascade's kernel size and its three sigmas as multiples of the step's sigma.
KERNEL_SIZE, CASCADE = 9, (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Work:
    """What one dreamed frame costs: the same numbers dreamzoom's config gives its own dream."""

    size: tuple[int, int]  # (width, height)
    octaves: int
    octave_scale: float
    steps: int
    jitter: int
    layers: tuple[tuple[str, float], ...]


def device() -> Any:
    """CUDA when there is one (where the recipe is meant to run), else the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def bundled_network() -> Any:
    """The bundled InceptionV3 as a Keras model on the torch backend (a ``torch.nn.Module``), in
    float32, its weights frozen: dreamzoom's own loader where it imports, else the same shipped
    architecture and weights read directly (for a machine where dreamzoom cannot load yet, such as
    one without TensorFlow before the backend port)."""
    try:
        from dreamzoom import config, models
    except ImportError:
        network = _from_shipped_files()
    else:
        network = models.load(config.Model(precision="float32")).network
    network.trainable = False
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


def _from_shipped_files() -> Any:
    """``dreamzoom/weights``' architecture and 8-bit weights, built by Keras alone (the loader's
    float32 path: each weight is ``low + code × (high − low) / 255``)."""
    import keras

    folder = ROOT / "dreamzoom" / "weights"
    network = keras.models.model_from_json((folder / "inception_v3_mixed5.json").read_text(encoding="utf-8"))
    with np.load(folder / "inception_v3_mixed5.npz") as stored:
        for layer in network.layers:
            values = []
            for i in range(len(layer.weights)):
                low, high = stored[f"{layer.name}/{i}/range"].astype(np.float64)
                codes = stored[f"{layer.name}/{i}/q"].astype(np.float64)
                values.append(np.asarray(low + codes * ((high - low) / 255), np.float32))
            if values:
                layer.set_weights(values)
    return network


def features(network: Any, layers: tuple[str, ...]) -> Any:
    """The network cut at ``layers``: a torch module from an NHWC batch to their activations."""
    import keras

    return keras.Model(network.input, [network.get_layer(name).output for name in layers])


def photo(size: tuple[int, int]) -> np.ndarray:
    """The sample photo cropped to the aspect of ``size`` (centred) and resized to it: RGB in [0, 1]."""
    import cv2

    image = cv2.cvtColor(cv2.imread(str(PHOTO)), cv2.COLOR_BGR2RGB)
    width, height = size
    scale = max(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(
        image, (max(width, round(image.shape[1] * scale)), max(height, round(image.shape[0] * scale)))
    )
    top, left = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[top : top + height, left : left + width], np.float32) / 255.0


def _gaussian(sigma: float, on: Any) -> Any:
    """A ``KERNEL_SIZE``² Gaussian for each of three channels (a depthwise convolution's weights)."""
    import torch

    axis = torch.arange(KERNEL_SIZE, dtype=torch.float32, device=on) - (KERNEL_SIZE - 1) / 2
    line = torch.exp(-(axis**2) / (2 * sigma**2))
    kernel = torch.outer(line, line)
    return (kernel / kernel.sum()).expand(3, 1, KERNEL_SIZE, KERNEL_SIZE).contiguous()


def smoothed(gradient: Any, sigma: float) -> Any:
    """pytorch-deepdream's ``CascadeGaussianSmoothing``: the mean of three blurs of the gradient
    (sigmas ``CASCADE`` × ``sigma``), each with reflected borders; NHWC in and out."""
    import torch.nn.functional as F

    channels_first = gradient.permute(0, 3, 1, 2)
    padded = F.pad(channels_first, [KERNEL_SIZE // 2] * 4, mode="reflect")
    blurs = [F.conv2d(padded, _gaussian(k * sigma, gradient.device), groups=3) for k in CASCADE]
    return (sum(blurs) / len(blurs)).permute(0, 2, 3, 1)


def _step(network: Any, image: Any, work: Work, iteration: int, autocast: Any) -> Any:
    """One gradient-ascent step on an NHWC image in [-1, 1]: the recipe's ``gradient_ascent``."""
    import torch

    image = image.detach().requires_grad_(True)
    with autocast():
        activations = network(image, training=False)
    loss = sum(
        weight * activation.float().pow(2).mean()
        for (_, weight), activation in zip(work.layers, activations, strict=True)
    )
    loss.backward()
    sigma = (iteration + 1) / work.steps * 2.0 + SMOOTHING
    gradient = smoothed(image.grad, sigma)
    gradient = (gradient - gradient.mean()) / (gradient.std() + 1e-8)
    with torch.no_grad():
        return (image + LEARNING_RATE * gradient).clamp(-1.0, 1.0)


def octave_sizes(work: Work) -> Iterator[tuple[int, int]]:
    """The pyramid's ``(width, height)`` levels, smallest first, ending at the frame's own size."""
    width, height = work.size
    for k in range(work.octaves - 1, -1, -1):
        yield round(width / work.octave_scale**k), round(height / work.octave_scale**k)


def dream(network: Any, frame: Any, work: Work, rng: np.random.Generator, autocast: Any) -> Any:
    """One frame (an HWC tensor in [0, 1] on the device) dreamed over the pyramid, as
    pytorch-deepdream's ``deep_dream_static_image`` does; the result comes back to the host, as a
    frame to encode would."""
    import torch
    import torch.nn.functional as F

    image = frame[None] * 2.0 - 1.0  # InceptionV3's input range
    for width, height in octave_sizes(work):
        channels_first = image.permute(0, 3, 1, 2)
        image = F.interpolate(channels_first, (height, width), mode="bilinear").permute(0, 2, 3, 1)
        for iteration in range(work.steps):
            dy, dx = (int(shift) for shift in rng.integers(-work.jitter, work.jitter + 1, 2))
            image = torch.roll(image, (dy, dx), (1, 2))
            image = _step(network, image, work, iteration, autocast)
            image = torch.roll(image, (-dy, -dx), (1, 2))
    return ((image[0] + 1.0) / 2.0).clamp(0.0, 1.0).cpu().numpy()


def _autocast(precision: str, on: Any) -> Callable[[], Any]:
    """The context the forward pass runs in: bfloat16 autocast, or nothing for float32."""
    import contextlib

    import torch

    if precision == "float32":
        return contextlib.nullcontext
    dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16}[precision]
    return lambda: torch.autocast(device_type=on.type, dtype=dtype)


def measure(work: Work, precision: str, frames: int, warmup: int, network: Any | None = None) -> dict:
    """Seconds for the first frame (the first calls allocate and pick kernels), then the median of
    ``frames`` frames after ``warmup`` more; peak GPU memory of these frames, where on a GPU."""
    import torch

    on = device()
    network = bundled_network() if network is None else network
    cut = features(network, tuple(name for name, _ in work.layers))
    frame = torch.from_numpy(photo(work.size)).to(on)
    autocast = _autocast(precision, on)
    if on.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    import backends  # benchmarks/, beside this file: dreamzoom's rows are timed the same way

    def dream_once(index: int) -> object:
        return dream(cut, frame, work, np.random.default_rng(index), autocast)

    return {
        **backends.timed(dream_once, frames, warmup),
        "peak_accel_gib": torch.cuda.max_memory_allocated() / 2**30 if on.type == "cuda" else None,
        "device": torch.cuda.get_device_name() if on.type == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="512x512", help="WIDTHxHEIGHT")
    parser.add_argument("--precision", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--octaves", type=int, default=2)
    parser.add_argument("--octave-scale", type=float, default=1.4)
    parser.add_argument("--frames", type=int, default=5)
    args = parser.parse_args()
    # Keras reads its backend once, at its first import (none yet): the network must be a torch module.
    if os.environ.setdefault("KERAS_BACKEND", "torch") != "torch":
        parser.error("run with KERAS_BACKEND=torch (or unset): the network must be a torch module")
    width, height = (int(side) for side in args.size.split("x"))
    work = Work(
        (width, height), args.octaves, args.octave_scale, args.steps, 32, (("mixed3", 1.0), ("mixed5", 1.5))
    )
    print(json.dumps(measure(work, args.precision, args.frames, warmup=1)))


if __name__ == "__main__":
    main()
