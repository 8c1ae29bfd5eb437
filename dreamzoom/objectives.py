"""What a dream maximises: small functions of layer activations that add and scale like numbers.

Modelled on lucid's objectives: an :class:`Objective` knows which layers it reads and how to turn
their activations into one scalar, and ``0.5 * layer("mixed3") + layer("mixed5")`` is an objective
too. The dream step only ever sees the sum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from .backend import Tensor, keras, ops

Features = Mapping[str, Tensor]


@dataclass(frozen=True)
class Objective:
    """A scalar to maximise, computed from the activations of ``layers`` (batch first).

    ``variables``: the Keras variables it reads (scheduled weights, exploration's weights), which
    change between steps; the compiled step names them as its state (``autodiff.compile``)."""

    layers: tuple[str, ...]
    function: Callable[[Features], Tensor]
    description: str
    variables: tuple[keras.Variable, ...] = ()

    def __call__(self, features: Features) -> Tensor:
        return self.function(features)

    def __add__(self, other: Objective) -> Objective:
        layers = self.layers + tuple(name for name in other.layers if name not in self.layers)
        variables = _joined(self.variables, other.variables)
        description = f"{self.description} + {other.description}"
        return Objective(layers, lambda f: self(f) + other(f), description, variables)

    def __mul__(self, weight: float | keras.Variable) -> Objective:
        """The objective times ``weight``: a number, or a variable read each time the objective is
        (so a scheduled weight can change every frame without re-tracing the compiled step).

        Write ``objective * variable``, not ``variable * objective``: the variable's own operator
        takes its value at that moment and hands this class a constant, frozen for ever.
        """
        if isinstance(weight, keras.Variable):
            variable = weight
            times = f"scheduled × {self.description}"
            variables = _joined(self.variables, (variable,))
            return Objective(self.layers, lambda f: self(f) * variable.value, times, variables)
        return Objective(
            self.layers, lambda f: self(f) * weight, f"{weight:g} × {self.description}", self.variables
        )

    __rmul__ = __mul__


def layer(name: str) -> Objective:
    """ "More of whatever the layer sees": the mean squared activation of ``name``.

    This is the original DeepDream objective (Mordvintsev et al. 2015; lucid's ``deepdream``): its
    gradient is the activation itself, so whatever the layer already responds to is amplified.
    """
    return Objective((name,), lambda f: ops.mean(ops.square(ops.cast(f[name], "float32"))), name)


def channel(name: str, channels: list[int]) -> Objective:
    """Some feature maps of a layer: their mean activation (lucid's ``channel``)."""
    index = np.asarray(channels, np.int32)

    def mean_of_channels(f: Features) -> Tensor:
        return ops.mean(ops.take(ops.cast(f[name], "float32"), index, axis=-1))

    return Objective((name,), mean_of_channels, f"{name}:{','.join(map(str, channels))}")


def weighted_channels(name: str, weights: keras.Variable) -> Objective:
    """Channels of a layer raised as DeepDream raises the layer (their squared activations, so what
    already looks a little like them grows), each by its weight in ``weights`` (one per channel).

    The weights are a variable the compiled step reads, so exploration can move them every frame
    without re-tracing; with weights that sum to 1 the scale is that of :func:`layer`'s mean."""

    def weighted(f: Features) -> Tensor:
        squared = ops.square(ops.cast(f[name], "float32"))
        return ops.sum(ops.mean(squared, axis=[0, 1, 2]) * weights.value)

    return Objective((name,), weighted, f"{name} (explored channels)", (weights,))


def weighted_classes(layer_name: str, weights: keras.Variable) -> Objective:
    """Class scores before softmax at ``layer_name`` (averaged over any spatial positions), each
    by its weight in ``weights`` (one per class): exploration's things, moved every frame without
    re-tracing as :func:`weighted_channels`' weights are."""

    def weighted(f: Features) -> Tensor:
        scores = ops.cast(f[layer_name], "float32")
        return ops.sum(ops.mean(scores, axis=list(range(len(scores.shape) - 1))) * weights.value)

    return Objective((layer_name,), weighted, f"{layer_name} (explored things)", (weights,))


def class_score(layer_name: str, index: int, label: str) -> Objective:
    """One class's score before softmax at ``layer_name`` (averaged over any spatial positions)."""

    def score(f: Features) -> Tensor:
        scores = ops.cast(f[layer_name], "float32")
        spatial = list(range(1, len(scores.shape) - 1))
        return (
            ops.mean(ops.mean(scores, axis=spatial)[..., index]) if spatial else ops.mean(scores[..., index])
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
    guides = (flat_guide / (np.linalg.norm(flat_guide, axis=1, keepdims=True) + 1e-6)).astype(np.float32)

    def agreement(f: Features) -> Tensor:
        features = ops.cast(f[name], "float32")
        flat = ops.reshape(features, (-1, features.shape[-1]))
        flat = flat / (ops.norm(flat, axis=1, keepdims=True) + 1e-6)
        partners = ops.take(guides, ops.argmax(ops.matmul(flat, ops.transpose(guides)), axis=1), axis=0)
        return ops.mean(ops.sum(flat * ops.stop_gradient(partners), axis=1))

    return Objective((name,), agreement, f"guide {label} at {name}")


def _joined(
    ours: tuple[keras.Variable, ...], theirs: tuple[keras.Variable, ...]
) -> tuple[keras.Variable, ...]:
    """Both objectives' variables, each once (by identity: a variable's ``==`` is elementwise)."""
    return ours + tuple(v for v in theirs if not any(v is u for u in ours))


def total(objectives: Iterable[Objective]) -> Objective:
    """The sum of several objectives."""
    terms = list(objectives)
    if not terms:
        raise ValueError("an objective needs at least one term")
    result = terms[0]
    for term in terms[1:]:
        result = result + term
    return result
