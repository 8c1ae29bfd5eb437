"""Exploration: a seeded path of motifs that is deterministic, hands over smoothly, wraps in a
loop, raises the channels it names, and resumes to identical frames."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from dreamzoom import assemble, config, explore
from dreamzoom.dream import Params
from dreamzoom.errors import DreamzoomError

from .conftest import decode, finish, kill_at_checkpoint, small_config, start, write_config

DEPTHS = {"mixed3": 768, "mixed4": 768, "mixed5": 768}


def test_the_path_is_seeded_and_each_motif_is_its_own_draw():
    a = explore.path(7, DEPTHS, channels=3, seconds=2.0, crossfade=0.5, fps=12)
    b = explore.path(7, DEPTHS, channels=3, seconds=4.0, crossfade=0.25, fps=24)
    other = explore.path(8, DEPTHS, channels=3, seconds=2.0, crossfade=0.5, fps=12)
    motifs = [a.motif(k) for k in range(12)]
    assert motifs == [b.motif(k) for k in range(12)], "timing never changes which motifs come"
    assert motifs != [other.motif(k) for k in range(12)]
    assert len({m.layer for m in motifs}) == 3, "motifs come from every layer"
    assert all(len(set(m.channels)) == 3 and max(m.channels) < 768 for m in motifs)
    assert a.labels(50)[:2] == [(0, motifs[0].label()), (24, motifs[1].label())]


def test_weights_hand_over_smoothly_and_always_sum_to_one():
    path = explore.path(0, DEPTHS, channels=4, seconds=2.0, crossfade=0.5, fps=12)
    stacked = [np.concatenate(list(path.weights(t).values())) for t in range(120)]
    assert all(w.sum() == pytest.approx(1.0, abs=1e-5) for w in stacked)
    steps = [np.abs(b - a).sum() for a, b in itertools.pairwise(stacked)]
    assert max(steps) < 0.25, "no frame jumps from one motif to the next"
    held = path.weights(3)  # the first half of each motif's 24 frames is its own
    assert np.count_nonzero(held[path.motif(0).layer]) == 4


def test_a_loop_path_wraps_back_to_its_first_motif():
    path = explore.path(3, DEPTHS, channels=2, seconds=1.0, crossfade=0.5, fps=10, loop_frames=47)
    assert path.wrap == 5 and path.frames_each == pytest.approx(9.4)
    for layer, weights in path.weights(47).items():
        np.testing.assert_array_equal(weights, path.weights(0)[layer])


def explored(folder, **changes):
    explore_settings = {"layers": ["mixed3", "mixed4"], "channels": 2, "seconds": 0.5, "crossfade": 0.5}
    return small_config(folder, dream__explore=explore_settings, **changes)


def test_the_explored_motif_grows_in_the_picture(bundled_float32):
    loaded = config.load(explored(Path(), model__precision="float32", dream__layers={}, size=[128, 128]))
    prepared = assemble.prepare(loaded)
    path = prepared.exploration.path
    ours, next_one = path.motif(0), path.motif(1)

    def energy(frame, motif):
        features = bundled_float32.features(frame, motif.layer)
        return float(np.mean(np.square(features[..., list(motif.channels)])))

    params = Params(steps=10, step_size=0.01, octaves=1, octave_scale=1.5, jitter=8)

    def dreamed_at(frame):
        prepared.set_frame(frame)
        return prepared.dreamer.dream(prepared.first, params, np.random.default_rng(0))[0]

    first, second = dreamed_at(0), dreamed_at(round(path.frames_each))  # motif 0 leads, then motif 1
    assert energy(first, ours) > 1.5 * energy(second, ours)
    assert energy(second, next_one) > 1.5 * energy(first, next_one)


def test_exploring_never_retraces_the_step(tmp_path):
    from dreamzoom import timeline

    loaded = config.load(explored(tmp_path, frames=10))
    prepared = assemble.prepare(loaded)
    list(timeline.frames(prepared, loaded.frame_count))
    assert prepared.dreamer.tracing_count == 1


def test_an_explored_render_resumes_to_identical_frames(tmp_path):
    whole = tmp_path / "whole"
    whole.mkdir()
    settings = {"dream__explore": {"layers": ["mixed3", "mixed5"], "channels": 2, "seconds": 0.4}}
    write_config(whole, **settings)
    code, errors = finish(start(whole))
    assert code == 0, errors
    write_config(tmp_path, **settings)
    kill_at_checkpoint(tmp_path)
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert "resuming clip.mp4 after frame 3" in errors
    resumed, reference = decode(tmp_path / "out" / "clip.mp4")[1], decode(whole / "out" / "clip.mp4")[1]
    assert len(resumed) == len(reference) == 12
    for a, b in zip(resumed, reference, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"layers": ["mixed9"]}, "dream.explore.layers.0"),
        ({"layers": []}, "dream.explore.layers"),
        ({"channels": 0}, "dream.explore.channels"),
        ({"crossfade": 1.5}, "dream.explore.crossfade"),
    ],
)
def test_explore_settings_are_checked(tmp_path, settings, message):
    with pytest.raises(DreamzoomError) as caught:
        assemble.prepare(config.load(small_config(tmp_path, dream__explore=settings)))
    assert message in str(caught.value) and "\n" not in str(caught.value)
