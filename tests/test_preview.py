"""Trying settings: a sweep shows how its cells differ even where a config's frame 0 is gentle."""

from __future__ import annotations

import numpy as np

from dreamzoom import config
from dreamzoom.config import Term
from dreamzoom.preview import sweep

from .conftest import SAMPLE_PHOTO


def test_a_sweep_of_the_default_shows_each_layer_s_own_picture():
    """The default config's frame 0 barely touches the photo (4 gentle steps), so a sweep of it once
    gave cells 3 levels apart; a layer cell now dreams at least 16 steps of 0.01 and mixed0's strokes
    part from mixed5's eyes (measured on the AMD EPYC: 29 levels at 192 px; here, 96 px in float32, 30)."""
    settings = config.load(
        {"source": {"image": str(SAMPLE_PHOTO)}, "size": [96, 96], "model": {"precision": "float32"}}
    )
    assert settings.dream.first_frame_steps is None and settings.dream.steps == 4, "the gentle default"
    cells = dict(sweep(settings, [(name, Term(layer=name)) for name in ("mixed0", "mixed5")]))
    apart = np.abs(cells["mixed0"].astype(float) - cells["mixed5"].astype(float)).mean()
    assert apart > 10, apart
