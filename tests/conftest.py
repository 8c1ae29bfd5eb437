"""Shared fixtures: one bundled model per session, small photos, small configs."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PHOTO = ROOT / "samples" / "astronaut.png"
SHARED = ROOT.parent / "shared"

# The suite checks the configs it writes: a developer's DREAMZOOM_SET (draft overrides) must not leak in.
os.environ.pop("DREAMZOOM_SET", None)


@pytest.fixture(scope="session")
def bundled():
    """The bundled InceptionV3 (ImageNet weights up to mixed5), built once for the whole run."""
    from dreamzoom import config, models

    return models.load(config.Model())


@pytest.fixture(scope="session")
def pinned() -> Callable[[str, str], Any]:
    """``pinned(name, precision)``: a bundled network (``inception_v3``, ``squeezenet``) computing in
    that precision whatever ``auto`` picks on this machine, built once for the whole run. Tests that
    check numbers hold them in a known precision."""
    from dreamzoom import config, models

    return functools.cache(lambda name, precision: models.load(config.Model(name=name, precision=precision)))


@pytest.fixture(scope="session")
def bundled_float32(pinned):
    """The bundled InceptionV3 computing in float32 (the default model itself where auto is float32)."""
    return pinned("inception_v3", "float32")


@pytest.fixture(scope="session")
def squeezenet_float32(pinned):
    """The bundled SqueezeNet computing in float32."""
    return pinned("squeezenet", "float32")


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """The sample photo as a float RGB frame, 128×128."""
    from dreamzoom import source

    return source.fit(source.read_image(SAMPLE_PHOTO), (128, 128), "cover")


@pytest.fixture
def shared_models() -> Path:
    """``../shared/models`` (the project's reference networks), or skip where it is absent."""
    folder = SHARED / "models"
    if not folder.is_dir():
        pytest.skip("../shared/models is not present (it exists beside the project's own checkout only)")
    return folder


def small_config(tmp_path: Path) -> dict[str, Any]:
    """A config dict for a quick render: 96×96, 3 frames, light dreaming, output under ``tmp_path``."""
    return {
        "size": [96, 96],
        "frames": 3,
        "seed": 3,
        "source": {"image": str(SAMPLE_PHOTO)},
        "dream": {"layers": {"mixed3": 1.0, "mixed5": 1.5}, "steps": 2, "first_frame_steps": 3, "octaves": 1},
        "motion": {"zoom": 1.05},
        "output": {"path": str(tmp_path / "out.mp4"), "fps": 12, "crf": 10, "preset": "ultrafast"},
    }


#: Examples per hypothesis test under the ``ci`` profile; fuzz tests ask for multiples of it.
CI_EXAMPLES = 100


def _hypothesis_profiles() -> None:
    """``ci`` (the default) is reproducible: the same examples on every run and machine, no example
    database read or written, and a failure printed with the blob that replays it. ``dev`` explores:
    random examples, ten times as many, and failures kept in ``.hypothesis/`` to replay first.
    ``HYPOTHESIS_PROFILE=dev python -m pytest tests/test_fuzz.py`` picks it."""
    import os

    from hypothesis import HealthCheck, settings

    common = {"deadline": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
    settings.register_profile("ci", derandomize=True, database=None, max_examples=CI_EXAMPLES, **common)
    settings.register_profile("dev", max_examples=10 * CI_EXAMPLES, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()
