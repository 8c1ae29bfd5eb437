"""The dream step's seam with the backend: differentiating, compiling, random draws, determinism.

The dream step (``dream``, ``prior``, ``tiling``, ``objectives``) is otherwise a chain of
``keras.ops``, written once. What it asks of the machinery underneath comes down to the few verbs
here, and they are what the three Keras backends do differently: TensorFlow records a
``GradientTape`` and traces a ``tf.function`` once for frames of any size; JAX transforms pure
functions (``jax.value_and_grad``, ``jax.vjp``, ``jax.jit``, once per shape); PyTorch differentiates
eagerly (``torch.autograd``), compiling only on request. Each backend's bodies live in a private
module of this room (``_tensorflow``, ``_jax``, ``_torch``); the one for the backend this process
runs (``backend.NAME``) is loaded, and the others never are.

The verbs take functions and give functions, in JAX's shapes (the most restrictive of the three:
a function of its inputs, no state read behind its back). What a step reads that changes between
calls (scheduled weights, the float16 loss scale) are Keras variables named to :func:`compile` as
its ``state``: JAX gets their values as inputs and hands back what the step assigned them, where
TensorFlow and PyTorch read and write them as they go.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ..backend import NAME, Tensor, keras

Aux = TypeVar("Aux")
Result = TypeVar("Result", covariant=True)

#: The bodies of the verbs for the backend this process runs.
_body: Any = importlib.import_module(f"{__name__}._{NAME}")


def value_and_grad(
    fn: Callable[[Tensor], tuple[Tensor, Aux]],
) -> Callable[[Tensor], tuple[tuple[Tensor, Aux], Tensor]]:
    """``fn``, returning ``(value, aux)``, made to return ``((value, aux), gradient)``: the gradient
    of the scalar ``value`` with respect to ``fn``'s tensor input, and ``aux`` carried along
    undifferentiated (JAX's ``value_and_grad(fn, has_aux=True)``).

    ``aux`` is what the caller wants besides what it differentiates: the dream step climbs a
    loss-scaled objective but reports the objective itself."""
    return _body.value_and_grad(fn)  # type: ignore[no-any-return]


def grad(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """The gradient of the scalar function ``fn`` as a function of the same input (JAX's ``grad``)."""
    with_value = value_and_grad(lambda x: (fn(x), None))
    return lambda x: with_value(x)[1]


def vjp(fn: Callable[[Tensor], Tensor], x: Tensor) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
    """``fn(x)`` and its pullback: the function that carries a cotangent of ``fn(x)`` (the gradient
    of something computed from it) back to the gradient with respect to ``x`` (JAX's ``vjp``).

    For a gradient taken in two stages, such as a frame turned whole and then seen tile by tile:
    the tiles' gradient is known only after ``fn(x)`` is. The pullback may be called once."""
    return _body.vjp(fn, x)  # type: ignore[no-any-return]


def custom_gradient(
    fn: Callable[[Tensor], tuple[Tensor, Callable[[Tensor], Tensor]]],
) -> Callable[[Tensor], Tensor]:
    """``fn``, returning ``(y, gradient)``, as a function whose own gradient is not derived from how
    ``y`` was computed but is ``gradient(upstream)``: the views' warp sends each view's gradient back
    to its window alone, where the warp's derived gradient would also reach its mirrored borders."""
    return _body.custom_gradient(fn)  # type: ignore[no-any-return]


def spec(shape: Sequence[int | None], dtype: str) -> Any:
    """An input of a compiled function: its ``dtype`` (``"float32"``…) and ``shape``, ``None``
    where any length is accepted (a frame's height and width, a step's number of views)."""
    return _body.spec(shape, dtype)


class Traced(Generic[Result]):
    """A compiled function: called as the function it compiles, and counting how often it was
    traced (:func:`traces`)."""

    def __init__(self, call: Callable[..., Result], count: Callable[[], int]) -> None:
        self._call, self._count = call, count

    def __call__(self, *args: Any) -> Result:
        return self._call(*args)

    @property
    def traces(self) -> int:
        return self._count()


def compile(
    fn: Callable[..., Result],
    signature: Sequence[Any],
    jit: bool = False,
    state: Sequence[keras.Variable] = (),
) -> Traced[Result]:
    """``fn`` compiled for inputs that match ``signature`` (a :func:`spec` for each argument, or a
    nest of them for an argument that is a nest of tensors). ``jit`` compiles it with XLA where the
    backend would not already (TensorFlow) or at all (PyTorch, through ``torch.compile``).

    ``state``: the Keras variables ``fn`` reads or assigns that change between calls. TensorFlow
    traces once for inputs of every size; JAX once per input shape.

    ``fn`` must be a function of its inputs and ``state``: Python control flow runs once, at tracing
    (no AutoGraph), as under ``jax.jit``, so that the same step compiles on every backend."""
    call, count = _body.compile(fn, list(signature), jit, list(state))
    return Traced(call, count)


def traces(function: Traced[Any]) -> int:
    """How often ``function`` was traced (compiled): 1 when frames of every size reused it."""
    return function.traces


def stateless_normal(shape: Sequence[Any], seed: Tensor) -> Tensor:
    """Standard normal float32 noise of ``shape``, a function of the pair ``seed`` alone: the same
    seed gives the same noise in every step and on every run, without a random state inside the
    compiled step (which JAX has none of). Each backend draws its own numbers from a seed (on
    TensorFlow, Philox's, so that a seed gives the noise it always gave)."""
    return _body.stateless_normal(shape, seed)


def stateless_uniform(shape: Sequence[Any], seed: Tensor, low: float = 0.0, high: float = 1.0) -> Tensor:
    """Uniform float32 noise in ``[low, high)`` of ``shape``, a function of the pair ``seed`` alone
    (see :func:`stateless_normal`): where the crops of a classifier beside the model fall."""
    return _body.stateless_uniform(shape, seed, low, high)


def deterministic() -> None:
    """Make every operation deterministic from here on, so that the same config and seed give the
    same frames (at some cost in speed where an operation has a faster nondeterministic kernel)."""
    _body.deterministic()
