"""The timeline: scheduled parameters reaching the frames, seamless loops, cadence, single-resample motion."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dreamzoom import assemble, config, metrics, motion, resolve, timeline
from dreamzoom.errors import DreamzoomError

from .conftest import SAMPLE_PHOTO, render_frames


def changes(frames: list[np.ndarray]) -> np.ndarray:
    return np.array([metrics.change(a, b) for a, b in itertools.pairwise(frames)])


# ----------------------------------------------------------------------------- schedules


def test_scheduled_parameters_reach_the_frames():
    loaded = config.load(
        {
            "frames": 30,
            "dream": {"steps": "0:(2), 20:(12)", "step_size": "0.004 + t/10000"},
            "motion": {"zoom": "0:(1), 10:(1.2)"},
        }
    )
    assert timeline.frame_params(resolve.plan(loaded), 10).steps == 7
    assert timeline.frame_params(resolve.plan(loaded), 10).step_size == pytest.approx(0.005)
    assert timeline.frame_params(resolve.plan(loaded), 0).steps == 6, "frame 0 takes 3 × steps by default"
    assert timeline.motion_into(resolve.plan(loaded), 5)[0, 0] == pytest.approx(1.1)


def test_coarse_octaves_are_dreamed_on_every_nth_dreamed_frame():
    loaded = config.load({"frames": 30, "cadence": 2, "dream": {"octaves": 3, "coarse_every": 2}})
    octaves = [timeline.frame_params(resolve.plan(loaded), index).octaves for index in range(0, 12, 2)]
    assert octaves == [3, 1, 3, 1, 3, 1], "dreamed frames 0, 4, 8 dream every octave; 2, 6, 10 the finest"
    assert timeline.frame_params(resolve.plan(config.load({"dream": {"octaves": 3}})), 5).octaves == 3, (
        "default: every frame"
    )


def test_scheduled_layer_weights_crossfade_without_retracing(bundled):
    loaded = config.load(
        {
            "size": [64, 64],
            "frames": 5,
            "source": {"image": str(SAMPLE_PHOTO)},
            "dream": {
                "layers": {"mixed3": "0:(1), 4:(0)", "mixed5": "0:(0), 4:(1)"},
                "steps": 1,
                "octaves": 1,
            },
        }
    )
    prepared = assemble.prepare(resolve.plan(loaded))
    assert len(prepared.weights) == 2
    seen = []
    for _frame, _state in timeline.frames(prepared, 5):
        seen.append([float(variable.numpy()) for _, variable in prepared.weights])
    assert seen[2] == pytest.approx([0.5, 0.5]) and seen[4] == pytest.approx([0.0, 1.0])
    # The compiled step reads them: at frame 4 its objective is mixed5's alone, at frame 0 mixed3's.
    frame = prepared.first
    for index, layer in ((0, "mixed3"), (4, "mixed5")):
        prepared.set_frame(index, frame)
        alone = float(np.mean(np.square(bundled.features(frame, layer).astype(np.float64))))
        assert prepared.dreamer.objective_value(frame) == pytest.approx(alone, rel=0.02), layer
    assert prepared.dreamer.tracing_count == 1


# ----------------------------------------------------------------------------- motion quality


def test_dreaming_off_zoom_is_one_resample_not_a_chain():
    still = {
        "dream": {"steps": 0, "first_frame_steps": 0, "explore": None},
        "colour": {"strength": 0},
        "size": [160, 160],
    }
    frames = render_frames(frames=31, motion={"zoom": 1.04}, **still)
    reference = motion.apply(frames[0], motion.transform((160, 160), 1.04**30, 0.0, (0, 0)))
    centre = slice(40, 120)
    ours = metrics.psnr(frames[30][centre, centre], reference[centre, centre])
    chained = frames[0]
    for _ in range(30):
        chained = motion.apply(chained, motion.transform((160, 160), 1.04, 0.0, (0, 0)))
    per_frame = metrics.psnr(chained[centre, centre], reference[centre, centre])
    assert ours >= 37 and ours > per_frame + 10, (ours, per_frame)


def test_dreaming_off_rotation_comes_back_to_the_start():
    still = {
        "dream": {"steps": 0, "first_frame_steps": 0, "explore": None},
        "colour": {"strength": 0},
        "size": [160, 160],
    }
    frames = render_frames(frames=37, motion={"zoom": 1.0, "rotate": 10.0}, **still)
    centre = slice(40, 120)
    assert metrics.psnr(frames[36][centre, centre], frames[0][centre, centre]) >= 33
    assert metrics.psnr(frames[18][centre, centre], frames[0][centre, centre]) < 20, (
        "half way it is upside down"
    )


# ----------------------------------------------------------------------------- loops


def test_a_loop_has_no_visible_seam_and_a_plain_render_does():
    dream = {"steps": 2, "octaves": 1, "explore": None}
    looped = render_frames(frames=36, loop={"frames": 10}, dream=dream)
    plain = render_frames(frames=36, dream=dream)
    seam = metrics.seam(list(changes(looped)), metrics.change(looped[-1], looped[0]))
    assert seam <= 1.5
    assert metrics.seam(list(changes(plain)), metrics.change(plain[-1], plain[0])) > 3
    # Motion-compensated: moving the last frame on by one step gives the first frame back.
    step = motion.transform((96, 96), 1.02, 0.0, (0, 0))
    compensated = [metrics.change(motion.apply(a, step), b) for a, b in itertools.pairwise(looped)]
    assert metrics.seam(compensated, metrics.change(motion.apply(looped[-1], step), looped[0])) <= 1.5


def test_loop_length_must_fit_the_render():
    with pytest.raises(DreamzoomError, match=r"loop\.frames: 30 must be fewer than the render's 30 frames"):
        config.load({"frames": 30, "loop": {"frames": 30}})


# ----------------------------------------------------------------------------- cadence


def test_cadence_dreams_every_kth_frame_without_stutter(monkeypatch):
    assert timeline.dreamed_indices(10, 3) == [0, 3, 6, 9] and timeline.dreamed_indices(11, 3) == [
        0,
        3,
        6,
        9,
        10,
    ]
    loaded = config.load(
        {
            "size": [96, 96],
            "frames": 25,
            "cadence": 3,
            "source": {"image": str(SAMPLE_PHOTO)},
            "dream": {"steps": 2, "octaves": 1},
        }
    )
    prepared = assemble.prepare(resolve.plan(loaded))
    dreamed = []
    original = prepared.dreamer.dream

    def counting(frame, params, rng):
        dreamed.append(frame.shape)
        return original(frame, params, rng)

    monkeypatch.setattr(prepared.dreamer, "dream", counting)
    frames = [frame for frame, _ in timeline.frames(prepared, 25)]
    assert len(frames) == 25 and len(dreamed) == 9, "frames 0, 3, …, 24: a third of the dreaming"
    steps = changes(frames)
    assert steps.max() <= 1.5 * np.median(steps), "no spikes at the dreamed frames"
