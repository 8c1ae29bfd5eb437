"""The seam's verbs on TensorFlow: a ``GradientTape``, and a ``tf.function`` traced once for inputs
of every size (its ``input_signature`` leaves height and width unknown). Variables are read and
assigned inside the compiled function as TensorFlow does, so ``state`` needs no handling here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..backend import Tensor, tf


def value_and_grad(fn: Callable[[Tensor], tuple[Tensor, Any]]) -> Callable[[Tensor], Any]:
    def differentiated(x: Tensor) -> tuple[tuple[Tensor, Any], Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            value, aux = fn(x)
        return (value, aux), tape.gradient(value, x)

    return differentiated


def vjp(fn: Callable[[Tensor], Tensor], x: Tensor) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)

    def pullback(cotangent: Tensor) -> Tensor:
        return tape.gradient(y, x, output_gradients=cotangent)

    return y, pullback


def custom_gradient(fn: Callable[[Tensor], tuple[Tensor, Callable[[Tensor], Tensor]]]) -> Any:
    return tf.custom_gradient(fn)


def spec(shape: Sequence[int | None], dtype: str) -> Any:
    return tf.TensorSpec(shape, dtype)


def compile(
    fn: Callable[..., Any], signature: list[Any], jit: bool, state: list[Any]
) -> tuple[Callable[..., Any], Callable[[], int]]:
    function = tf.function(fn, input_signature=signature, autograph=False, jit_compile=jit)
    return function, function.experimental_get_tracing_count


def stateless_normal(shape: Sequence[Any], seed: Tensor) -> Tensor:
    return tf.random.stateless_normal(shape, seed, alg="philox")


def stateless_uniform(shape: Sequence[Any], seed: Tensor, low: float, high: float) -> Tensor:
    return tf.random.stateless_uniform(shape, seed, low, high)


def deterministic() -> None:
    tf.config.experimental.enable_op_determinism()
