"""Shared fixtures: one bundled model per session, small photos, small configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PHOTO = ROOT / "samples" / "astronaut.png"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def bundled():
    """The bundled InceptionV3 (ImageNet weights up to mixed5), built once for the whole run."""
    from dreamzoom import config, models

    return models.load(config.Model())


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
