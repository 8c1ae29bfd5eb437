"""The seam's verbs on JAX: function transformations (``jax.value_and_grad``, ``jax.vjp``,
``jax.custom_vjp``) and ``jax.jit``, which traces once per input shape.

``jax.jit`` would freeze every Keras variable a step reads at its value when traced, silently: a
scheduled weight would never change again. So the variables named as a compiled function's
``state`` go in as inputs, are mapped onto their variables inside (Keras' ``StatelessScope``, as
Keras' own JAX trainer does), and what the function assigned them comes back out and is written to
the variables after the call. The network's weights never change and stay captured constants."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from ..backend import Tensor, keras
from ._spec import Spec as spec  # noqa: F401  (the seam's ``spec``: a named shape and dtype)
from ._spec import converted


def value_and_grad(fn: Callable[[Tensor], tuple[Tensor, Any]]) -> Callable[[Tensor], Any]:
    return jax.value_and_grad(fn, has_aux=True)  # ((value, aux), gradient), as the seam promises


def vjp(fn: Callable[[Tensor], Tensor], x: Tensor) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
    y, pullback = jax.vjp(fn, jnp.asarray(x))
    return y, lambda cotangent: pullback(cotangent)[0]


def custom_gradient(fn: Callable[[Tensor], tuple[Tensor, Callable[[Tensor], Tensor]]]) -> Any:
    def with_tuple(x: Tensor) -> tuple[Tensor, Callable[[Tensor], tuple[Tensor]]]:
        y, gradient = fn(x)
        return y, lambda upstream: (gradient(upstream),)  # one cotangent per input

    return jax.custom_gradient(with_tuple)  # type: ignore[no-untyped-call]  # JAX leaves it untyped


def compile(
    fn: Callable[..., Any], signature: list[Any], jit: bool, state: list[Any]
) -> tuple[Callable[..., Any], Callable[[], int]]:
    traced = [0]

    def pure(values: list[Tensor], *args: Any) -> tuple[Any, list[Tensor]]:
        traced[0] += 1  # Python runs here once per trace
        with keras.StatelessScope(state_mapping=list(zip(state, values, strict=True))) as scope:
            result = fn(*args)
            after = [scope.get_current_value(variable) for variable in state]
        return result, after

    compiled = jax.jit(pure)

    def call(*args: Any) -> Any:
        inputs = [converted(s, a, jnp.asarray) for s, a in zip(signature, args, strict=True)]
        result, after = compiled([jnp.asarray(variable.value, variable.dtype) for variable in state], *inputs)
        for variable, value in zip(state, after, strict=True):
            variable.assign(value)
        return result

    return call, lambda: traced[0]


def _key(seed: Tensor) -> Any:
    seed = jnp.asarray(seed, jnp.uint32)
    return jax.random.fold_in(jax.random.fold_in(jax.random.key(0), seed[0]), seed[1])


def stateless_normal(shape: Sequence[Any], seed: Tensor) -> Tensor:
    return jax.random.normal(_key(seed), tuple(int(s) for s in shape), jnp.float32)


def stateless_uniform(shape: Sequence[Any], seed: Tensor, low: float, high: float) -> Tensor:
    return jax.random.uniform(_key(seed), tuple(int(s) for s in shape), jnp.float32, low, high)


def deterministic() -> None:
    # XLA's GPU kernels are deterministic with this flag (read when a GPU backend starts); on CPUs
    # they already are.
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_gpu_deterministic_ops" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_gpu_deterministic_ops=true".strip()
