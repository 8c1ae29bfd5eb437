"""The natural-image prior: presets and overrides, less pixel-scale noise, octaves it leaves out."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import config, metrics, objectives
from dreamzoom.dream import Dreamer, Params
from dreamzoom.presets import PRIOR_PRESETS, PriorSettings
from dreamzoom.prior import View

from .conftest import visualise


def test_a_laplacian_and_total_variation_prior_removes_most_high_frequency_energy(squeezenet_float32):
    """The class prior dreamzoom used before issue 17 (still a documented override). The `object`
    preset now keeps photo-like detail instead (its test: the referee's, below)."""
    squeezenet = squeezenet_float32
    plain = visualise(squeezenet, 954, "none")
    smooth = {"preset": "none", "gradient": "laplacian", "levels": 4, "scale": 0.1, "rotate": 10, "tv": 0.2}
    assert metrics.high_frequency(visualise(squeezenet, 954, smooth)) < 0.4 * metrics.high_frequency(plain)


def test_prior_presets_and_overrides():
    assert config.Prior().settings(has_class=False) == PRIOR_PRESETS["dream"]
    assert config.Prior().settings(has_class=True) == PRIOR_PRESETS["object"]
    assert config.load({"dream": {"prior": "none"}}).dream.prior.settings(True) == PRIOR_PRESETS["none"]
    tuned = config.load(
        {"dream": {"prior": {"preset": "object", "tv": 0.5, "views": 8, "bounded": False}}}
    ).dream.prior.settings(False)
    assert tuned.tv == 0.5 and tuned.views == 8 and tuned.fourier and tuned.crop == 0.5
    assert PRIOR_PRESETS["object"].bounded and not tuned.bounded


def test_a_wide_gaussian_prior_leaves_out_octaves_narrower_than_its_kernel(bundled):
    dreamer = Dreamer(bundled, objectives.layer("conv2d"), PriorSettings(gradient="gaussian", sigma=8.0))
    assert bundled.min_size(("conv2d",)) < 21 == dreamer.min_side  # the kernel's radius is 20 px
    frame = np.random.default_rng(0).uniform(0.3, 0.7, (64, 64, 3)).astype(np.float32)
    dreamed, value = dreamer.dream(frame, Params(1, 0.01, 4, 2.0, 0), np.random.default_rng(0))
    assert dreamed.shape == frame.shape and np.isfinite(value) and not np.array_equal(dreamed, frame)


def test_the_dream_preset_climbs_in_natural_colour(bundled_float32, photo):
    """Dreamed with the `dream` preset (decorrelated colour), the photo keeps its chroma and gains far
    less rainbow speckle than with the same preset in plain RGB."""
    from dataclasses import replace

    def dreamed(settings: PriorSettings) -> np.ndarray:
        dreamer = Dreamer(bundled_float32, objectives.layer("mixed3"), settings)
        return dreamer.dream(photo, Params(12, 0.01, 2, 1.5, 8), np.random.default_rng(0))[0]

    natural, neon = dreamed(PRIOR_PRESETS["dream"]), dreamed(replace(PRIOR_PRESETS["dream"], colour=False))
    assert PRIOR_PRESETS["dream"].colour
    assert metrics.colour_noise(natural) < 0.7 * metrics.colour_noise(neon)
    assert metrics.saturation(natural) < metrics.saturation(neon)


def test_views_crop_mirror_and_turn_the_frame_as_drawn():
    import cv2

    from dreamzoom import prior
    from dreamzoom.backend import ops
    from dreamzoom.motion import resize

    frame = cv2.GaussianBlur(
        np.random.default_rng(0).uniform(0, 1, (64, 80, 3)).astype(np.float32), (0, 0), 3
    )
    draws = [prior.View(), prior.View(flip=True), prior.View(crop=0.5, dy=0.25, dx=-0.25)]
    same, mirrored, window = ops.convert_to_numpy(
        prior.views(ops.convert_to_tensor(frame), ops.convert_to_tensor(prior.view_transforms(64, 80, draws)))
    )
    np.testing.assert_allclose(same, frame, atol=1e-6)
    np.testing.assert_allclose(mirrored, frame[:, ::-1], atol=1e-6)
    # half the frame's side, centred a quarter down and a quarter left of the middle: the bottom-left quarter
    expected = resize(frame[32:, :40], 80, 64)
    assert (
        np.abs(window[8:-8, 8:-8] - expected[8:-8, 8:-8]).mean() < 0.05 * np.abs(frame - frame.mean()).mean()
    )


def test_one_view_draws_what_it_always_drew(bundled):
    """A seed gives the same dream as before several views existed: jitter, then scale and angle."""
    import math

    dreamer = Dreamer(bundled, objectives.layer("mixed3"), PRIOR_PRESETS["dream"])
    rng, old = np.random.default_rng(5), np.random.default_rng(5)
    for shift, views, seed in dreamer.draws(3, 8, rng):
        assert np.array_equal(shift, old.integers(-8, 9, size=2))
        scale = 1.0 + old.uniform(-0.02, 0.02)
        angle = math.radians(old.uniform(-2.0, 2.0))
        assert views == [View(scale, angle)] and not seed.any()


def test_the_object_preset_climbs_a_class_on_inception_v3_as_on_squeezenet():
    """InceptionV3's ImageNet weights cannot be downloaded here; with seeded random weights the
    same climb (Fourier steps, several views, noise) must raise the class score just the same."""
    from dreamzoom import models

    from .conftest import smooth_noise

    model = models.load(config.Model(weights="random", precision="float32"))
    assert model.class_layer == "logits" and PRIOR_PRESETS["object"].fourier
    dreamer = Dreamer(
        model, objectives.class_score(model.class_layer, 954, "banana"), PRIOR_PRESETS["object"]
    )
    start = smooth_noise(96)
    dreamed, _ = dreamer.dream(start, Params(12, 0.004, 1, 1.4, 8), np.random.default_rng(0))
    before, after = dreamer.objective_value(start), dreamer.objective_value(dreamed)
    assert after > before + 0.5 * abs(before), (before, after)


OLD_CLASS_PRIOR = PriorSettings(gradient="laplacian", levels=4, scale=0.1, rotate=10.0, tv=0.2)

#: The pictures the class test dreams: (class, seed of its start and its climb). A class picture
#: from faint noise is chaotic: the same start nudged by 1e-7 (a rounding) can climb to a different
#: picture, so one run decides nothing. These starts settle on a picture the referee names whatever
#: the rounding: measured, each one's class was the referee's top guess in all of 6–7 runs (the start
#: as it is and nudged by 1e-7 or 1e-6 noise, oneDNN limited to AVX2, oneDNN off), while other
#: starts of the same classes wander between ranks 1 and 13 (figures in the test's docstring).
CLASS_PICTURES = [("castle", 0), ("castle", 1), ("school bus", 4), ("school bus", 5)]


def class_picture(
    model, name: str, prior: PriorSettings, std: float, params: Params, seed: int
) -> np.ndarray:
    """Class ``name`` dreamed by ``model`` from smooth noise of strength ``std`` at 224 px, the
    referee's own size, with ``seed`` for the noise and the climb."""
    from dreamzoom import classes, source

    index = classes.index_of(name, "class")
    dreamer = Dreamer(model, objectives.class_score(model.class_layer, index, name), prior)
    rng = np.random.default_rng(seed)
    start = source.noise(config.Noise(kind="smooth", std=std, scale=32), (224, 224), rng)
    return dreamer.dream(start, params, rng)[0]


def test_class_pictures_are_recognised_by_a_network_that_did_not_make_them(squeezenet_float32):
    """SqueezeNet dreams (in float32 on any machine), EfficientNet-Lite0 judges: with the `object`
    preset and the settings of `configs/banana.yaml`, the referee ranks the class among its top 5 in
    at least 3 of the 4 :data:`CLASS_PICTURES` (measured: 3 or 4 at rank 1 on every run), and the
    geometric mean of its probabilities is at least 5 times that of the same starts dreamed with the
    prior and settings dreamzoom used before (measured: 90–230 times). The geometric mean, so that
    neither one lucky old picture (the old prior made a castle once in six seeds) nor one very sure
    new one decides it.

    With bounded pixels (the preset since issue 24), on a 2-core AMD EPYC with AVX-512 BF16, float32:
    new ranks 1 1 1 3 (p 0.22 0.13 0.23 0.09), old 53 45 38 11, ratio 66; oneDNN limited to AVX2:
    1 1 5 1 (0.11 0.87 0.03 0.12), old 11 43 23 141, ratio 48; oneDNN off: 1 1 1 1 (0.31 0.86 0.32
    0.10), ratio 133.

    Before bounded pixels, on an Intel Xeon with AVX-512 BF16 and AMX (2 cores), float32:
    new ranks 1 1 1 1 (p 0.12 0.86 0.93 0.96), old 53 45 38 11, ratio 231; with oneDNN limited to
    AVX2 (``ONEDNN_MAX_CPU_ISA=AVX2``, other rounding): 1 1 1 1 (0.19 0.57 0.50 0.10), old 11 36 23
    141, ratio 93; with oneDNN off (``TF_ENABLE_ONEDNN_OPTS=0``): 1 1 1 1 (0.09 0.71 0.38 0.92), old
    35 47 91 23, ratio 167. Each start alone and nudged, rank/probability:

    - castle: seed 0 1/0.12, nudged 1/0.09 1/0.16 1/0.14; seed 1 1/0.86, nudged 1/0.77 1/0.34 1/0.61;
      old prior 53/0.0012 and 45/0.0022.
    - school bus: seed 4 1/0.93, nudged 1/0.35 1/0.18 1/0.82 1/0.61; seed 5 1/0.96, nudged 1/0.40
      1/0.97 1/0.99; old prior 38/0.0014 and 11/0.0088.
    - why not espresso and school bus at seed 1, as this test once dreamed: seeds 0–5 give espresso
      ranks 1 3 1 3 5 3 (p 0.44 to 0.03) and school bus 1 4 1 1 1 1 (p 0.96 to 0.02), but nudged
      starts of seeds 0–2 give espresso 5 2 1 5 6 13 5 and school bus 12 8 1 3 10 3 3, and a 2-core
      AMD EPYC (AVX-512 BF16) gave seed 1 espresso p=0.052 and school bus p=0.010, neither in the
      top 5. The old prior ranks them 7–38 and 4–43 (p 0.0014 to 0.025).
    """
    from dreamzoom import classes, recognition

    new = [
        class_picture(squeezenet_float32, n, PRIOR_PRESETS["object"], 0.02, Params(96, 0.003, 3, 1.4, 16), s)
        for n, s in CLASS_PICTURES
    ]
    old = [
        class_picture(squeezenet_float32, n, OLD_CLASS_PRIOR, 0.1, Params(60, 0.008, 3, 1.4, 16), s)
        for n, s in CLASS_PICTURES
    ]
    targets = [classes.index_of(n, "class") for n, _ in CLASS_PICTURES] * 2
    probs = recognition.probabilities(new + old)
    ranks = [recognition.rank(p, t) for p, t in zip(probs, targets, strict=True)]
    chances = [float(p[t]) for p, t in zip(probs, targets, strict=True)]
    figures = [
        f"{n} {s}: {r}/{c:.3g}" for (n, s), r, c in zip(CLASS_PICTURES * 2, ranks, chances, strict=True)
    ]
    count = len(CLASS_PICTURES)
    assert sum(rank <= 5 for rank in ranks[:count]) >= count - 1, figures
    geometric = [
        float(np.exp(np.mean(np.log(np.maximum(c, 1e-30))))) for c in (chances[:count], chances[count:])
    ]
    assert geometric[0] >= 5 * geometric[1], (geometric, figures)


def test_a_bounded_climb_keeps_class_pictures_off_black_and_white(squeezenet_float32):
    """Climbed through each pixel's logit (the `object` preset's `bounded`), class pictures lose the
    clipped, washed-out areas that plain steps leave and keep more colour. Measured on a 2-core AMD
    EPYC (float32) at 48 steps an octave, against plain steps with the preset's former noise (0.05):
    0.1 % of pixel values at the ends against 7.4–8.0 %, and 1.12–1.51 times the chroma (castle,
    banana, lemon)."""
    from dataclasses import replace

    def ends(frame: np.ndarray) -> float:
        return float(np.mean((frame <= 2 / 255) | (frame >= 253 / 255)))

    bounded = PRIOR_PRESETS["object"]
    plain = replace(bounded, bounded=False)
    assert bounded.bounded
    for name, seed in [("castle", 0), ("lemon", 2)]:
        pictures = [
            class_picture(squeezenet_float32, name, prior, 0.02, Params(48, 0.003, 2, 1.4, 16), seed)
            for prior in (bounded, plain)
        ]
        assert ends(pictures[0]) < 0.2 * ends(pictures[1]), (name, [ends(p) for p in pictures])
        assert metrics.saturation(pictures[0]) > 1.05 * metrics.saturation(pictures[1]), name


def test_a_view_of_a_window_pulls_on_that_window_only():
    """The warp's own derived gradient would mirror a window's gradient over the whole frame."""
    from dreamzoom import autodiff, prior
    from dreamzoom.backend import ops

    frame = ops.convert_to_tensor(np.random.default_rng(0).uniform(0, 1, (64, 64, 3)).astype(np.float32))
    window = prior.view_transforms(64, 64, [prior.View(crop=0.5, dy=-0.25, dx=-0.25)])  # the top-left quarter
    total = autodiff.grad(lambda image: ops.sum(prior.views(image, ops.convert_to_tensor(window))))
    gradient = ops.convert_to_numpy(total(frame))
    assert np.abs(gradient[40:, :]).max() == 0 and np.abs(gradient[:, 40:]).max() == 0
    # each pixel of the window feeds four pixels of the twice-enlarged view
    assert gradient[4:28, 4:28].mean() == pytest.approx(4.0, rel=0.02)


def test_fourier_steps_refuse_the_smoothing_they_replace():
    from dreamzoom.errors import DreamzoomError

    for prior in ({"preset": "object", "gradient": "laplacian"}, {"fourier": True, "colour": True}):
        with pytest.raises(DreamzoomError, match=r"fourier steps replace (gradient|colour): leave them out"):
            config.load({"dream": {"prior": prior}})
    plain = config.load({"dream": {"prior": {"preset": "object", "fourier": False, "gradient": "laplacian"}}})
    assert plain.dream.prior.settings(True).gradient == "laplacian"


def test_the_prior_turns_a_gradient_into_a_direction_through_the_parts_its_settings_name():
    """Each setting adds its link to the chain, chosen when the prior is built: a direction of mean
    size 1, blurred, mixed across colours, pulled by total variation, scaled by each pixel's room in
    its logit, or an Adam step in the Fourier basis."""
    from dreamzoom import fourier
    from dreamzoom.backend import ops
    from dreamzoom.prior import ImagePrior, total_variation_gradient

    rng = np.random.default_rng(0)
    raw = rng.standard_normal((32, 32, 3)).astype(np.float32)
    pixels = rng.uniform(0.2, 0.8, (32, 32, 3)).astype(np.float32)
    gradient, image = ops.convert_to_tensor(raw), ops.convert_to_tensor(pixels)

    def direction(settings: PriorSettings) -> np.ndarray:
        return ops.convert_to_numpy(ImagePrior(settings).direction(gradient, image, fourier.fresh(0, 0))[0])

    def unit(array: np.ndarray) -> np.ndarray:
        return array / np.abs(array).mean()

    plain = direction(PriorSettings())
    np.testing.assert_allclose(plain, unit(raw), rtol=1e-5)
    blurred = direction(PriorSettings(gradient="gaussian", sigma=1.0))
    assert np.abs(blurred).mean() == pytest.approx(1.0, rel=1e-5)
    assert np.abs(np.diff(blurred, axis=0)).mean() < 0.5 * np.abs(np.diff(plain, axis=0)).mean()
    mixed = direction(PriorSettings(colour=True)).reshape(-1, 3)
    assert abs(np.corrcoef(raw.reshape(-1, 3).T)[0, 1]) < 0.1 < 0.5 < np.corrcoef(mixed.T)[0, 1]
    pulled = direction(PriorSettings(tv=0.5))
    smoothing = ops.convert_to_numpy(total_variation_gradient(image))
    np.testing.assert_allclose(pulled, plain - 0.5 * unit(smoothing), atol=1e-4)
    bounded = direction(PriorSettings(bounded=True))
    np.testing.assert_allclose(bounded, unit(raw * pixels * (1 - pixels)), rtol=1e-4, atol=1e-6)

    adam = ImagePrior(PRIOR_PRESETS["object"])
    step, moments = adam.direction(gradient, image, fourier.fresh(32, 32))
    assert adam.uses_moments and float(moments.count) == 1.0
    assert np.abs(ops.convert_to_numpy(step)).mean() == pytest.approx(1.0, rel=1e-5)


def test_the_prior_moves_a_frame_clipped_or_through_each_pixels_logit():
    """A plain step clips at black and white; a bounded one slows down near them instead, and moves a
    mid-grey pixel by about the step size."""
    from dreamzoom.backend import ops
    from dreamzoom.prior import ImagePrior

    image = ops.convert_to_tensor(
        np.array([0.0, 0.5, 0.999], np.float32).reshape(1, 3, 1) * np.ones((1, 1, 3), np.float32)
    )
    up, step = ops.ones_like(image), ops.convert_to_tensor(0.01)
    plain = ops.convert_to_numpy(ImagePrior(PriorSettings()).moved(image, up, step))[0, :, 0]
    np.testing.assert_allclose(plain, [0.01, 0.51, 1.0], atol=1e-6)
    bounded = ops.convert_to_numpy(ImagePrior(PriorSettings(bounded=True)).moved(image, up, step))[0, :, 0]
    assert 1e-3 < bounded[0] < 1.1e-3, "from the edge of its logit, a dark pixel barely moves"
    assert bounded[1] == pytest.approx(0.51, abs=1e-4)
    assert 0.999 < bounded[2] < 1.0


def test_the_network_sees_a_batch_of_views_with_the_priors_noise():
    from dreamzoom.backend import ops
    from dreamzoom.prior import FRAME, ImagePrior, view_transforms

    pixels = np.full((48, 48, 3), 0.5, np.float32)
    image = ops.convert_to_tensor(pixels)
    one = ops.convert_to_tensor(view_transforms(48, 48, [FRAME]))
    seed = ops.convert_to_tensor(np.array([1, 2], np.int32))
    alone = ImagePrior(PriorSettings())
    as_it_is = ops.convert_to_numpy(alone.seen(image, one, seed))
    assert not alone.seeded and np.array_equal(as_it_is, pixels[None])
    noisy = ImagePrior(PriorSettings(noise=0.1))
    seen = ops.convert_to_numpy(noisy.seen(image, one, seed))
    assert noisy.seeded and seen.shape == (1, 48, 48, 3)
    assert np.std(seen - 0.5) == pytest.approx(0.1, rel=0.05)
    again = ops.convert_to_numpy(noisy.seen(image, one, seed))
    assert np.array_equal(seen, again), "the seed decides the noise"
    several = ImagePrior(PriorSettings(views=3, crop=0.5))
    views = several.draw_views(np.random.default_rng(0))
    assert len(views) == 3 and all(0.5 <= view.crop <= 1.0 for view in views)
    batch = several.seen(image, ops.convert_to_tensor(view_transforms(48, 48, views)), seed)
    assert tuple(batch.shape) == (3, 48, 48, 3)


def test_a_gaussian_prior_needs_frames_wider_than_its_blur_and_fourier_steps_replace_it():
    from dreamzoom.prior import FourierStep, ImagePrior, OnGradient, unit_mean

    assert ImagePrior(PriorSettings()).min_side == 1
    assert ImagePrior(PriorSettings(gradient="gaussian", sigma=8.0)).min_side == 21
    replaced = ImagePrior(PriorSettings(gradient="gaussian", sigma=8.0, colour=True, fourier=True))
    assert replaced.min_side == 1
    assert replaced.transforms == (FourierStep(), OnGradient(unit_mean))


def forward_results(backend: str) -> dict[str, np.ndarray]:
    """The prior's forward functions on seeded inputs at an even and an odd size, in this process's
    backend (compiled with ``jax.jit`` on JAX, as the dream step is there): the Laplacian pyramid,
    the blur, the views and three Fourier steps (each scaled to a mean size of 1, as a step's direction
    is, so that one tolerance fits them all). Its source also runs in a process of another backend."""
    import numpy as np

    from dreamzoom import fourier, prior
    from dreamzoom.backend import ops

    compiled = __import__("jax").jit if backend == "jax" else lambda function: function

    def steps(gradients: list[np.ndarray]) -> list[np.ndarray]:
        moments, directions = fourier.fresh(*gradients[0].shape[:2]), []
        for gradient in gradients:
            direction, moments = fourier.direction(ops.convert_to_tensor(gradient), moments)
            directions.append(prior.unit_mean(direction))
        return directions

    rng, results = np.random.default_rng(0), {}
    for height, width in ((64, 64), (63, 65)):
        gradient = ops.convert_to_tensor(rng.standard_normal((height, width, 3)).astype(np.float32))
        image = ops.convert_to_tensor(rng.uniform(0, 1, (height, width, 3)).astype(np.float32))
        draws = [prior.View(1.1, 0.2), prior.View(0.9, -0.3, 0.6, 0.1, -0.05, flip=True)]
        transforms = ops.convert_to_tensor(prior.view_transforms(height, width, draws))
        fourier_steps = [rng.standard_normal((height, width, 3)).astype(np.float32) for _ in range(3)]
        # Clipped: many neighbours equal, where |x|'s slope at 0 differs between backends.
        clipped = ops.convert_to_tensor(
            np.clip(rng.uniform(-0.5, 1.5, (height, width, 3)), 0, 1).astype(np.float32)
        )
        outputs = {
            "total variation": compiled(prior.total_variation_gradient)(clipped),
            "laplacian": compiled(lambda g: prior.laplacian_normalize(g, 4))(gradient),
            "gaussian": compiled(lambda g: prior.gaussian_blur(g, 2.0))(gradient),
            "views": compiled(prior.views)(image, transforms),
            "fourier": compiled(steps)(fourier_steps),
        }
        for name, output in outputs.items():
            results[f"{name} {height}x{width}"] = np.stack(ops.convert_to_numpy(output))
    return results


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_prior_computes_the_same_on_every_installed_backend(backend, tmp_path):
    """The prior is written once, in ``keras.ops``: another backend's process (JAX's compiled with
    ``jax.jit``) gives what this one does, the Laplacian pyramid at odd sizes included."""
    import importlib.util
    import inspect
    import os
    import subprocess
    import sys
    import textwrap

    from dreamzoom.backend import NAME

    from .conftest import ROOT

    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (pip install 'dreamzoom[{backend}]')")
    if backend == NAME:
        pytest.skip(f"this process already runs {backend}")
    path = tmp_path / f"{backend}.npz"
    script = textwrap.dedent(inspect.getsource(forward_results))
    script += f"\nnp.savez({str(path)!r}, **forward_results({backend!r}))\n"
    script = "import numpy as np\n" + script
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    here, there = forward_results(NAME), np.load(path)
    assert sorted(there.files) == sorted(here)
    for name, expected in here.items():
        np.testing.assert_allclose(there[name], expected, rtol=0, atol=1e-5, err_msg=name)
