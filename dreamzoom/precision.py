"""Precision: what a network computes in, and why ``precision: auto`` picks it on this machine.

The choice is pure (:func:`choose_precision` answers for any :class:`Hardware`, so a test can ask
about machines it is not on); :func:`detect_hardware` reads this machine once. The Keras side of a
precision (the dtype policy a network is built under, and what a saved one computes in) lives here
too, so that models.py builds networks and this room says in what.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import platform
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backend import NAME, keras, tf

#: Keras dtype policies for each precision, for the network a user inspects (weights float32, compute
#: in the named type); the folded copy that dreams also holds its weights in the named type. ``auto``
#: never picks float16 (see :func:`choose_precision`); asked for, it climbs with loss scaling.
POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}

#: CPU flags that decide, or explain, what ``auto`` picks; provenance records those a CPU has.
PRECISION_FLAGS = frozenset({"avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"})
_BFLOAT16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@dataclass(frozen=True)
class Gpu:
    """A CUDA GPU as the Keras backend reports it."""

    name: str
    compute_capability: tuple[int, int]


@dataclass(frozen=True)
class Hardware:
    """What decides the precision ``auto`` computes in: the CPU's name and flags, and the GPUs."""

    cpu: str = "unknown CPU"
    #: The CPU's feature flags, as ``/proc/cpuinfo`` spells them (``avx2``, ``avx512_bf16``, …).
    cpu_flags: frozenset[str] = frozenset()
    gpus: tuple[Gpu, ...] = ()

    @property
    def device(self) -> str:
        """Where the Keras backend runs a model by default: the first GPU, else the CPU."""
        return self.gpus[0].name if self.gpus else self.cpu

    def facts(self) -> dict[str, Any]:
        """The device and the CPU flags that chose its precision, for provenance (JSON-safe)."""
        facts: dict[str, Any] = {
            "device": self.device,
            "cpu": self.cpu,
            "cpu_flags": sorted(self.cpu_flags & PRECISION_FLAGS),
        }
        if self.gpus:
            facts["compute_capability"] = "{}.{}".format(*self.gpus[0].compute_capability)
        return facts


def choose_precision(hardware: Hardware) -> str:
    """What ``precision: auto`` computes in on ``hardware`` (pure: any machine can be asked about).

    - A CUDA GPU of compute capability 8.0 or more (Ampere, Ada, Hopper, Blackwell): bfloat16. Its
      tensor cores run bfloat16 as fast as float16, and bfloat16 keeps float32's exponent range,
      which DeepDream needs: the objective is a mean over 10⁵–10⁶ activations, so the gradient
      reaching each one is tiny, and in float16 it underflows as frames grow. Measured with the
      bundled InceptionV3 (mixed3 + mixed5, the sample photo), the cosine between the input
      gradient and float32's at 128 / 512 / 1024 / 2048 px was 0.996 / 0.992 / 0.955 / 0.56 for
      float16 (half of it zero at 2048 px) and 0.968 / 0.959 / 0.938 / 0.869 for bfloat16: float16
      is finer on small frames but falls off a cliff without loss scaling; bfloat16 degrades gently.
    - An older CUDA GPU: float32. Volta and Turing (7.x) have float16 tensor cores, with that cliff,
      but no bfloat16 (emulating it is slower than float32); Pascal and before have neither.
    - A CPU with bfloat16 instructions (AVX-512 BF16, or AMX on Sapphire Rapids and later):
      bfloat16 (bfloat16 inputs, float32 accumulation).
    - Any other CPU: float32 (bfloat16 is emulated there, about 10× slower).
    """
    if hardware.gpus:
        return "bfloat16" if hardware.gpus[0].compute_capability >= (8, 0) else "float32"
    return "bfloat16" if hardware.cpu_flags & _BFLOAT16_FLAGS else "float32"


def resolve_precision(requested: str, hardware: Hardware | None = None) -> str:
    """The precision a model computes in: ``requested``, or for ``auto`` what
    :func:`choose_precision` picks on ``hardware`` (default: this machine)."""
    if requested != "auto":
        return requested
    return choose_precision(hardware or detect_hardware())


def parse_cpuinfo(text: str) -> tuple[str, frozenset[str]]:
    """The CPU's model name and flags from ``/proc/cpuinfo`` text (its first processor; ARM's
    ``Features`` count as flags)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name") or fields.get("Hardware") or platform.processor() or "unknown CPU"
    return name, frozenset((fields.get("flags") or fields.get("Features") or "").split())


@functools.cache
def detect_hardware() -> Hardware:
    """This machine's :class:`Hardware`, read once per process (``/proc/cpuinfo``, the backend's GPUs)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux: no flags, so auto stays float32 on the CPU
        text = ""
    cpu, flags = parse_cpuinfo(text)
    return Hardware(cpu, flags, _gpus())


def _gpus() -> tuple[Gpu, ...]:
    """The CUDA GPUs the Keras backend in use sees, with their names and compute capabilities
    ((0, 0) where none is reported): each backend finds its own, and runs on those it finds."""
    return {"tensorflow": _tensorflow_gpus, "jax": _jax_gpus, "torch": _torch_gpus}[NAME]()


def _tensorflow_gpus() -> tuple[Gpu, ...]:
    gpus = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        major, minor = details.get("compute_capability", (0, 0))
        gpus.append(Gpu(str(details.get("device_name", device.name)), (int(major), int(minor))))
    return tuple(gpus)


def _jax_gpus() -> tuple[Gpu, ...]:
    # Imported by name: where JAX is not the backend it need not be installed, nor its types known.
    jax = importlib.import_module("jax")
    found = [device for device in jax.devices() if device.platform == "gpu"]
    return tuple(
        Gpu(str(device.device_kind), _capability(str(getattr(device, "compute_capability", ""))))
        for device in found
    )


def _capability(text: str) -> tuple[int, int]:
    """``(major, minor)`` from JAX's ``"9.0"``; (0, 0) for anything else (a ROCm GPU's ``gfx90a``)."""
    major, _, minor = text.partition(".")
    return (int(major), int(minor)) if major.isdigit() and minor.isdigit() else (0, 0)


def _torch_gpus() -> tuple[Gpu, ...]:
    torch = importlib.import_module("torch")  # by name, as JAX above
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return tuple(
        Gpu(str(torch.cuda.get_device_name(index)), tuple(torch.cuda.get_device_capability(index)))
        for index in range(count)
    )


def compute_precision(network: keras.Model) -> str:
    """The dtype a saved model's layers compute in (``float32``, ``bfloat16``, …), or ``mixed: …``."""
    dtypes = {
        str(layer.dtype_policy.compute_dtype)
        for layer in network.layers
        if not isinstance(layer, keras.layers.InputLayer)
    }
    return dtypes.pop() if len(dtypes) == 1 else "mixed: " + ", ".join(sorted(dtypes))


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    """Build layers under a dtype policy, leaving the process's own policy as it was."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def with_policy(architecture: str, policy: str) -> str:
    """A Keras model JSON with every layer (but the input) computing under ``policy``."""
    if policy == "float32":
        return architecture
    document = json.loads(architecture)
    for layer in document["config"]["layers"]:
        if layer["class_name"] != "InputLayer":
            layer["config"]["dtype"] = {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": policy},
                "registered_name": None,
            }
    return json.dumps(document)
