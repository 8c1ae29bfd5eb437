"""Loss scaling: how a dream step computing in float16 keeps its gradients from vanishing.

float16 has a narrow exponent: its smallest normal number is about 6e-5 and its smallest subnormal
about 6e-8. A dream's objective is a mean over 10⁵–10⁶ activations, so the gradient that reaches
each of them on the way back through the network is tiny, often below 1e-8, and in float16 it
underflows to zero: the step would not move. Multiplying the objective by a large scale before the
gradient is taken lifts those gradients into float16's range (mixed-precision training's loss
scaling, Micikevicius et al. 2018); the step normalises its direction, so the scale changes nothing
else. Too large a scale overflows instead: such a step is skipped and the scale halved, and after
:attr:`DynamicLossScale.GROWTH` finite steps it doubles again, so it stays near the largest scale
that fits. float32 and bfloat16 share float32's exponent range and need none of it (:class:`Unscaled`).

Both kinds are chosen once, when the dream step is built (:func:`for_precision`), and offer the same
two calls to the traced step.
"""

from __future__ import annotations

from typing import Protocol, TypeVar, cast

from .backend import Tensor, keras, ops

#: A step's state: a tensor, or a nest of them (``keras.tree``), such as the frame and Adam's moments.
State = TypeVar("State")


class LossScaling(Protocol):
    """What the dream step asks of its loss scaling, inside the compiled step."""

    #: The Keras variables it reads and assigns inside the compiled step (``autodiff.compile``'s state).
    variables: tuple[keras.Variable, ...]

    def scaled(self, value: Tensor) -> Tensor:
        """The objective to take the gradient of."""

    def kept(self, gradient: Tensor, after: State, before: State) -> State:
        """The state ``after`` a step up ``gradient``, or ``before`` it where the step is skipped."""


class Unscaled:
    """No loss scaling: the objective as it is, and every step kept."""

    variables: tuple[keras.Variable, ...] = ()

    def scaled(self, value: Tensor) -> Tensor:
        return value

    def kept(self, gradient: Tensor, after: State, before: State) -> State:
        return after


class DynamicLossScale:
    """float16's dynamic loss scale (see the module's docstring): the objective multiplied by
    :attr:`scale` before the gradient is taken; a step whose gradient overflowed skipped and the scale
    halved; the scale doubled after :attr:`GROWTH` finite steps in a row."""

    #: Where the scale starts, and after how many finite gradients in a row it doubles.
    START, GROWTH = 2.0**15, 200

    def __init__(self) -> None:
        self.scale = keras.Variable(self.START, dtype="float32", trainable=False)
        self._finite_steps = keras.Variable(0, dtype="int32", trainable=False)
        self.variables = (self.scale, self._finite_steps)

    def scaled(self, value: Tensor) -> Tensor:
        return value * self.scale.value

    def kept(self, gradient: Tensor, after: State, before: State) -> State:
        """Every tensor of ``after`` where ``gradient`` is finite, else of ``before``: a skipped step
        leaves the frame and Adam's moments as they were (an overflowed gradient in the moments would
        spoil every later step). Updates the scale."""
        finite = ops.all(ops.isfinite(gradient))
        scale, steps = self.scale.value, self._finite_steps.value
        good = ops.where(finite, steps + 1, 0)
        grow = good >= self.GROWTH
        self.scale.assign(ops.where(finite, ops.where(grow, scale * 2.0, scale), scale / 2.0))
        self._finite_steps.assign(ops.where(grow, 0, good))
        return cast(
            State, keras.tree.map_structure(lambda new, old: ops.where(finite, new, old), after, before)
        )


def for_precision(precision: str) -> LossScaling:
    """The loss scaling a network computing in ``precision`` needs: dynamic for float16, none else."""
    return DynamicLossScale() if precision == "float16" else Unscaled()
