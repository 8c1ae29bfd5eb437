"""Animation: schedules, seamless loops, cadence, colour-drift control, single-resample motion."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dreamzoom import config, metrics, motion, renderer
from dreamzoom.errors import DreamzoomError
from dreamzoom.schedule import Schedule, ScheduleError, Time, parse

from .conftest import SAMPLE_PHOTO


def at(frame: float, fps: float = 24, bpm: float | None = None) -> Time:
    return Time.at(frame, fps, bpm)


def render_frames(**settings) -> list[np.ndarray]:
    """The frames of a small render, straight from the loop (no video)."""
    raw = {
        "size": [96, 96],
        "seed": 0,
        "source": {"image": str(SAMPLE_PHOTO)},
        "output": {"path": "unused.mp4"},
    }
    raw.update(settings)
    loaded = config.load(raw)
    return [frame for frame, _ in renderer.frames(renderer.prepare(loaded), loaded.frame_count)]


def changes(frames: list[np.ndarray]) -> np.ndarray:
    return np.array([metrics.change(a, b) for a, b in itertools.pairwise(frames)])


# ----------------------------------------------------------------------------- schedules


def test_keyframes_interpolate_linearly_and_hold_outside():
    zoom = parse("0:(1.04), 120:(1.01)")
    assert [round(zoom(at(t)), 6) for t in (-5, 0, 60, 120, 500)] == [1.04, 1.04, 1.025, 1.01, 1.01]


def test_smooth_keyframes_have_no_corners_and_never_overshoot():
    smooth = Schedule({"keyframes": "0:(0), 10:(1), 20:(1), 30:(0)", "interpolation": "smooth"})
    values = [smooth(at(t / 4)) for t in range(121)]
    assert min(values) >= 0.0 and max(values) <= 1.0
    assert smooth(at(15)) == pytest.approx(1.0), "flat between equal keys"
    slopes = np.diff(values)
    assert np.abs(np.diff(slopes)).max() < 0.02, "the slope changes gradually: no corners"
    linear = parse("0:(0), 10:(1)")
    assert linear(at(5)) == pytest.approx(0.5) and smooth(at(5)) != pytest.approx(0.5)


def test_expressions_in_t_seconds_and_beats():
    wobble = parse("1.02 + 0.02*sin(2*pi*t/90)")
    assert wobble(at(0)) == pytest.approx(1.02) and wobble(at(22.5)) == pytest.approx(1.04)
    assert parse("s")(at(48, fps=24)) == pytest.approx(2.0)
    pulse = parse("1 + 0.1*exp(-4*frac(beat))")  # a kick on every beat
    assert pulse(at(0, bpm=120)) == pytest.approx(1.1) and pulse(at(12, bpm=120)) == pytest.approx(1.1)
    assert pulse(at(6, bpm=120)) < 1.02
    assert parse("0:(1 + t/100), 10:(2)")(at(5)) == pytest.approx((1.0 + 2.0) / 2 + 0.025), (
        "keyframe values are maths too"
    )


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "open('x')",
        "t.__class__",
        "(1).real",
        "[1, 2][0]",
        "lambda: 1",
        "[x for x in (1,)]",
        "'text'",
        "True",
        "x + 1",
        "sin(t, **{})",
        "eval('1')",
        "0:(1), 5:(2",
        "10:(1), 5:(2)",
        "2 ** 100000",
    ],
)
def test_anything_but_numbers_t_and_the_listed_functions_is_rejected(text):
    with pytest.raises(ScheduleError):
        parse(text)(at(1))


def test_bad_schedules_are_config_errors_naming_the_key():
    with pytest.raises(DreamzoomError, match=r"^motion.zoom: bad schedule: unknown name 'os'"):
        config.load({"motion": {"zoom": "os + 1"}})
    with pytest.raises(DreamzoomError, match=r"^motion.zoom: must be ≥ 0.1, but is 0.04 at frame 8"):
        config.load({"frames": 20, "motion": {"zoom": "1 - t*0.12"}})
    with pytest.raises(DreamzoomError, match=r"^dream.layers.mixed3: bad schedule"):
        config.load({"dream": {"layers": {"mixed3": "exec('1')"}}})
    with pytest.raises(DreamzoomError, match=r"^motion.pan.1: bad schedule"):
        config.load({"motion": {"pan": [0, "y"]}})


def test_scheduled_parameters_reach_the_frames():
    loaded = config.load(
        {
            "frames": 30,
            "dream": {"steps": "0:(2), 20:(12)", "step_size": "0.004 + t/10000"},
            "motion": {"zoom": "0:(1), 10:(1.2)"},
        }
    )
    assert renderer.frame_params(loaded, 10).steps == 7
    assert renderer.frame_params(loaded, 10).step_size == pytest.approx(0.005)
    assert renderer.frame_params(loaded, 0).steps == 6, "frame 0 takes 3 × steps by default"
    assert renderer.motion_into(loaded, 5)[0, 0] == pytest.approx(1.1)


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
    prepared = renderer.prepare(loaded)
    assert len(prepared.weights) == 2
    seen = []
    for _frame, _state in renderer.frames(prepared, 5):
        seen.append([float(variable.numpy()) for _, variable in prepared.weights])
    assert seen[2] == pytest.approx([0.5, 0.5]) and seen[4] == pytest.approx([0.0, 1.0])
    assert prepared.dreamer.tracing_count == 1


# ----------------------------------------------------------------------------- motion quality


def test_dreaming_off_zoom_is_one_resample_not_a_chain():
    still = {"dream": {"steps": 0, "first_frame_steps": 0}, "colour": {"strength": 0}, "size": [160, 160]}
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
    still = {"dream": {"steps": 0, "first_frame_steps": 0}, "colour": {"strength": 0}, "size": [160, 160]}
    frames = render_frames(frames=37, motion={"zoom": 1.0, "rotate": 10.0}, **still)
    centre = slice(40, 120)
    assert metrics.psnr(frames[36][centre, centre], frames[0][centre, centre]) >= 33
    assert metrics.psnr(frames[18][centre, centre], frames[0][centre, centre]) < 20, (
        "half way it is upside down"
    )


# ----------------------------------------------------------------------------- loops


def test_a_loop_has_no_visible_seam_and_a_plain_render_does():
    dream = {"steps": 2, "octaves": 1}
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
    with pytest.raises(DreamzoomError, match=r"loop\.frames: 30 must be fewer than the 30 frames"):
        config.load({"frames": 30, "loop": {"frames": 30}})


# ----------------------------------------------------------------------------- cadence


def test_cadence_dreams_every_kth_frame_without_stutter(monkeypatch):
    assert renderer.dreamed_indices(10, 3) == [0, 3, 6, 9] and renderer.dreamed_indices(11, 3) == [
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
    prepared = renderer.prepare(loaded)
    dreamed = []
    original = prepared.dreamer.dream

    def counting(frame, params, rng):
        dreamed.append(frame.shape)
        return original(frame, params, rng)

    monkeypatch.setattr(prepared.dreamer, "dream", counting)
    frames = [frame for frame, _ in renderer.frames(prepared, 25)]
    assert len(frames) == 25 and len(dreamed) == 9, "frames 0, 3, …, 24: a third of the dreaming"
    steps = changes(frames)
    assert steps.max() <= 1.5 * np.median(steps), "no spikes at the dreamed frames"


# ----------------------------------------------------------------------------- colour drift


def drift(strength: float, count: int) -> tuple[np.ndarray, np.ndarray]:
    frames = render_frames(
        size=[64, 64], frames=count, colour={"strength": strength}, dream={"steps": 3, "octaves": 1}
    )
    lightness = np.array([metrics.luminance(frame) for frame in frames])
    colourfulness = np.array([metrics.saturation(frame) for frame in frames])
    return lightness / lightness[0], colourfulness / colourfulness[0]


def test_colour_anchoring_keeps_300_frames_within_ten_percent_of_frame_0():
    lightness, colourfulness = drift(0.25, 300)
    assert np.abs(lightness - 1).max() <= 0.10
    assert np.abs(colourfulness - 1).max() <= 0.10
    _, unanchored = drift(0.0, 120)
    assert unanchored.max() > 1.3, "without anchoring, colours run away"


def test_anchor_matches_lab_statistics():
    from dreamzoom import colour

    rng = np.random.default_rng(0)
    reference = colour.stats(rng.uniform(0.3, 0.7, (32, 32, 3)).astype(np.float32))
    garish = rng.uniform(0.0, 1.0, (32, 32, 3)).astype(np.float32)
    anchored = colour.stats(colour.anchor(garish, reference, 1.0))
    assert np.allclose(anchored.mean[0], reference.mean[0], atol=1.0)
    assert math.isclose(anchored.chroma, reference.chroma, rel_tol=0.05)
    assert colour.anchor(garish, reference, 0.0) is garish
