"""The networks on every Keras backend: the bundled InceptionV3, the SqueezeNet classifier beside it
(seeing a frame shrunk, and crops resampled as ``crop_and_resize`` samples them) and the referee,
built in a process of JAX or PyTorch, see what they see in this process (the suite's backend) to
within the rounding of other kernels.

Measured on TensorFlow 2.21, JAX 0.10 and PyTorch 2.13 (CPU, float32), the largest differences
were 9e-6 (``mixed3``, values up to 10), 3e-5 (SqueezeNet's class scores, up to 42), 1e-5 (the
referee's logits, up to 12) and 1.2e-5 (crops, in [0, 1], on JAX); the tolerances allow about four
times as much. Keras fixes its backend when it is imported, so each other one runs in a process of
its own, and is skipped where its package is not installed."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from dreamzoom import config, framing, models, recognition
from dreamzoom.backend import keras, ops

from .conftest import ROOT, sample

#: What the process of another backend computes from the frames in ``argv[1]``, into ``argv[2]``.
SEEN = """
import sys, numpy as np
from dreamzoom import config, framing, models, recognition
from dreamzoom.backend import ops
given = dict(np.load(sys.argv[1]))
paired = models.load(config.Model(precision="float32"), classify=True)
np.savez(
    sys.argv[2],
    mixed3=paired.features(given["frame"], "mixed3"),
    beside=paired.features(given["wide"], "beside:avgpool10"),
    windows=ops.convert_to_numpy(framing.windows(given["images"], given["start"], given["stop"], 224)),
    logits=ops.convert_to_numpy(recognition.referee()(given["fitted"])),
)
"""

OTHERS = [name for name in ("tensorflow", "jax", "torch") if name != keras.backend.backend()]


def given() -> dict[str, np.ndarray]:
    """Small inputs: a 96 px frame, a wide one the classifier beside sees shrunk, crop windows of
    odd-sized images (one the whole image, one at the bottom-right edge), and a photo as the
    referee takes it."""
    rng, wide = np.random.default_rng(0), sample("coffee.png", 240)
    start = np.array([[0.1, 0.2], [0.0, 0.0], [0.3, 0.05], [0.2, 0.45]], np.float32)
    extent = np.array([[0.7, 0.5], [1.0, 1.0], [0.6, 0.6], [0.8, 0.55]], np.float32)
    return {
        "frame": sample("chelsea.png", 96),
        "wide": np.concatenate([wide, wide[:, :120]], axis=1),  # 240 × 360: seen at 224 × 336
        "images": rng.uniform(0, 1, (4, 67, 93, 3)).astype(np.float32),
        "start": start,
        "stop": np.minimum(start + extent, 1.0),
        "fitted": recognition.fitted(sample("chelsea.png", 160))[None],
    }


@pytest.mark.parametrize("backend", OTHERS)
def test_the_networks_see_the_same_on_every_backend(tmp_path, backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (pip install 'dreamzoom[{backend}]')")
    inputs = given()
    np.savez(tmp_path / "given.npz", **inputs)
    env = {**os.environ, "KERAS_BACKEND": backend}
    command = [sys.executable, "-c", SEEN, str(tmp_path / "given.npz"), str(tmp_path / "seen.npz")]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = dict(np.load(tmp_path / "seen.npz"))
    paired = models.load(config.Model(precision="float32"), classify=True)
    np.testing.assert_allclose(seen["mixed3"], paired.features(inputs["frame"], "mixed3"), atol=4e-5)
    np.testing.assert_allclose(seen["beside"], paired.features(inputs["wide"], "beside:avgpool10"), atol=1e-4)
    windows = framing.windows(inputs["images"], inputs["start"], inputs["stop"], 224)
    np.testing.assert_allclose(seen["windows"], ops.convert_to_numpy(windows), atol=5e-5)
    logits = ops.convert_to_numpy(recognition.referee()(inputs["fitted"]))
    np.testing.assert_allclose(seen["logits"], logits, atol=4e-5)
    assert np.argmax(seen["logits"]) == np.argmax(logits) and np.argmax(logits) in range(281, 288), "a cat"
