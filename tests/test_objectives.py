"""Objectives beyond layers: channels, classes and guides, each raising what it names."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import classes, objectives, source
from dreamzoom.dream import Dreamer, Params

from .conftest import ROOT, smooth_noise, top_class, visualise

#: A prior that smooths the gradient without several views (the `object` preset's pictures are made
#: for other networks to recognise; tests/test_prior.py judges those).
SMOOTH = {"preset": "none", "gradient": "laplacian", "levels": 4, "scale": 0.1, "rotate": 10, "tv": 0.2}


@pytest.mark.parametrize(("name", "index"), [("banana", 954), ("goldfish", 1)])
def test_class_visualisation_from_noise_reaches_top_1(squeezenet, name, index):
    assert classes.index_of(name, "class") == index
    assert top_class(squeezenet, smooth_noise()) != index
    assert top_class(squeezenet, visualise(squeezenet, index, SMOOTH, steps=80)) == index


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


def test_a_weight_variable_is_read_each_time_the_objective_is():
    """A scheduled weight is a variable the compiled step reads: assigning it changes the objective
    then, inside and outside ``tf.function``."""
    from dreamzoom.backend import tf

    features = {"mixed3": tf.ones((1, 4, 4, 2)), "mixed5": 2 * tf.ones((1, 4, 4, 2))}
    weight, other = tf.Variable(1.0, trainable=False), tf.Variable(0.0, trainable=False)
    weighted = objectives.layer("mixed3") * weight + objectives.layer("mixed5") * other
    compiled = tf.function(lambda: weighted(features))
    assert float(weighted(features)) == float(compiled()) == 1.0
    weight.assign(0.0)
    other.assign(1.0)
    assert float(weighted(features)) == float(compiled()) == 4.0
    assert "scheduled × mixed3" in weighted.description
