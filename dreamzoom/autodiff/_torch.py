"""The seam's verbs on PyTorch: ``torch.autograd`` eagerly, and compiling only when asked
(``torch.compile``, whose first compile took minutes on a 2-core CPU, so eager is the default).

Variables are read and assigned as the step runs, eagerly, so ``state`` needs no handling here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ..backend import Tensor, keras, ops
from ._spec import Spec as spec  # noqa: F401  (the seam's ``spec``: a named shape and dtype)
from ._spec import converted


def _leaf(x: Tensor) -> Tensor:
    """``x`` as a fresh tensor that records what is computed from it."""
    return ops.convert_to_tensor(x).detach().requires_grad_(True)


def _detached(nest: Any) -> Any:
    return keras.tree.map_structure(lambda t: t.detach() if isinstance(t, torch.Tensor) else t, nest)


def value_and_grad(fn: Callable[[Tensor], tuple[Tensor, Any]]) -> Callable[[Tensor], Any]:
    def differentiated(x: Tensor) -> tuple[tuple[Tensor, Any], Tensor]:
        with torch.enable_grad():
            leaf = _leaf(x)
            value, aux = fn(leaf)
            (gradient,) = torch.autograd.grad(value, leaf)
        return (value.detach(), _detached(aux)), gradient

    return differentiated


def vjp(fn: Callable[[Tensor], Tensor], x: Tensor) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
    with torch.enable_grad():
        leaf = _leaf(x)
        y = fn(leaf)

    def pullback(cotangent: Tensor) -> Tensor:
        return torch.autograd.grad(y, leaf, grad_outputs=ops.convert_to_tensor(cotangent))[0]

    return y.detach(), pullback


class _Custom(torch.autograd.Function):
    """A function whose backward pass is the gradient function its forward pass returned."""

    @staticmethod
    def forward(ctx: Any, fn: Callable[[Tensor], Any], x: Tensor) -> Tensor:
        y, ctx.gradient = fn(x)
        return y

    @staticmethod
    def backward(ctx: Any, upstream: Tensor) -> tuple[None, Tensor]:
        return None, ctx.gradient(upstream)


def custom_gradient(fn: Callable[[Tensor], tuple[Tensor, Callable[[Tensor], Tensor]]]) -> Any:
    return lambda x: _Custom.apply(fn, x)  # type: ignore[no-untyped-call]  # torch leaves apply untyped


def compile(
    fn: Callable[..., Any], signature: list[Any], jit: bool, state: list[Any]
) -> tuple[Callable[..., Any], Callable[[], int]]:
    run = torch.compile(fn, dynamic=True) if jit else fn
    calls = [0]

    def call(*args: Any) -> Any:
        calls[0] = 1  # eager: traced, in effect, once
        with torch.no_grad():
            return run(
                *(converted(s, a, ops.convert_to_tensor) for s, a in zip(signature, args, strict=True))
            )

    return call, lambda: calls[0]


def _generator(seed: Tensor) -> torch.Generator:
    first, second = (int(s) for s in ops.convert_to_numpy(seed))
    device = ops.convert_to_tensor(0.0).device
    return torch.Generator(device=device).manual_seed(first * 2**31 + second)


def stateless_normal(shape: Sequence[Any], seed: Tensor) -> Tensor:
    generator = _generator(seed)
    return torch.randn(tuple(int(s) for s in shape), generator=generator, device=generator.device)


def stateless_uniform(shape: Sequence[Any], seed: Tensor, low: float, high: float) -> Tensor:
    generator = _generator(seed)
    drawn = torch.rand(tuple(int(s) for s in shape), generator=generator, device=generator.device)
    return low + (high - low) * drawn


def deterministic() -> None:
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
