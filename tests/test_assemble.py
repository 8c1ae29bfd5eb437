"""Assembly: config terms to a checked objective with its scheduled weights, the dream step and frame 0."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import assemble, config, resolve
from dreamzoom.errors import DreamzoomError

from .conftest import small_config


def loaded(**dream) -> config.Config:
    """The suite's small config with this ``dream`` section (and the schema's defaults for the rest)."""
    return config.load(small_config(frames=4, dream=dream))


def test_each_term_is_named_by_the_key_it_came_from():
    settings = loaded(layers={"mixed3": 1.0}, objectives=[{"layer": "mixed4", "channels": [3]}])
    keys = [assemble.term_key(settings, i, term) for i, term in enumerate(settings.dream.terms())]
    assert keys == ["dream.layers.mixed3", "dream.objectives.0"]


def test_constant_weights_are_numbers_and_scheduled_ones_variables_the_step_reads(bundled):
    settings = loaded(layers={"mixed3": 2.0, "mixed5": "1 + t"})
    objective, scheduled, exploration = assemble.build_objective(resolve.plan(settings), bundled)
    assert objective.layers == ("mixed3", "mixed5") and exploration is None
    assert [spec for spec, _ in scheduled] == ["1 + t"]
    assert float(scheduled[0][1].numpy()) == 1.0, "the variable starts at frame 0's value"


def test_channels_beyond_the_layer_are_refused_naming_the_key(bundled):
    depth = bundled.network.get_layer("mixed4").output.shape[-1]
    assemble.check_channels(bundled, "mixed4", [0, depth - 1], "k")
    with pytest.raises(
        DreamzoomError, match=rf"^dream.objectives.0.channels: mixed4 has channels 0–{depth - 1}"
    ):
        assemble.prepare(
            resolve.plan(loaded(layers={}, objectives=[{"layer": "mixed4", "channels": [depth]}]))
        )


def test_prepare_checks_the_frame_size_against_the_deepest_layer(bundled):
    with pytest.raises(DreamzoomError, match=r"^size: 32×32 is too small for the layers dreamed"):
        assemble.prepare(resolve.plan(config.load({"size": [32, 32], "dream": {"layers": {"mixed5": 1.0}}})))
    prepared = assemble.prepare(resolve.plan(loaded(layers={"mixed3": 1.0})))
    assert prepared.first.shape == (96, 96, 3) and prepared.first.dtype == np.float32


def test_random_streams_are_independent_and_reproducible():
    first = assemble.rng(7, assemble.SOURCE_STREAM).random(4)
    assert np.array_equal(first, assemble.rng(7, assemble.SOURCE_STREAM).random(4))
    assert not np.array_equal(first, assemble.rng(7, assemble.JITTER_STREAM).random(4))
    assert not np.array_equal(
        assemble.rng(7, assemble.JITTER_STREAM, 1).random(4),
        assemble.rng(7, assemble.JITTER_STREAM, 2).random(4),
    )


def test_an_explored_objective_reads_one_weight_variable_per_layer(bundled):
    settings = loaded(layers={"mixed3": 0.2}, explore={"layers": ["mixed4", "mixed2"], "weight": "0.5 + t"})
    objective, scheduled, exploration = assemble.build_objective(resolve.plan(settings), bundled)
    assert objective.layers == ("mixed3", "mixed4", "mixed2")
    assert {name: v.shape[0] for name, v in exploration.variables.items()} == {"mixed4": 768, "mixed2": 288}
    assert [spec for spec, _ in scheduled] == ["0.5 + t"], "the exploration's weight is scheduled too"
    exploration.assign(0, np.zeros((96, 96, 3), np.float32))
    total = sum(float(v.numpy().sum()) for v in exploration.variables.values())
    assert total == 1.0, "frame 0: the first motif's channels share a weight of 1"
