"""Folding: the network that dreams computes what the network a user inspects computes, faster."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import folding, models
from dreamzoom.backend import keras, ops


def outputs(network: keras.Model, layers: tuple[str, ...], images: np.ndarray) -> list[np.ndarray]:
    cut = keras.Model(network.input, [network.get_layer(name).output for name in layers])
    results = cut(images, training=False)
    return [
        ops.convert_to_numpy(ops.cast(out, "float32")) for out in (results if len(layers) > 1 else [results])
    ]


def test_the_bundled_network_folds_every_normalisation_and_computes_the_same(bundled_float32, photo):
    original, folded = bundled_float32.network, bundled_float32.folded
    norms = [layer for layer in original.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(folded.changed) == len(norms) == 50, "one after each convolution up to mixed5"
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in folded.network.layers)
    images = models.preprocess(ops.convert_to_tensor(photo[None]), "inception")
    for want, have in zip(
        outputs(original, ("mixed3", "mixed5"), images),
        outputs(folded.network, ("mixed3", "mixed5"), images),
        strict=True,
    ):
        assert np.abs(have - want).max() < 1e-5 * np.abs(want).max()


def test_a_folded_convolution_asked_for_by_name_is_the_original_one(bundled_float32, photo):
    """``conv2d_5``'s own output (before its normalisation) comes from the unfolded network."""
    images = models.preprocess(ops.convert_to_tensor(photo[None]), "inception")
    want = outputs(bundled_float32.network, ("conv2d_5",), images)[0]
    have = ops.convert_to_numpy(bundled_float32.extractor(("conv2d_5",))(images))[0]
    assert np.array_equal(have, want[0]), "the convolution's output, not its normalised output"
    assert bundled_float32.extractor(("mixed3",)).get_layer("conv2d_5").use_bias, (
        "mixed3 is cut from the fold"
    )


def small_network() -> keras.Model:
    """Three convolutions: one folds (into gamma and beta too), one has a ReLU before its
    normalisation, one's output also feeds another layer; only the first may fold."""
    keras.utils.set_random_seed(1)
    inputs = keras.Input((None, None, 3))
    a = keras.layers.Conv2D(4, 3, padding="same", name="plain")(inputs)
    a = keras.layers.BatchNormalization(name="plain_norm")(a)
    b = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="activated")(a)
    b = keras.layers.BatchNormalization(name="activated_norm")(b)
    c = keras.layers.Conv2D(4, 1, name="shared")(b)
    d = keras.layers.BatchNormalization(name="shared_norm")(c)
    network = keras.Model(inputs, keras.layers.Add(name="sum")([c, d]))
    rng = np.random.default_rng(0)
    for layer in network.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = (rng.uniform(0.5, 2.0, 4).astype(np.float32) for _ in range(4))
            layer.set_weights([gamma, beta - 1.0, mean - 1.0, variance])
    return network


def test_only_a_linear_convolution_feeding_nothing_but_its_normalisation_folds():
    network = small_network()
    assert set(folding.foldable_pairs(network)) == {"plain"}
    folded = folding.fold(network)
    images = np.random.default_rng(2).uniform(-1, 1, (1, 12, 12, 3)).astype(np.float32)
    for name in ("plain_norm", "activated_norm", "sum"):
        want, have = outputs(network, (name,), images)[0], outputs(folded.network, (name,), images)[0]
        assert np.abs(have - want).max() < 1e-5 * np.abs(want).max(), name


@pytest.mark.parametrize("name", ["inception_v3", "squeezenet"])
def test_the_dreaming_network_holds_its_weights_in_the_type_it_computes_in(pinned, name):
    """No layer casts its weights at each step: in bfloat16 they are stored as bfloat16."""
    model = pinned(name, "bfloat16")
    layer = "mixed3" if name == "inception_v3" else "fire5_concat"
    weights = [weight for layer in model.extractor((layer,)).layers for weight in layer.weights]
    assert weights and {weight.dtype for weight in weights} == {"bfloat16"}


def test_a_network_with_nothing_to_fold_or_recast_is_not_copied(squeezenet_float32):
    """SqueezeNet has no normalisations: in float32 it dreams as it is (the novelty judge loads it
    for every render, so a copy would cost each render's start-up)."""
    assert squeezenet_float32.folded.network is squeezenet_float32.network
