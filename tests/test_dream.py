"""The dream step: it raises its objective, changes photos visibly, traces once, and tiles without seams."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dreamzoom import config, objectives, source
from dreamzoom.backend import keras, ops
from dreamzoom.dream import Dreamer, Params, octave_sizes
from dreamzoom.presets import PRIOR_PRESETS
from dreamzoom.prior import View
from dreamzoom.tiling import tile_spans

from .conftest import ROOT, SAMPLE_PHOTO


def layers_objective(weights: dict[str, float]) -> objectives.Objective:
    return objectives.total(weight * objectives.layer(name) for name, weight in weights.items())


def octave(dreamer: Dreamer, frame: np.ndarray, steps: int = 1, seed: int = 0) -> tuple[np.ndarray, float]:
    """``steps`` steps of 0.01 without jitter at the frame's own size, read back."""
    image, value = dreamer.octave(ops.convert_to_tensor(frame), steps, 0.01, 0, np.random.default_rng(seed))
    return image.numpy(), float(value)


@pytest.fixture(scope="module")
def dreamer(bundled) -> Dreamer:
    return Dreamer(bundled, layers_objective({"mixed3": 1.0, "mixed5": 1.5}))


def test_octave_sizes_run_coarse_to_fine_and_skip_those_too_small():
    assert octave_sizes((300, 200), 3, 1.5, 43) == [(133, 89), (200, 133), (300, 200)]
    assert octave_sizes((100, 60), 4, 2.0, 43) == [(50, 30), (100, 60)][1:], "30 px is below 43"
    assert octave_sizes((40, 40), 3, 1.5, 43) == [(40, 40)], "the frame itself is always dreamed"


def test_objectives_compose_with_weights(bundled):
    combined = layers_objective({"mixed3": 2.0, "mixed5": -1.0})
    assert combined.layers == ("mixed3", "mixed5")
    features = {
        "mixed3": np.full((1, 2, 2, 3), 3.0, np.float32),
        "mixed5": np.full((1, 2, 2, 3), 2.0, np.float32),
    }
    assert float(combined(features)) == pytest.approx(2.0 * 9.0 - 1.0 * 4.0)


def test_one_step_raises_the_objective(dreamer, photo):
    before = dreamer.objective_value(photo)
    image, value = octave(dreamer, photo)
    assert value == pytest.approx(before, rel=1e-4), "the step reports the objective it climbed from"
    assert dreamer.objective_value(image) > before * 1.02
    assert image.min() >= 0.0 and image.max() <= 1.0


def test_new_octave_sizes_tiles_frames_and_step_counts_do_not_retrace(bundled):
    objective = layers_objective({"mixed3": 1.0, "mixed5": 1.5})
    dreamer = Dreamer(bundled, objective, config.Prior().settings(has_class=False), tile_size=100)
    rng = np.random.default_rng(0)
    for steps, (width, height) in enumerate([(64, 64), (160, 96), (96, 150), (230, 120)], start=1):
        frame = rng.uniform(0, 1, (height, width, 3)).astype(np.float32)
        dreamer.dream(frame, Params(steps, 0.01, 3, 1.4, 4), rng)
    assert dreamer.tracing_count == 1, "an octave's steps run in one compiled loop of any length"


def test_dreaming_a_photo_changes_it_visibly_and_raises_the_objective_several_fold():
    from dreamzoom import assemble, load_config, resolve, timeline

    # Plain DeepDream at mixed3 + mixed5 on the default config's photo (the shipped config explores
    # and starts gently; this is about the dream step itself), climbing in RGB and, as the `dream`
    # preset now does, in decorrelated colour, which trades some of the objective for natural colour.
    for colour, gain in ((False, 3.0), (True, 2.0)):
        plain = {
            "layers": {"mixed3": 1.0, "mixed5": 1.5},
            "first_frame_steps": 30,
            "octaves": 3,
            "step_size": 0.005,
        }
        config = load_config(
            ROOT / "configs" / "default.yaml",
            size=[160, 160],
            dream={**plain, "prior": {"colour": colour}},
            model__precision="float32",  # the thresholds were measured in float32
        )
        plan = resolve.plan(config)
        prepared = assemble.prepare(plan)
        dreamed, _ = prepared.dreamer.dream(
            prepared.first, timeline.frame_params(plan, 0), np.random.default_rng(0)
        )
        before, after = (
            prepared.dreamer.objective_value(prepared.first),
            prepared.dreamer.objective_value(dreamed),
        )
        assert after > gain * before, colour
        assert np.abs(dreamed - prepared.first).mean() > 0.03, "a visible change, not a nudge"
        assert np.corrcoef(dreamed.ravel(), prepared.first.ravel())[0, 1] > 0.6, (
            "still the same picture underneath"
        )


def test_the_same_random_state_gives_the_same_dream(dreamer, photo):
    params = Params(3, 0.01, 2, 1.5, 16)
    first, _ = dreamer.dream(photo, params, np.random.default_rng(9))
    second, _ = dreamer.dream(photo, params, np.random.default_rng(9))
    other, _ = dreamer.dream(photo, params, np.random.default_rng(10))
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other), "jitter depends on the random state"


def test_tiled_and_untiled_gradients_agree(bundled):
    frame = source.fit(source.read_image(SAMPLE_PHOTO), (200, 160), "cover")
    objective = objectives.layer("mixed3") + objectives.layer("mixed5")
    whole = Dreamer(bundled, objective, tile_size=0)
    tiled = Dreamer(bundled, objective, tile_size=100)
    assert tile_spans(200, 100, 32) == [(0, 96), (96, 200)] and len(tile_spans(160, 100, 32)) == 2
    g_whole, _ = whole.gradient(ops.convert_to_tensor(frame))
    g_tiled, _ = tiled.gradient(ops.convert_to_tensor(frame))
    a, b = np.asarray(g_whole).ravel(), np.asarray(g_tiled).ravel()
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert cosine > 0.99
    step_whole, _ = octave(whole, frame)
    step_tiled, _ = octave(tiled, frame)
    assert np.abs(step_whole - step_tiled).mean() < 0.25 * np.abs(step_whole - frame).mean()


def test_tiled_gradients_agree_through_the_priors_scaled_and_turned_view(bundled):
    frame = source.fit(source.read_image(SAMPLE_PHOTO), (200, 160), "cover")
    objective = objectives.layer("mixed3") + objectives.layer("mixed5")
    prior = PRIOR_PRESETS["dream"]
    whole = Dreamer(bundled, objective, prior, tile_size=0)
    tiled = Dreamer(bundled, objective, prior, tile_size=100)
    g_whole, _ = whole.gradient(ops.convert_to_tensor(frame), View(1.1, math.radians(10)))
    g_tiled, _ = tiled.gradient(ops.convert_to_tensor(frame), View(1.1, math.radians(10)))
    a, b = np.asarray(g_whole).ravel(), np.asarray(g_tiled).ravel()
    assert float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))) > 0.99  # each tile turned alone: 0.36


def test_float16_climbs_with_loss_scaling_where_its_gradients_would_underflow(pinned, photo):
    """A faint objective: each activation's gradient (about 1e-10) is below float16's smallest
    number, yet the loss-scaled float16 climb goes where float32's does."""
    faint = 1e-6 * objectives.layer("mixed3")
    changes = []
    for precision in ("float32", "float16"):
        dreamer = Dreamer(pinned("inception_v3", precision), faint)
        dreamed, _ = octave(dreamer, photo)
        changes.append((dreamed - photo).ravel())
    a, b = changes
    assert float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))) > 0.95
    dreamer.loss_scaling.scale.assign(1.0)
    unscaled, _ = octave(dreamer, photo)
    assert np.array_equal(unscaled, photo), "unscaled, every float16 gradient underflows to zero"


def test_a_float16_step_whose_gradient_overflows_is_skipped_and_the_scale_halved(pinned, photo):
    dreamer = Dreamer(pinned("inception_v3", "float16"), objectives.layer("mixed3"))
    dreamer.loss_scaling.scale.assign(2.0**100)
    dreamed, _ = octave(dreamer, photo)
    assert np.array_equal(dreamed, photo) and float(dreamer.loss_scaling.scale.numpy()) == 2.0**99
    for _ in range(4):  # the scale comes down to where float16's gradients are finite, then it climbs
        dreamed, _ = octave(dreamer, dreamed, 20)
    assert np.abs(dreamed - photo).mean() > 0.005


def test_each_step_is_one_compiled_call_and_the_objective_is_read_once_per_frame(bundled, photo):
    """No step waits on the host: each step is one call of the compiled step, which hands back
    tensors that the next step takes as they are, and the frame's objective is read once, at its end."""
    dreamer = Dreamer(bundled, layers_objective({"mixed3": 1.0}))
    calls = []
    compiled = dreamer.compiled.step

    def counted(image, *args):
        result = compiled(image, *args)
        calls.append((image, list(keras.tree.flatten(result))))
        return result

    dreamer.compiled = dreamer.compiled._replace(step=counted)
    dreamed, value = dreamer.dream(photo, Params(5, 0.01, 2, 1.4, 8), np.random.default_rng(0))
    assert len(calls) == 10, "one call per step"
    values = [value for image, results in calls for value in (image, *results)]
    assert all(ops.is_tensor(value) for value in values), "frames and objectives stay tensors"
    assert isinstance(value, float) and dreamed.shape == photo.shape


def test_an_overflowed_float16_step_leaves_the_fourier_moments_as_they_were(pinned, photo):
    from dreamzoom import fourier

    dreamer = Dreamer(pinned("inception_v3", "float16"), objectives.layer("mixed3"), PRIOR_PRESETS["object"])
    image = ops.convert_to_tensor(photo)
    moments = fourier.fresh(*photo.shape[:2])
    ones = np.ones_like(photo)
    _, moments = dreamer.compiled.update(image, ones, np.float32(0.01), moments)  # finite
    overflowed = ones.copy()
    overflowed[0, 0, 0] = np.inf
    updated, after = dreamer.compiled.update(image, overflowed, np.float32(0.01), moments)
    assert np.array_equal(ops.convert_to_numpy(updated), photo)
    for kept, was in zip(after, moments, strict=True):
        assert np.array_equal(ops.convert_to_numpy(kept), ops.convert_to_numpy(was))
    assert float(ops.convert_to_numpy(after.count)) == 1.0
    assert np.isfinite(ops.convert_to_numpy(after.power)).all()
