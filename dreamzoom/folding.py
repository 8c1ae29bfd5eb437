"""The network as the dream step runs it: BatchNormalization folded into the convolution before it,
and the weights held in the type the network computes in.

In inference a BatchNormalization after a convolution is a per-channel affine map, so it can be
multiplied into the convolution's kernel and added to its bias: exact up to rounding, and it removes
two element-wise passes over every activation, forward and backward (InceptionV3 has one after each
of its 94 convolutions). Held in the compute type (bfloat16 where the model computes in it), the
weights need no cast at each call. The network a user sees (``dreamzoom layers``, the layer checks)
is left as it was: this is a second, faster copy of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from .backend import keras


@dataclass(frozen=True)
class Folded:
    """The folded network, and the convolutions whose own outputs now include their normalisation
    (a feature extractor for one of those must use the original network)."""

    network: keras.Model
    changed: frozenset[str]


def foldable_pairs(network: keras.Model) -> dict[str, keras.layers.BatchNormalization]:
    """Each convolution (by name) whose only consumer is a BatchNormalization over its channels."""
    consumers: Counter[int] = Counter(id(tensor) for tensor in _flat(network.outputs))
    for layer in network.layers:
        consumers.update(id(tensor) for tensor in _inputs(layer))
    producers = {
        id(layer.output): layer
        for layer in network.layers
        if isinstance(layer, keras.layers.Conv2D)
        and layer.get_config().get("activation") == "linear"
        and layer.data_format == "channels_last"
    }
    pairs = {}
    for layer in network.layers:
        inputs = _inputs(layer)
        if not isinstance(layer, keras.layers.BatchNormalization) or len(inputs) != 1:
            continue
        conv = producers.get(id(inputs[0]))
        if conv is not None and consumers[id(inputs[0])] == 1 and layer.axis in (-1, 3):
            pairs[conv.name] = layer
    return pairs


def fold(network: keras.Model, dtype: str | None = None) -> Folded:
    """A copy of ``network`` with its BatchNormalizations folded into their convolutions, every layer
    computing in, and storing its weights in, ``dtype`` (``None``: each layer's own policy)."""
    pairs = foldable_pairs(network)
    if not pairs and (dtype is None or {weight.dtype for weight in network.weights} <= {dtype}):
        return Folded(network, frozenset())  # nothing to fold or to recast: no copy needed
    norms = {norm.name for norm in pairs.values()}

    def clone(layer: keras.layers.Layer) -> keras.layers.Layer:
        if layer.name in norms:  # a name kept, so that a layer named in a config still exists
            return keras.layers.Activation("linear", name=layer.name, dtype=dtype or layer.dtype_policy)
        settings = layer.get_config() | ({"dtype": dtype} if dtype else {})
        # Every weight is set below: zeros spare drawing random ones (seconds on JAX, per shape).
        settings |= {key: "zeros" for key in settings if key.endswith("_initializer")}
        if layer.name in pairs:
            settings["use_bias"] = True
        return type(layer).from_config(settings)

    def call(layer: keras.layers.Layer, *args: Any, **kwargs: Any) -> Any:
        return layer(*args) if layer.name in norms else layer(*args, **kwargs)

    folded = keras.models.clone_model(network, clone_function=clone, call_function=call)
    for layer in network.layers:
        if layer.name in pairs:
            folded.get_layer(layer.name).set_weights(fold_weights(layer, pairs[layer.name]))
        elif layer.weights and layer.name not in norms:
            folded.get_layer(layer.name).set_weights(layer.get_weights())
    return Folded(folded, frozenset(pairs))


def fold_weights(conv: keras.layers.Conv2D, norm: keras.layers.BatchNormalization) -> list[np.ndarray]:
    """The kernel and bias of ``conv`` followed by ``norm`` (in inference) as one convolution."""
    variance = np.asarray(norm.moving_variance, np.float64)
    scale = 1.0 / np.sqrt(variance + norm.epsilon)
    if norm.gamma is not None:
        scale *= np.asarray(norm.gamma, np.float64)
    shift = -np.asarray(norm.moving_mean, np.float64) * scale
    if norm.beta is not None:
        shift += np.asarray(norm.beta, np.float64)
    kernel = np.asarray(conv.kernel, np.float64) * scale
    bias = shift if conv.bias is None else shift + np.asarray(conv.bias, np.float64) * scale
    return [kernel.astype(np.float32), bias.astype(np.float32)]


def _inputs(layer: keras.layers.Layer) -> list[Any]:
    """The tensors a layer is called on (none for an input layer or one called more than once)."""
    if isinstance(layer, keras.layers.InputLayer) or len(layer._inbound_nodes) != 1:
        return []
    return _flat(layer.input)


def _flat(tensors: Any) -> list[Any]:
    return [t for item in tensors for t in _flat(item)] if isinstance(tensors, (list, tuple)) else [tensors]
