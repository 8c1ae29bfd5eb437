"""Keras backends (``model.backend``): one process runs one, a missing one is a one-line error
naming the pip extra, and JAX and PyTorch dream what TensorFlow dreams — the same frame from the
same start within a measured tolerance, and a whole render, decoded, on each backend installed.

The suite itself runs on TensorFlow; each other backend runs in a process of its own (Keras fixes
its backend when it is imported), and is skipped where its package is not installed."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml

from dreamzoom import engine, provenance
from dreamzoom.errors import DreamzoomError

from .conftest import DREAMZOOM, ROOT, decode, sample, small_config

OTHERS = ["jax", "torch"]
#: The photos the same dream starts from.
STARTS = ["astronaut.png", "chelsea.png"]

#: The same dream step on a backend: one jittered step at 96 px, from each start, under three priors
#: (views turned and scaled with smoothing and colour; Fourier steps through each pixel's logit with
#: crops and mirrors; a Laplacian pyramid with total variation), float32; saved to ``argv[2]``. One
#: step: float32's rounding differs between backends, and over several steps it changes which of two
#: nearly equal values a max-pool passes the gradient to, or on which side of zero a ReLU's input
#: falls, and the frames drift apart (cosine 0.98 after two octaves of two steps of the cat photo).
DREAM = """
import sys, dataclasses, numpy as np
from dreamzoom import config, models, objectives
from dreamzoom.dream import Dreamer, Params
from dreamzoom.presets import PRIOR_PRESETS, PriorSettings
PRIORS = {
    "dream": PRIOR_PRESETS["dream"],
    "object": dataclasses.replace(PRIOR_PRESETS["object"], noise=0.0),
    "laplacian": PriorSettings(gradient="laplacian", levels=3, tv=0.2, scale=0.1, rotate=10.0),
}
starts = np.load(sys.argv[1])
model = models.load(config.Model(precision="float32"))
goal = objectives.layer("mixed3") + objectives.layer("mixed5") * 0.5
dreamed = {}
for name, prior in PRIORS.items():
    dreamer = Dreamer(model, goal, prior)
    for index, start in enumerate(starts):
        rng = np.random.default_rng(index)
        dreamed[f"{name}{index}"], _ = dreamer.dream(start, Params(1, 0.01, 1, 1.4, 8), rng)
np.savez(sys.argv[2], **dreamed)
"""


def installed(backend: str) -> None:
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (pip install 'dreamzoom[{backend}]')")


def on(backend: str, *command: str, **options) -> subprocess.CompletedProcess[str]:
    """``command`` run to its end in a process whose Keras runs on ``backend``."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, **options)


@pytest.fixture(scope="module")
def dreams(tmp_path_factory) -> dict[str, dict[str, np.ndarray]]:
    """The frames :data:`DREAM` dreams from two photos (96 px, seeds 0 and 1), on each installed backend."""
    folder = tmp_path_factory.mktemp("backends")
    start = folder / "start.npy"
    np.save(start, np.stack([sample(name, 96) for name in STARTS]))
    found = {}
    for backend in ["tensorflow", *OTHERS]:
        if importlib.util.find_spec(backend) is None:
            continue
        out = folder / f"{backend}.npz"
        done = on(backend, sys.executable, "-c", DREAM, str(start), str(out), cwd=ROOT)
        assert done.returncode == 0, done.stderr[-3000:]
        with np.load(out) as saved:
            found[backend] = dict(saved) | {"start": np.load(start)}
    return found


@pytest.mark.parametrize("backend", OTHERS)
@pytest.mark.parametrize("start", range(len(STARTS)))
@pytest.mark.parametrize("prior", ["dream", "object", "laplacian"])
def test_each_backend_dreams_the_frame_tensorflow_dreams(dreams, backend, prior, start):
    """The change a dream makes, on JAX or PyTorch, against TensorFlow's from the same start: the
    same picture (cosine of the changes), pixel for pixel within float32's rounding through a
    network and back (measured: see docs/dreaming/backends.md)."""
    installed(backend)
    theirs, ours = dreams[backend][f"{prior}{start}"], dreams["tensorflow"][f"{prior}{start}"]
    first = dreams["tensorflow"]["start"][start]
    change, reference = (theirs - first).ravel(), (ours - first).ravel()
    cosine = float(change @ reference / (np.linalg.norm(change) * np.linalg.norm(reference)))
    difference = np.abs(theirs - ours)
    assert np.abs(reference).mean() > 1e-3, "the dream changed the frame"
    measured = f"cosine {cosine:.7f}, max {difference.max():.2g}, mean {difference.mean():.2g}"
    assert cosine >= 0.99999 and difference.max() <= 1e-3 and difference.mean() <= 1e-4, measured


def test_a_process_runs_one_backend():
    """The suite's process runs TensorFlow: asking it for another is refused in one line, naming the
    key; asking for the one it runs (or ``auto``) is not."""
    from dreamzoom.backend import NAME

    assert NAME == "tensorflow"
    assert engine.use("auto") == engine.use("tensorflow") == "tensorflow"
    with pytest.raises(
        DreamzoomError, match=r"^model\.backend: this process already runs Keras on tensorflow"
    ):
        engine.use("jax")


def test_a_backend_that_is_not_installed_is_one_line_naming_the_extra(tmp_path):
    """A user on a machine without JAX who asks for it: exit 2, one line, no traceback."""
    config = tmp_path / "clip.yaml"
    config.write_text(yaml.safe_dump(small_config(tmp_path, model={"backend": "jax"})))
    script = (
        "import importlib.util, sys\n"
        "found = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'jax' else found(name, *a)\n"
        "from dreamzoom.cli import main\n"
        "sys.exit(main(['validate', sys.argv[1]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(config)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    message = "model.backend: backend 'jax' needs jax, which is not installed: pip install 'dreamzoom[jax]'"
    assert lines == [f"dreamzoom: error: {message}"]


@pytest.mark.parametrize("backend", OTHERS)
def test_a_render_on_each_backend_dreams_and_records_it(tmp_path, backend):
    """``model.backend`` chosen in the config: the shipped default's dream (exploring motifs and
    things through the classifier beside, the referee's summary) rendered on JAX or PyTorch, decoded:
    every frame there, dreamed, and the video says which backend made it."""
    installed(backend)
    config = tmp_path / "clip.yaml"
    raw = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text())
    raw["source"]["image"] = str(ROOT / "samples" / "astronaut.png")
    raw.update(size=[96, 96], seconds=0.5, output={"path": str(tmp_path / "out.mp4"), "fps": 8})
    raw["model"]["backend"] = backend
    raw["dream"].update(steps=1, first_frame_steps=1)
    config.write_text(yaml.safe_dump(raw))
    env = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}
    done = subprocess.run(
        [*DREAMZOOM, "render", str(config), "-q"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    _, frames = decode(tmp_path / "out.mp4")
    assert len(frames) == 4
    assert np.abs(frames[-1].astype(float) - frames[0].astype(float)).mean() > 1.0, "the zoom dreamed on"
    stored = provenance.read(tmp_path / "out.mp4")
    assert stored["runtime"]["backend"] == backend, "the video records the backend that made it"
