"""A compiled function's inputs on the backends whose compiled functions take any tensor (JAX,
PyTorch): each input converted to the dtype its :class:`Spec` names, as TensorFlow's
``input_signature`` converts on the way in, so that a step is called alike on every backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple


class Spec(NamedTuple):
    """A compiled function's input: its shape (``None`` where any length goes) and dtype."""

    shape: Sequence[int | None]
    dtype: str


def converted(signature: Any, value: Any, convert: Callable[[Any, str], Any]) -> Any:
    """``value`` converted as ``signature`` (a :class:`Spec`, or a nest of them such as ``Moments``)
    says, by ``convert(value, dtype)``."""
    if isinstance(signature, Spec):
        return convert(value, signature.dtype)
    parts = [converted(s, v, convert) for s, v in zip(signature, value, strict=True)]
    return type(signature)(*parts) if hasattr(signature, "_fields") else type(signature)(parts)
