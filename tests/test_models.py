"""Networks: the bundled weights, stable layer names, preprocessing, saved models, clear failures."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from dreamzoom import config, models, precision, source
from dreamzoom.backend import keras, ops
from dreamzoom.errors import DreamzoomError

from .conftest import ROOT, SAMPLES, dreamzoom_command, top_class


@pytest.fixture(scope="session")
def random_inception():
    """The full InceptionV3 (mixed0–mixed10) with seeded random weights, built once."""
    return models.load(config.Model(weights="random"))


#: What the reference networks (the Keras models the bundled weights were made from, which only
#: developers have) compute: weight fingerprints and outputs for the inputs below, made by
#: ``scripts/reference_outputs.py`` (which says what each array holds), so that these checks run on
#: any clone.
REFERENCE = ROOT / "tests" / "data" / "reference_outputs.npz"


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE) as arrays:
        return dict(arrays)


def noise_input(low: float, high: float) -> np.ndarray:
    """1×96×96×3 float32 noise from NumPy's legacy generator (its stream never changes):
    ``scripts/reference_outputs.py``'s input, copied."""
    return np.random.RandomState(0).uniform(low, high, (1, 96, 96, 3)).astype(np.float32)


def photo_input(mode: str) -> np.ndarray:
    """The cat's face in ``samples/chelsea.png``, preprocessed exactly as ``scripts/reference_outputs.py``
    does (no resampler involved): ``inception`` 96×96 in [-1, 1], ``caffe`` 224×224 BGR less the means."""
    rgb = np.asarray(Image.open(SAMPLES / "chelsea.png").convert("RGB"), np.int64)
    if mode == "inception":
        crop = rgb[6:294, 40:328].reshape(96, 3, 96, 3, 3).sum(axis=(1, 3))
        return (crop / (9 * 127.5) - 1.0).astype(np.float32)[None]
    crop = rgb[38:262, 90:314, ::-1].astype(np.float64)
    return (crop - np.array([103.939, 116.779, 123.68])).astype(np.float32)[None]


def test_bundled_weights_reproduce_the_reference_model(bundled_float32, reference):
    """At float32 tolerances, so in float32 whatever auto picks here (bfloat16: test_precision.py):
    every weight tensor matches the reference's fingerprint (its sums and 16 of its values), and
    the network's ``mixed5`` output matches the reference's for noise and for a photo."""
    names = [str(name) for name in reference["inception/weight_names"]]
    assert len(names) == 200
    for name, fingerprint in zip(names, reference["inception/weights"], strict=True):
        layer, index = name.rsplit("/", 1)
        mine = bundled_float32.network.get_layer(layer).get_weights()[int(index)].astype(np.float64).ravel()
        size, total, squares, largest = fingerprint[:4]
        atol = 1e-5 * max(1.0, largest)
        assert mine.size == size, name
        probes = np.linspace(0, size - 1, len(fingerprint) - 4).round().astype(np.int64)
        assert np.allclose(mine[probes], fingerprint[4:], rtol=0, atol=atol), name
        assert abs(np.abs(mine).max() - largest) <= atol, name
        assert abs(mine.sum() - total) <= size * atol, name
        assert abs((mine**2).sum() - squares) <= size * atol * 2 * largest + 1e-6 * squares, name
    for image, expected in (
        (noise_input(-1, 1), reference["inception/noise"]),
        (photo_input("inception"), reference["inception/photo"]),
    ):
        got = ops.convert_to_numpy(bundled_float32.network(image))
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() < 1e-3 * np.abs(expected).max()


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
    assert np.allclose(
        ops.convert_to_numpy(models.preprocess(ops.convert_to_tensor(rgb), ours)), expected, atol=1e-4
    )


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
    assert np.allclose(ops.convert_to_numpy(rebuilt(image)), ops.convert_to_numpy(trained(image)), atol=1e-4)
    assert rebuilt(image[:, :160, :200]).shape == (1, 1000), "any frame size"


def test_auto_precision_follows_the_hardware(bundled):
    """On any host, GPU or not: the default model computes in what the decision picks for the
    hardware detected (the decision itself is tested per machine kind in test_precision.py)."""
    expected = precision.choose_precision(precision.detect_hardware())
    assert precision.resolve_precision("auto") == expected
    assert precision.resolve_precision("float32") == "float32"
    assert bundled.precision == expected, "the default model computes in what auto chose"
    assert models.load(config.Model(precision=expected)) is bundled, "auto and its pick share one network"


def test_bundled_squeezenet_classifies_the_sample_cat(squeezenet):
    cat = source.fit(source.read_image(SAMPLES / "chelsea.png"), (224, 224), "cover")
    assert top_class(squeezenet, cat) in (281, 282, 285), "tabby, tiger cat or Egyptian cat"
    assert squeezenet.class_layer == "avgpool10" and squeezenet.preprocess_mode == "caffe"


def test_bundled_squeezenet_matches_its_source(squeezenet_float32, reference):
    """At float32 tolerances, so in float32 whatever auto picks here (bfloat16: test_precision.py):
    its output matches the reference classifier's for noise and for the cat (float16 weights)."""
    for image, expected in (
        (noise_input(-100, 100), reference["squeezenet/noise"]),
        (photo_input("caffe"), reference["squeezenet/photo"]),
    ):
        got = ops.convert_to_numpy(squeezenet_float32.network(image))
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() < 1e-2 * np.abs(expected).max()
    assert int(np.argmax(reference["squeezenet/photo"])) in (281, 282, 285), "the reference sees a cat"


def test_a_network_without_a_classifier_gets_squeezenet_beside_it(pinned):
    """The bundled InceptionV3 ends at mixed5: where a render raises classes, the bundled SqueezeNet
    sees the same images and scores them, its layers named ``beside:…``, and one call runs both."""
    from .conftest import sample

    alone = models.load(config.Model(precision="float32"))
    paired = models.load(config.Model(precision="float32"), classify=True)
    squeezenet = pinned("squeezenet", "float32")
    assert alone.class_layer is None and paired.class_layer == "beside:avgpool10"
    # The same InceptionV3 (its features below are alone's), if not always the same object: the model
    # cache may have built the pair around an earlier copy it has evicted since.
    assert paired.network.name == alone.network.name and "SqueezeNet" in paired.label
    assert paired.depth("beside:avgpool10") == 1000 and paired.depth("mixed3") == 768
    cat = sample("chelsea.png", 128)
    np.testing.assert_allclose(
        paired.features(cat, "beside:avgpool10"), squeezenet.features(cat, "avgpool10"), rtol=1e-5, atol=1e-4
    )
    mixed3, scores = paired.outputs(ops.convert_to_tensor(cat[None]), ("mixed3", "beside:avgpool10"))
    np.testing.assert_allclose(
        ops.convert_to_numpy(mixed3)[0], alone.features(cat, "mixed3"), rtol=1e-5, atol=1e-4
    )
    assert classes_seen(ops.convert_to_numpy(scores)) == top_class(squeezenet, cat)
    assert paired.min_size(("mixed5", "beside:avgpool10")) == alone.min_size(("mixed5",))
    # A frame larger than ImageNet's crops is seen shrunk to 224 px on its shorter side, whole.
    big = np.repeat(np.repeat(sample("chelsea.png", 224), 2, axis=0), 3, axis=1)  # 448 × 672
    shrunk = ops.convert_to_numpy(ops.image.resize(big[None], (224, 336), antialias=True))[0]
    np.testing.assert_allclose(
        paired.features(big, "beside:avgpool10"),
        squeezenet.features(shrunk, "avgpool10"),
        rtol=1e-4,
        atol=1e-3,
    )
    own = models.load(config.Model(name="squeezenet", precision="float32"), classify=True)
    assert own.beside is None and own.class_layer == "avgpool10", "a classifier needs none beside it"
    refused = models.load(config.Model(precision="float32", classifier="own"), classify=True)
    with pytest.raises(DreamzoomError, match=r"^dream\.explore\.classes: InceptionV3 .* has no classifier"):
        refused.require_classifier("dream.explore.classes")


def classes_seen(scores: np.ndarray) -> int:
    """The top class of a classifier's scores for one image (averaged over any positions)."""
    return int(np.argmax(scores.reshape(-1, scores.shape[-1]).mean(axis=0)))


def crops(images, seed: list[int]) -> np.ndarray:
    """The crops the classifier beside a dreaming network sees of ``images`` at ``seed``."""
    from dreamzoom import framing

    seed = np.array(seed, np.int32)
    drawn = framing.crops(images, seed, models.BESIDE_VIEWS, models.BESIDE_CROP, models.BESIDE_SIDE)
    return ops.convert_to_numpy(drawn)


def test_the_classifier_beside_sees_seeded_square_crops_of_each_view():
    """Four crops of each image, the same for the same seed: square windows of 60–100 % of the
    shorter side, resized to 224 px (on a horizontal ramp, a crop's left-to-right span is its width
    as a share of the frame's)."""
    height, width = 300, 400
    ramp = np.broadcast_to(np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None], (height, width, 3))
    images = ops.convert_to_tensor(np.stack([ramp, 1.0 - ramp]))
    seen = crops(images, [1, 2])
    assert seen.shape == (2 * models.BESIDE_VIEWS, 224, 224, 3)
    np.testing.assert_array_equal(seen, crops(images, [1, 2]))
    assert not np.allclose(seen, crops(images, [1, 3]))
    spans = np.abs(seen[:, 112, -1, 0] - seen[:, 112, 0, 0]) * (width - 1) / width
    low, high = models.BESIDE_CROP * height / width, height / width
    assert np.all((spans > low - 0.01) & (spans < high + 0.01)), spans
    assert np.ptp(seen[:, :, 112, 0], axis=1).max() < 1e-5, "a square window: each column is constant"
    assert np.all(seen[models.BESIDE_VIEWS :, 112, 0, 0] > seen[models.BESIDE_VIEWS :, 112, -1, 0]), (
        "image 2's"
    )


def test_crops_sample_as_crop_and_resize_and_carry_the_gradient_back_exactly():
    """Windows of odd-sized images (one whole, one at the bottom-right edge, narrow and wide ones):
    on TensorFlow the same pixels as its ``crop_and_resize`` to float32 rounding (measured: 1.8e-7);
    on any backend, the gradient reaching the images is the float64 sum of each sample's bilinear
    weights times the gradient arriving there (measured: 3e-6, of values up to 20; 1.2e-4 on JAX, whose
    compiler divides by a known number as a product with its rounded reciprocal, which moves some
    samples by a rounding error)."""
    from dreamzoom import autodiff, framing

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (4, 61, 87, 3)).astype(np.float32)
    start = np.array([[0.1, 0.2], [0.0, 0.0], [0.3, 0.05], [0.2, 0.45]], np.float32)
    stop = np.minimum(start + np.array([[0.7, 0.5], [1.0, 1.0], [0.6, 0.6], [0.8, 0.55]], np.float32), 1.0)
    seen = ops.convert_to_numpy(framing.windows(images, start, stop, 224))
    assert seen.shape == (4, 224, 224, 3)
    np.testing.assert_allclose(seen[1, 0, 0], images[1, 0, 0], atol=1e-6)  # the whole image's corners
    np.testing.assert_allclose(seen[1, -1, -1], images[1, -1, -1], atol=1e-6)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        boxes = np.concatenate([start, stop], axis=1)
        expected = tf.image.crop_and_resize(images, boxes, np.arange(4), (224, 224)).numpy()
        np.testing.assert_allclose(seen, expected, atol=1e-6)
    arriving = rng.standard_normal((4, 224, 224, 3)).astype(np.float32)
    upstream = ops.convert_to_tensor(arriving)
    gradient = autodiff.grad(lambda x: ops.sum(framing.windows(x, start, stop, 224) * upstream))
    exact = np.stack(
        [
            np.einsum("sh,stc,tw->hwc", rows, arriving[i].astype(np.float64), columns, optimize=True)
            for i, (rows, columns) in enumerate(
                zip(*bilinear_weights(start, stop, images.shape), strict=True)
            )
        ]
    )
    tolerance = 4e-4 if keras.backend.backend() == "jax" else 2e-5
    have = ops.convert_to_numpy(gradient(ops.convert_to_tensor(images)))
    np.testing.assert_allclose(have, exact, atol=tolerance)


def bilinear_weights(start: np.ndarray, stop: np.ndarray, shape: tuple[int, ...]) -> tuple[list, list]:
    """Each window's row and column weights in float64, placed as ``crop_and_resize`` places its
    samples (positions in float32, as it computes them)."""

    def weights(begin: float, end: float, length: int) -> np.ndarray:
        last = np.float32(length - 1)
        spacing = np.float32((np.float32(end) - np.float32(begin)) * last) / np.float32(223)
        where = np.float32(begin) * last + np.arange(224, dtype=np.float32) * spacing
        return np.maximum(0.0, 1.0 - np.abs(where[:, None].astype(np.float64) - np.arange(length)))

    rows = [weights(a, b, shape[1]) for a, b in zip(start[:, 0], stop[:, 0], strict=True)]
    columns = [weights(a, b, shape[2]) for a, b in zip(start[:, 1], stop[:, 1], strict=True)]
    return rows, columns
