"""Which Keras backend runs the dream: TensorFlow, JAX or PyTorch, chosen once, before Keras loads.

Keras 3 runs the same models and ``keras.ops`` code on three backends, but a process can hold only
one: Keras reads ``KERAS_BACKEND`` when it is first imported, and the choice is fixed from then on.
This room makes that choice (``model.backend``) without importing Keras or any backend itself, so
that a config can be checked, and ``--help`` printed, without loading a framework; and it refuses,
in one line, a backend that is not installed or that this process can no longer switch to.

Why three: TensorFlow is the measured default on CPUs, but its GPU support stops at Linux with
CUDA. PyTorch reaches CUDA on Windows and Metal on Macs, and JAX reaches CUDA and TPUs.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from .errors import DreamzoomError

#: The backends ``model.backend`` names, in the order ``auto`` tries them: TensorFlow first, the
#: design's and the fastest measured on CPUs (docs/backends.md), then JAX, then PyTorch.
BACKENDS = ("tensorflow", "jax", "torch")
#: The package each backend needs, and the pip extra that brings it.
_PACKAGE = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def installed(name: str) -> bool:
    """Whether backend ``name``'s package can be imported here (without importing it)."""
    return importlib.util.find_spec(_PACKAGE[name]) is not None


def running() -> str | None:
    """The backend Keras already runs in this process, or None if Keras has not been imported."""
    if "keras" not in sys.modules:
        return None
    return str(sys.modules["keras"].backend.backend())


def choose(name: str) -> str:
    """The backend ``name`` (``auto`` or one of :data:`BACKENDS`) stands for here: ``auto`` keeps
    the one Keras already runs, else ``KERAS_BACKEND`` if set, else the first installed."""
    if name != "auto":
        return name
    current = running() or os.environ.get("KERAS_BACKEND")
    if current in BACKENDS:
        return current
    for candidate in BACKENDS:
        if installed(candidate):
            return candidate
    raise DreamzoomError(
        "no Keras backend is installed: pip install tensorflow, 'dreamzoom[jax]' or 'dreamzoom[torch]'"
    )


def use(name: str, key: str = "model.backend") -> str:
    """Make backend ``name`` the one Keras loads in this process, and return its name: a one-line
    error, naming ``key``, if its package is missing or Keras already runs another one."""
    chosen = choose(name)
    if chosen not in BACKENDS:
        raise DreamzoomError(f"unknown Keras backend '{chosen}' (one of {', '.join(BACKENDS)})", key=key)
    if not installed(chosen):
        raise DreamzoomError(
            f"backend '{chosen}' needs {_PACKAGE[chosen]}, which is not installed: "
            f"pip install 'dreamzoom[{chosen}]'",
            key=key,
        )
    current = running()
    if current is not None and current != chosen:
        raise DreamzoomError(
            f"this process already runs Keras on {current}; run {chosen} in a new process", key=key
        )
    os.environ["KERAS_BACKEND"] = chosen
    return chosen
