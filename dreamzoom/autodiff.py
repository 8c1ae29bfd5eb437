"""The dream step's seam with the backend: differentiating, compiling, random draws, determinism.

The dream step (``dream``, ``prior``, ``tiling``) is otherwise a chain of tensor operations; what it
asks of the machinery underneath comes down to a few verbs, and this room is the one place (with
``backend``, which it imports) that says how they are done. Each backend does them differently:
TensorFlow records a ``GradientTape`` and traces a ``tf.function`` once for frames of any size,
where JAX transforms pure functions (``jax.value_and_grad``, ``jax.vjp``, ``jax.jit``, once per
shape) and PyTorch differentiates eagerly (``torch.autograd``) with compiling optional. Keeping the
verbs here lets another backend arrive as other bodies for these functions, with the step's calls
to them unchanged. Only TensorFlow's bodies exist today (the step's other operations are still
TensorFlow's too, and its float16 loss scale and scheduled weights are variables it reads).

The verbs take functions and give functions, in JAX's shapes (the most restrictive of the three:
a function of its inputs, no state read behind its back), so that code written against them needs
no change when it runs on a backend that insists on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from .backend import tf

Aux = TypeVar("Aux")
Result = TypeVar("Result", covariant=True)


def value_and_grad(
    fn: Callable[[tf.Tensor], tuple[tf.Tensor, Aux]],
) -> Callable[[tf.Tensor], tuple[tuple[tf.Tensor, Aux], tf.Tensor]]:
    """``fn``, returning ``(value, aux)``, made to return ``((value, aux), gradient)``: the gradient
    of the scalar ``value`` with respect to ``fn``'s tensor input, and ``aux`` carried along
    undifferentiated (JAX's ``value_and_grad(fn, has_aux=True)``).

    ``aux`` is what the caller wants besides what it differentiates: the dream step climbs a
    loss-scaled objective but reports the objective itself."""

    def differentiated(x: tf.Tensor) -> tuple[tuple[tf.Tensor, Aux], tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            value, aux = fn(x)
        return (value, aux), tape.gradient(value, x)

    return differentiated


def grad(fn: Callable[[tf.Tensor], tf.Tensor]) -> Callable[[tf.Tensor], tf.Tensor]:
    """The gradient of the scalar function ``fn`` as a function of the same input (JAX's ``grad``)."""
    with_value = value_and_grad(lambda x: (fn(x), None))
    return lambda x: with_value(x)[1]


def vjp(
    fn: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor
) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
    """``fn(x)`` and its pullback: the function that carries a cotangent of ``fn(x)`` (the gradient
    of something computed from it) back to the gradient with respect to ``x`` (JAX's ``vjp``).

    For a gradient taken in two stages, such as a frame turned whole and then seen tile by tile:
    the tiles' gradient is known only after ``fn(x)`` is. The pullback may be called once."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)

    def pullback(cotangent: tf.Tensor) -> tf.Tensor:
        return tape.gradient(y, x, output_gradients=cotangent)

    return y, pullback


def custom_gradient(
    fn: Callable[[tf.Tensor], tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]],
) -> Callable[[tf.Tensor], tf.Tensor]:
    """``fn``, returning ``(y, gradient)``, as a function whose own gradient is not derived from how
    ``y`` was computed but is ``gradient(upstream)``: the views' warp sends each view's gradient back
    to its window alone, where the warp's derived gradient would also reach its mirrored borders."""
    return tf.custom_gradient(fn)  # type: ignore[no-any-return]  # TF has no hints


def spec(shape: Sequence[int | None], dtype: str) -> Any:
    """An input of a compiled function: its ``dtype`` (``"float32"``…) and ``shape``, ``None``
    where any length is accepted (a frame's height and width, a step's number of views)."""
    return tf.TensorSpec(shape, dtype)


class Traced(Protocol[Result]):
    """A compiled function (a ``tf.function``, which TensorFlow leaves untyped): called as the
    function it compiles, and counting how often it was traced (see :func:`traces`)."""

    def __call__(self, *args: Any) -> Result: ...

    def experimental_get_tracing_count(self) -> int: ...


def compile(fn: Callable[..., Result], signature: Sequence[Any], jit: bool = False) -> Traced[Result]:
    """``fn`` compiled for inputs that match ``signature`` (a :func:`spec` for each argument, or a
    nest of them for an argument that is a nest of tensors), traced once for all of them: new frame
    sizes reuse it. ``jit`` compiles it with XLA as well.

    ``fn`` must be a function of its inputs: Python control flow runs once, at tracing (no
    AutoGraph), as under ``jax.jit``, so that the same step compiles on a backend without it."""
    return tf.function(fn, input_signature=list(signature), autograph=False, jit_compile=jit)  # type: ignore[no-any-return]


def traces(function: Traced[Any]) -> int:
    """How often ``function`` was traced (compiled): 1 when frames of every size reused it."""
    return function.experimental_get_tracing_count()


def stateless_normal(shape: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Standard normal float32 noise of ``shape``, a function of the pair ``seed`` alone: the same
    seed gives the same noise in every step and on every run, without a random state inside the
    compiled step (which JAX has none of). Philox, so that a seed gives the noise it always gave."""
    return tf.random.stateless_normal(shape, seed, alg="philox")


def stateless_uniform(shape: tf.Tensor, seed: tf.Tensor, low: float = 0.0, high: float = 1.0) -> tf.Tensor:
    """Uniform float32 noise in ``[low, high)`` of ``shape``, a function of the pair ``seed`` alone
    (see :func:`stateless_normal`): where the crops of a classifier beside the model fall."""
    return tf.random.stateless_uniform(shape, seed, low, high)


def deterministic() -> None:
    """Make every operation deterministic from here on, so that the same config and seed give the
    same frames (at some cost in speed where an operation has a faster nondeterministic kernel)."""
    tf.config.experimental.enable_op_determinism()
