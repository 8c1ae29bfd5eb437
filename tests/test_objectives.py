"""Objectives beyond layers (channels, classes, guides), the natural-image prior, and tiling."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from dreamzoom import classes, config, models, objectives, source
from dreamzoom.backend import tf
from dreamzoom.config import PRIOR_PRESETS, PriorSettings
from dreamzoom.dream import Dreamer, Params, tile_spans
from dreamzoom.errors import DreamzoomError

from .conftest import ROOT, SAMPLE_PHOTO


@pytest.fixture(scope="session")
def squeezenet():
    """The bundled SqueezeNet classifier, built once."""
    return models.load(config.Model(name="squeezenet"))


def top_class(model, frame: np.ndarray) -> int:
    scores = model.network(models.preprocess(tf.constant(frame[None]), model.preprocess_mode))
    return int(np.argmax(np.asarray(scores)[0]))


def high_frequency(frame: np.ndarray) -> float:
    """Mean absolute Laplacian: the energy of pixel-scale detail."""
    return float(np.abs(cv2.Laplacian(frame, cv2.CV_32F)).mean())


def noise(size: int = 128, seed: int = 0) -> np.ndarray:
    return source.noise(
        config.Noise(kind="smooth", std=0.1, scale=24), (size, size), np.random.default_rng(seed)
    )


def visualise(model, index: int, prior: str, seed: int = 0) -> np.ndarray:
    dreamer = Dreamer(
        model,
        objectives.class_score(model.class_layer, index, classes.name(index)),
        config.Prior(preset=prior).settings(has_class=True),
    )
    frame, _ = dreamer.dream(noise(seed=seed), Params(40, 0.008, 3, 1.4, 8), np.random.default_rng(seed))
    return frame


def test_bundled_squeezenet_classifies_the_sample_cat(squeezenet):
    cat = source.fit(source.read_image(ROOT / "samples" / "chelsea.png"), (224, 224), "cover")
    assert top_class(squeezenet, cat) in (281, 282, 285), "tabby, tiger cat or Egyptian cat"
    assert squeezenet.class_layer == "avgpool10" and squeezenet.preprocess_mode == "caffe"


def test_bundled_squeezenet_matches_its_source(squeezenet_float32, shared_models):
    """At float32 tolerances, so in float32 whatever auto picks here (bfloat16: test_precision.py)."""
    from dreamzoom.backend import keras

    reference = keras.models.load_model(shared_models / "squeezenet_imagenet.keras", compile=False)
    image = np.random.default_rng(0).uniform(-100, 100, (1, 96, 96, 3)).astype(np.float32)
    expected = np.asarray(reference(image))
    got = np.asarray(squeezenet_float32.network(image))
    assert np.abs(got - expected).max() < 1e-2 * np.abs(expected).max()


@pytest.mark.parametrize(("name", "index"), [("banana", 954), ("goldfish", 1)])
def test_class_visualisation_from_noise_reaches_top_1(squeezenet, name, index):
    assert classes.index_of(name, "class") == index
    assert top_class(squeezenet, noise()) != index
    assert top_class(squeezenet, visualise(squeezenet, index, "auto")) == index


def test_the_prior_removes_most_high_frequency_energy(squeezenet):
    plain = visualise(squeezenet, 954, "none")
    with_prior = visualise(squeezenet, 954, "auto")
    assert high_frequency(with_prior) < 0.4 * high_frequency(plain)


def test_a_channel_objective_raises_its_channel_more_than_the_others(bundled, photo):
    chosen = 97
    dreamer = Dreamer(bundled, objectives.channel("mixed4", [chosen]))
    dreamed, _ = dreamer.dream(photo, Params(10, 0.01, 1, 1.4, 8), np.random.default_rng(0))
    before = bundled.features(photo, "mixed4").mean(axis=(0, 1))
    after = bundled.features(dreamed, "mixed4").mean(axis=(0, 1))
    gain = after - before
    assert gain.argmax() == chosen
    assert gain[chosen] > 1.3 * np.sort(gain)[-2], "ahead of the runner-up"
    assert gain[chosen] > 10 * np.median(np.abs(gain)), "far ahead of a typical channel"


def test_tiled_and_untiled_gradients_agree(bundled):
    frame = source.fit(source.read_image(SAMPLE_PHOTO), (200, 160), "cover")
    objective = objectives.layer("mixed3") + objectives.layer("mixed5")
    whole = Dreamer(bundled, objective, tile_size=0)
    tiled = Dreamer(bundled, objective, tile_size=100)
    assert tile_spans(200, 100, 32) == [(0, 96), (96, 200)] and len(tile_spans(160, 100, 32)) == 2
    g_whole, _ = whole.gradient(tf.constant(frame))
    g_tiled, _ = tiled.gradient(tf.constant(frame))
    a, b = np.asarray(g_whole).ravel(), np.asarray(g_tiled).ravel()
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert cosine > 0.99
    step_whole, _ = whole.ascend(frame, 1, 0.01, 0, np.random.default_rng(0))
    step_tiled, _ = tiled.ascend(frame, 1, 0.01, 0, np.random.default_rng(0))
    assert np.abs(step_whole - step_tiled).mean() < 0.25 * np.abs(step_whole - frame).mean()


def test_tiled_gradients_agree_through_the_priors_scaled_and_turned_view(bundled):
    frame = source.fit(source.read_image(SAMPLE_PHOTO), (200, 160), "cover")
    objective = objectives.layer("mixed3") + objectives.layer("mixed5")
    prior = PRIOR_PRESETS["dream"]
    whole = Dreamer(bundled, objective, prior, tile_size=0)
    tiled = Dreamer(bundled, objective, prior, tile_size=100)
    g_whole, _ = whole.gradient(tf.constant(frame), 1.1, math.radians(10))
    g_tiled, _ = tiled.gradient(tf.constant(frame), 1.1, math.radians(10))
    a, b = np.asarray(g_whole).ravel(), np.asarray(g_tiled).ravel()
    assert float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))) > 0.99  # each tile turned alone: 0.36


def test_a_guide_image_pulls_features_toward_its_own(bundled, photo):
    guide_picture = source.fit(source.read_image(ROOT / "samples" / "chelsea.png"), (128, 128), "cover")
    guide_features = bundled.features(guide_picture, "mixed3")

    def resemblance(frame: np.ndarray) -> float:
        """Mean, over the frame's positions, of the best cosine similarity to any guide position."""
        mine = bundled.features(frame, "mixed3").reshape(-1, guide_features.shape[-1])
        theirs = guide_features.reshape(-1, guide_features.shape[-1])
        mine = mine / (np.linalg.norm(mine, axis=1, keepdims=True) + 1e-6)
        theirs = theirs / (np.linalg.norm(theirs, axis=1, keepdims=True) + 1e-6)
        return float((mine @ theirs.T).max(axis=1).mean())

    params = Params(12, 0.01, 1, 1.4, 8)
    guided, _ = Dreamer(bundled, objectives.guide("mixed3", guide_features, "cat")).dream(
        photo, params, np.random.default_rng(0)
    )
    plain, _ = Dreamer(bundled, objectives.layer("mixed3")).dream(photo, params, np.random.default_rng(0))
    assert resemblance(guided) > resemblance(photo) + 0.04
    assert resemblance(plain) < resemblance(photo), "a plain dream drifts away from the guide"


def test_class_names_ship_with_the_package():
    assert len(classes.synonyms()) == 1000
    assert classes.name(954) == "banana" and classes.name(967) == "espresso"
    assert classes.index_of(954, "k") == 954 and classes.index_of("Egyptian cat", "k") == 285
    assert (285, "Egyptian cat") in classes.search("egyptian")
    with pytest.raises(
        DreamzoomError,
        match=r"^dream.objectives.0.class: no ImageNet class is called 'bananna' \(did you mean 'banana'",
    ):
        classes.index_of("bananna", "dream.objectives.0.class")
    with pytest.raises(DreamzoomError, match="outside 0–999"):
        classes.index_of(1000, "k")


def test_prior_presets_and_overrides():
    assert config.Prior().settings(has_class=False) == PRIOR_PRESETS["dream"]
    assert config.Prior().settings(has_class=True) == PRIOR_PRESETS["object"]
    assert config.load({"dream": {"prior": "none"}}).dream.prior.settings(True) == PRIOR_PRESETS["none"]
    tuned = config.load({"dream": {"prior": {"preset": "object", "tv": 0.5}}}).dream.prior.settings(False)
    assert tuned.tv == 0.5 and tuned.gradient == "laplacian"


def test_a_wide_gaussian_prior_leaves_out_octaves_narrower_than_its_kernel(bundled):
    dreamer = Dreamer(bundled, objectives.layer("conv2d"), PriorSettings(gradient="gaussian", sigma=8.0))
    assert bundled.min_size(("conv2d",)) < 21 == dreamer.min_side  # the kernel's radius is 20 px
    frame = np.random.default_rng(0).uniform(0.3, 0.7, (64, 64, 3)).astype(np.float32)
    dreamed, value = dreamer.dream(frame, Params(1, 0.01, 4, 2.0, 0), np.random.default_rng(0))
    assert dreamed.shape == frame.shape and np.isfinite(value) and not np.array_equal(dreamed, frame)
