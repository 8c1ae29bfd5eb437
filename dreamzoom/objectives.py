"""What a dream maximises: small functions of layer activations that add and scale like numbers.

Modelled on lucid's objectives: an :class:`Objective` knows which layers it reads and how to turn
their activations into one scalar, and ``0.5 * layer("mixed3") + layer("mixed5")`` is an objective
too. The dream step only ever sees the sum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .backend import tf
from .config import Dream

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

    def __mul__(self, weight: float) -> Objective:
        return Objective(self.layers, lambda f: weight * self(f), f"{weight:g} × {self.description}")

    __rmul__ = __mul__


def layer(name: str) -> Objective:
    """ "More of whatever the layer sees": the mean squared activation of ``name``.

    This is the original DeepDream objective (Mordvintsev et al. 2015; lucid's ``deepdream``): its
    gradient is the activation itself, so whatever the layer already responds to is amplified.
    """
    return Objective((name,), lambda f: tf.reduce_mean(tf.square(tf.cast(f[name], tf.float32))), name)


def total(objectives: Iterable[Objective]) -> Objective:
    """The sum of several objectives."""
    terms = list(objectives)
    if not terms:
        raise ValueError("an objective needs at least one term")
    result = terms[0]
    for term in terms[1:]:
        result = result + term
    return result


def from_config(dream: Dream) -> Objective:
    """The objective a config's ``dream`` section describes."""
    return total(weight * layer(name) for name, weight in dream.layers.items())
