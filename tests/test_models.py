"""Networks: the bundled weights, stable layer names, preprocessing, saved models, clear failures."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dreamzoom import config, models, source
from dreamzoom.backend import keras, tf
from dreamzoom.errors import DreamzoomError

from .conftest import ROOT, dreamzoom_command, top_class


@pytest.fixture(scope="session")
def random_inception():
    """The full InceptionV3 (mixed0–mixed10) with seeded random weights, built once."""
    return models.load(config.Model(weights="random"))


def test_bundled_weights_reproduce_the_reference_model(bundled_float32, shared_models):
    """At float32 tolerances, so in float32 whatever auto picks here (bfloat16: test_precision.py)."""
    reference = keras.models.load_model(shared_models / "inception_v3_mixed5.keras", compile=False)
    compared = 0
    for layer in reference.layers:
        ours = bundled_float32.network.get_layer(layer.name)
        for theirs, mine in zip(layer.get_weights(), ours.get_weights(), strict=True):
            assert mine.shape == theirs.shape
            assert np.allclose(mine, theirs, rtol=0, atol=1e-5 * max(1.0, np.abs(theirs).max())), layer.name
            compared += 1
    assert compared == 200
    image = np.random.default_rng(0).uniform(-1, 1, (1, 96, 96, 3)).astype(np.float32)
    expected = reference(image).numpy()
    assert np.abs(bundled_float32.network(image).numpy() - expected).max() < 1e-3 * np.abs(expected).max()


def test_bundled_model_offers_mixed0_to_mixed5_and_explains_deeper_layers(bundled):
    assert {f"mixed{i}" for i in range(6)} <= set(bundled.dreamable)
    assert bundled.dreamable[-1] == "mixed5"
    with pytest.raises(DreamzoomError) as caught:
        bundled.check_layer("mixed7", "dream.layers.mixed7")
    message = str(caught.value)
    assert message.startswith("dream.layers.mixed7:") and "model.weights: imagenet" in message
    with pytest.raises(DreamzoomError, match="did you mean 'mixed3'"):
        bundled.check_layer("mixd3", "dream.layers.mixd3")


def test_layer_names_are_the_same_however_many_networks_a_session_builds(bundled, random_inception):
    assert random_inception.dreamable[:4] == ("conv2d", "batch_normalization", "activation", "conv2d_1")
    assert "mixed10" in random_inception.dreamable and "conv2d_93" in random_inception.dreamable
    assert set(bundled.dreamable) <= set(random_inception.dreamable)
    # The same name means the same place in the graph: equal output shapes for every shared layer.
    some = ("conv2d_5", "activation_20", "mixed2")
    assert bundled.output_shapes(some, (160, 160)) == random_inception.output_shapes(some, (160, 160))


@pytest.mark.parametrize(
    ("ours", "keras_mode"), [("inception", "tf"), ("caffe", "caffe"), ("torch", "torch")]
)
def test_preprocessing_matches_keras(ours, keras_mode):
    rgb = np.random.default_rng(0).uniform(0, 1, (2, 5, 7, 3)).astype(np.float32)
    expected = keras.applications.imagenet_utils.preprocess_input(rgb * 255.0, mode=keras_mode)
    assert np.allclose(models.preprocess(tf.constant(rgb), ours).numpy(), expected, atol=1e-4)


def test_min_size_is_where_the_deepest_layer_still_has_a_pixel(bundled):
    layers = ("mixed3", "mixed5")
    smallest = bundled.min_size(layers)
    assert bundled.output_shapes(layers, (smallest, smallest))[1][:2] == (1, 1)
    with pytest.raises(ValueError):
        bundled.output_shapes(layers, (smallest - 1, smallest - 1))
    assert bundled.min_size(("mixed0",)) < smallest


def tiny_model(input_shape=(None, None, 3)) -> keras.Model:
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(8, 3, activation="relu", name="early")(inputs)
    x = keras.layers.Conv2D(16, 3, strides=2, activation="relu", name="late")(x)
    return keras.Model(inputs, x)


def test_any_saved_keras_model_can_be_dreamed_with(tmp_path):
    path = tmp_path / "tiny.keras"
    tiny_model().save(path)
    model = models.load(config.Model(path=path, preprocess="unit"))
    assert model.dreamable == ("early", "late")
    assert model.preprocess_mode == "unit"
    assert model.output_shapes(("late",), (64, 32)) == [(14, 30, 16)]
    assert model.precision == "float32", "a saved model computes in the dtype it was saved with"


def test_unusable_saved_models_are_one_line_errors(tmp_path):
    fixed = tmp_path / "fixed.keras"
    tiny_model((224, 224, 3)).save(fixed)
    with pytest.raises(DreamzoomError, match=r"model.path: fixed.keras takes fixed 224×224 images"):
        models.load(config.Model(path=fixed))
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"this is no zip file")
    with pytest.raises(DreamzoomError, match=r"model.path: cannot load .*junk.keras as a Keras model"):
        models.load(config.Model(path=junk))


def test_weights_file_for_the_architecture(tmp_path, random_inception):
    path = tmp_path / "mine.weights.h5"
    random_inception.network.save_weights(path)
    loaded = models.load(config.Model(weights=path))
    layer = "conv2d_50"
    for theirs, mine in zip(
        random_inception.network.get_layer(layer).get_weights(),
        loaded.network.get_layer(layer).get_weights(),
        strict=True,
    ):
        assert np.array_equal(theirs, mine)
    junk = tmp_path / "junk.weights.h5"
    junk.write_bytes(b"nope")
    with pytest.raises(DreamzoomError, match=r"model.weights: cannot load .*junk.weights.h5"):
        models.load(config.Model(weights=junk))


def test_imagenet_weights_offline_give_one_line_naming_the_ways_out(tmp_path):
    """A real download attempt through a proxy that refuses connections (so it fails everywhere)."""
    file = tmp_path / "imagenet.yaml"
    file.write_text("size: [96, 96]\nmodel: {weights: imagenet}\n")
    closed = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "KERAS_HOME": str(tmp_path / "keras"),
        "HTTPS_PROXY": closed,
        "HTTP_PROXY": closed,
        "https_proxy": closed,
        "http_proxy": closed,
    }
    result = dreamzoom_command("validate", str(file), env=env, cwd=ROOT)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dreamzoom: error: model.weights: could not download")
    assert "bundled" in lines[0] and "model.path" in lines[0]


def test_the_classifier_is_rebuilt_for_any_frame_size_with_the_trained_weights(tmp_path):
    trained = keras.applications.InceptionV3(include_top=True, weights=None, classifier_activation=None)
    path = tmp_path / "top.weights.h5"
    trained.save_weights(path)
    rebuilt = models.inception_with_classifier(str(path))
    image = np.random.default_rng(0).uniform(-1, 1, (1, 299, 299, 3)).astype(np.float32)
    assert np.allclose(np.asarray(rebuilt(image)), np.asarray(trained(image)), atol=1e-4)
    assert rebuilt(image[:, :160, :200]).shape == (1, 1000), "any frame size"


def test_auto_precision_follows_the_hardware(bundled):
    """On any host, GPU or not: the default model computes in what the decision picks for the
    hardware detected (the decision itself is tested per machine kind in test_precision.py)."""
    expected = models.choose_precision(models.detect_hardware())
    assert models.resolve_precision("auto") == expected
    assert models.resolve_precision("float32") == "float32"
    assert bundled.precision == expected, "the default model computes in what auto chose"
    assert models.load(config.Model(precision=expected)) is bundled, "auto and its pick share one network"


def test_bundled_squeezenet_classifies_the_sample_cat(squeezenet):
    cat = source.fit(source.read_image(ROOT / "samples" / "chelsea.png"), (224, 224), "cover")
    assert top_class(squeezenet, cat) in (281, 282, 285), "tabby, tiger cat or Egyptian cat"
    assert squeezenet.class_layer == "avgpool10" and squeezenet.preprocess_mode == "caffe"


def test_bundled_squeezenet_matches_its_source(squeezenet_float32, shared_models):
    """At float32 tolerances, so in float32 whatever auto picks here (bfloat16: test_precision.py)."""
    reference = keras.models.load_model(shared_models / "squeezenet_imagenet.keras", compile=False)
    image = np.random.default_rng(0).uniform(-100, 100, (1, 96, 96, 3)).astype(np.float32)
    expected = np.asarray(reference(image))
    got = np.asarray(squeezenet_float32.network(image))
    assert np.abs(got - expected).max() < 1e-2 * np.abs(expected).max()
