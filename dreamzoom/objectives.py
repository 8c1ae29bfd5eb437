"""What a dream maximises: small functions of layer activations that add and scale like numbers.

Modelled on lucid's objectives: an :class:`Objective` knows which layers it reads and how to turn
their activations into one scalar, and ``0.5 * layer("mixed3") + layer("mixed5")`` is an objective
too. The dream step only ever sees the sum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from .backend import tf

Features = Mapping[str, tf.Tensor]


@dataclass(frozen=True)
class Objective:
    """A scalar to maximise, computed from the activations of ``layers`` (batch first)."""

    layers: tuple[str, ...]
    function: Callable[[Features], tf.Tensor]
    description: str

    def __call__(self, features: Features) -> tf.Tensor:
        return self.function(features)

    def __add__(self, other: Objective) -> Objective:
        layers = self.layers + tuple(name for name in other.layers if name not in self.layers)
        return Objective(layers, lambda f: self(f) + other(f), f"{self.description} + {other.description}")

    def __mul__(self, weight: float | tf.Variable) -> Objective:
        """The objective times ``weight``: a number, or a variable read each time the objective is
        (so a scheduled weight can change every frame without re-tracing the compiled step).

        Write ``objective * variable``, not ``variable * objective``: TensorFlow's own operator
        takes the variable's value at that moment and hands this class a constant, frozen for ever.
        """
        label = "scheduled" if isinstance(weight, tf.Variable) else f"{weight:g}"
        return Objective(self.layers, lambda f: self(f) * weight, f"{label} × {self.description}")

    __rmul__ = __mul__


def layer(name: str) -> Objective:
    """ "More of whatever the layer sees": the mean squared activation of ``name``.

    This is the original DeepDream objective (Mordvintsev et al. 2015; lucid's ``deepdream``): its
    gradient is the activation itself, so whatever the layer already responds to is amplified.
    """
    return Objective((name,), lambda f: tf.reduce_mean(tf.square(tf.cast(f[name], tf.float32))), name)


def channel(name: str, channels: list[int]) -> Objective:
    """Some feature maps of a layer: their mean activation (lucid's ``channel``)."""
    index = tf.constant(channels, tf.int32)

    def mean_of_channels(f: Features) -> tf.Tensor:
        return tf.reduce_mean(tf.gather(tf.cast(f[name], tf.float32), index, axis=-1))

    return Objective((name,), mean_of_channels, f"{name}:{','.join(map(str, channels))}")


def weighted_channels(name: str, weights: tf.Variable) -> Objective:
    """Channels of a layer raised as DeepDream raises the layer (their squared activations, so what
    already looks a little like them grows), each by its weight in ``weights`` (one per channel).

    The weights are a variable the compiled step reads, so exploration can move them every frame
    without re-tracing; with weights that sum to 1 the scale is that of :func:`layer`'s mean."""

    def weighted(f: Features) -> tf.Tensor:
        squared = tf.square(tf.cast(f[name], tf.float32))
        return tf.reduce_sum(tf.reduce_mean(squared, axis=[0, 1, 2]) * weights)

    return Objective((name,), weighted, f"{name} (explored channels)")


def weighted_classes(layer_name: str, weights: tf.Variable) -> Objective:
    """Class scores before softmax at ``layer_name`` (averaged over any spatial positions), each
    by its weight in ``weights`` (one per class): exploration's things, moved every frame without
    re-tracing as :func:`weighted_channels`' weights are."""

    def weighted(f: Features) -> tf.Tensor:
        scores = tf.cast(f[layer_name], tf.float32)
        return tf.reduce_sum(tf.reduce_mean(scores, axis=list(range(len(scores.shape) - 1))) * weights)

    return Objective((layer_name,), weighted, f"{layer_name} (explored things)")


def class_score(layer_name: str, index: int, label: str) -> Objective:
    """One class's score before softmax at ``layer_name`` (averaged over any spatial positions)."""

    def score(f: Features) -> tf.Tensor:
        scores = tf.cast(f[layer_name], tf.float32)
        spatial = list(range(1, len(scores.shape) - 1))
        return (
            tf.reduce_mean(tf.reduce_mean(scores, axis=spatial)[..., index])
            if spatial
            else tf.reduce_mean(scores[..., index])
        )

    return Objective((layer_name,), score, f"class {index} ({label})")


def guide(name: str, guide_features: np.ndarray, label: str) -> Objective:
    """Pull every position's features toward their best match in a guide image.

    The original DeepDream notebook's guide: each position of the frame's ``name`` activations is
    paired with the guide position it agrees with most, and the objective rewards agreement with
    that partner. Agreement is measured as cosine similarity, not the notebook's raw dot product,
    so the frame's features turn toward the guide's instead of merely growing louder.
    """
    flat_guide = guide_features.reshape(-1, guide_features.shape[-1])
    guides = tf.constant(flat_guide / (np.linalg.norm(flat_guide, axis=1, keepdims=True) + 1e-6), tf.float32)

    def agreement(f: Features) -> tf.Tensor:
        features = tf.cast(f[name], tf.float32)
        flat = tf.reshape(features, (-1, features.shape[-1]))
        flat = flat / (tf.norm(flat, axis=1, keepdims=True) + 1e-6)
        partners = tf.gather(guides, tf.argmax(tf.matmul(flat, guides, transpose_b=True), axis=1))
        return tf.reduce_mean(tf.reduce_sum(flat * tf.stop_gradient(partners), axis=1))

    return Objective((name,), agreement, f"guide {label} at {name}")


def total(objectives: Iterable[Objective]) -> Objective:
    """The sum of several objectives."""
    terms = list(objectives)
    if not terms:
        raise ValueError("an objective needs at least one term")
    result = terms[0]
    for term in terms[1:]:
        result = result + term
    return result
