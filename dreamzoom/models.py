"""Networks to dream with: named architectures and their weights, preprocessing, feature extractors.

A :class:`DreamModel` is a Keras model whose layer names are stable (``conv2d_5`` means the same
layer in every session), the preprocessing that maps RGB in [0, 1] to its input, and the set of
layers it may be dreamed at. Feature extractors are cut from it up to the deepest layer asked for,
so that dreaming ``mixed3`` never runs ``mixed4`` and above.
"""

from __future__ import annotations

import difflib
import functools
import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.error import URLError

import numpy as np

from . import config, folding, framing, precision
from .backend import Tensor, keras, ops
from .errors import DreamzoomError

_log = logging.getLogger(__name__)  # ``-v`` shows which network was built, and how fast

#: Deepest InceptionV3 layer whose ImageNet weights ship with dreamzoom (see ``weights/README.md``).
BUNDLED_TOP = "mixed5"
#: How the layers of a classifier beside the dreaming network are named (``beside:avgpool10``).
BESIDE = "beside:"
#: The classifier beside sees frames with their shorter side at most this (ImageNet's 224-px crops):
#: a thing then fills a like share of the frame at any size, where at full size a 512-px frame
#: would fill with many small ones.
BESIDE_SIDE = 224
#: While dreaming, it sees this many square crops of each view a step, each a random
#: :data:`BESIDE_CROP` share of the shorter side (or more), somewhere in the frame, at
#: :data:`BESIDE_SIDE` px: a thing must then look like itself from several framings, as under the
#: ``object`` prior, which is what makes another network see it too; the crops cost a small
#: network's time, not the dreaming network's.
BESIDE_VIEWS, BESIDE_CROP = 4, 0.6

# Per-channel ``(scale, offset)`` after optional RGB→BGR, mapping RGB in [0, 1] to each model input.
_IMAGENET_MEAN_RGB = np.array([0.485, 0.456, 0.406], np.float32)
_IMAGENET_STD_RGB = np.array([0.229, 0.224, 0.225], np.float32)
_CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], np.float32)  # Caffe's own, in 0–255
_PREPROCESS: dict[str, tuple[bool, np.ndarray, np.ndarray]] = {
    "inception": (False, np.full(3, 2.0, np.float32), np.full(3, -1.0, np.float32)),
    "caffe": (True, np.full(3, 255.0, np.float32), -_CAFFE_MEAN_BGR),
    "torch": (False, 1.0 / _IMAGENET_STD_RGB, -_IMAGENET_MEAN_RGB / _IMAGENET_STD_RGB),
    "unit": (False, np.ones(3, np.float32), np.zeros(3, np.float32)),
    "raw": (False, np.full(3, 255.0, np.float32), np.zeros(3, np.float32)),
}


def preprocess(images: Tensor, mode: str) -> Tensor:
    """Map RGB images in [0, 1] (last axis = channels) to a model's input convention."""
    bgr, scale, offset = _PREPROCESS[mode]
    if bgr:
        images = ops.flip(images, axis=-1)
    return ops.add(ops.multiply(images, scale), offset)


@dataclass(eq=False)
class DreamModel:
    """A network ready for dreaming: stable layer names, its preprocessing, its dreamable layers."""

    network: keras.Model
    preprocess_mode: str
    label: str
    #: Layers that may be dreamed at, in network order.
    dreamable: tuple[str, ...]
    #: The main blocks (``mixed0`` …) that ``dreamzoom layers`` shows first.
    blocks: tuple[str, ...] = ()
    #: The layer holding class scores before softmax, if the network has a classifier.
    class_layer: str | None = None
    #: The precision it computes in (``float32``, ``bfloat16``, ``float16``).
    precision: str = "float32"
    #: Layers of the architecture that exist but cannot be dreamed at here, and why.
    unavailable: frozenset[str] = frozenset()
    unavailable_hint: str = ""
    #: The same network as the dream step runs it (see ``folding``); set by :func:`load`.
    folded: folding.Folded | None = field(default=None, repr=False)
    #: A second network whose layers (named ``beside:…``) score classes for one without a classifier.
    beside: DreamModel | None = field(default=None, repr=False)
    _extractors: dict[tuple[str, ...], keras.Model] = field(default_factory=dict, repr=False)

    def check_layer(self, name: str, key: str) -> None:
        """Raise a one-line error, naming ``key``, if ``name`` cannot be dreamed at."""
        if name in self.dreamable:
            return
        if name in self.unavailable:
            raise DreamzoomError(f"layer '{name}' {self.unavailable_hint}", key=key)
        close = difflib.get_close_matches(name, self.dreamable, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise DreamzoomError(
            f"{self.label} has no dreamable layer '{name}'{hint}; `dreamzoom layers` lists them", key=key
        )

    def features(self, frame: np.ndarray, layer: str) -> np.ndarray:
        """The activations of ``layer`` for one float RGB frame, without the batch axis."""
        images = ops.convert_to_tensor(frame[None], "float32")
        return np.asarray(ops.convert_to_numpy(self.outputs(images, (layer,))[0])[0])

    def outputs(self, images: Tensor, layers: tuple[str, ...], seed: Tensor | None = None) -> list[Tensor]:
        """The activations of ``layers`` for a batch of RGB images in [0, 1], each network (this one,
        and the classifier beside it for ``beside:`` layers) run once on its own preprocessing; with
        a ``seed`` (while dreaming), the classifier beside sees random crops (:func:`framing.crops`)."""
        own, theirs = self._split(layers)
        found: dict[str, Tensor] = {}
        if own:
            values = self.extractor(own)(preprocess(images, self.preprocess_mode), training=False)
            found.update(zip(own, values if isinstance(values, (list, tuple)) else [values], strict=True))
        if theirs:
            assert self.beside is not None
            framed = (
                framing.at_most(images, BESIDE_SIDE)
                if seed is None
                else framing.crops(images, seed, BESIDE_VIEWS, BESIDE_CROP, BESIDE_SIDE)
            )
            seen = self.beside.outputs(framed, theirs)
            found.update(zip((BESIDE + name for name in theirs), seen, strict=True))
        return [found[name] for name in layers]

    def depth(self, layer: str) -> int | None:
        """``layer``'s channel (or class) count, from the network that has it."""
        if layer.startswith(BESIDE):
            assert self.beside is not None
            return self.beside.depth(layer.removeprefix(BESIDE))
        depth = self.network.get_layer(layer).output.shape[-1]
        return None if depth is None else int(depth)

    def _split(self, layers: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``layers`` of this network, and those of the classifier beside it (without the prefix)."""
        own = tuple(name for name in layers if not name.startswith(BESIDE))
        theirs = tuple(name.removeprefix(BESIDE) for name in layers if name.startswith(BESIDE))
        return own, theirs

    def require_classifier(self, key: str) -> str:
        """The class-score layer, or a one-line error saying how to get one."""
        if self.class_layer is None:
            raise DreamzoomError(
                f"{self.label} has no classifier: set model.classifier: auto (the bundled SqueezeNet "
                "beside it), model.weights: imagenet, or model.class_layer for a saved model",
                key=key,
            )
        return self.class_layer

    def extractor(self, layers: tuple[str, ...]) -> keras.Model:
        """A model from the input to ``layers`` (in that order), built once and reused: cut from the
        folded network, unless a layer asked for is a convolution whose output folding changed."""
        if layers not in self._extractors:
            folded = self.folded
            network = self.network if folded is None or folded.changed & set(layers) else folded.network
            outputs = [network.get_layer(name).output for name in layers]
            self._extractors[layers] = keras.Model(network.input, outputs, name="features")
        return self._extractors[layers]

    def output_shapes(self, layers: tuple[str, ...], size: tuple[int, int]) -> list[tuple[int, ...]]:
        """Each layer's output shape without the batch axis (``(height, width, channels)`` for
        image layers) for a frame of ``size = (width, height)``."""
        specs = self.extractor(layers).compute_output_spec(keras.KerasTensor((1, size[1], size[0], 3)))
        specs = specs if isinstance(specs, list) else [specs]
        return [tuple(spec.shape[1:]) for spec in specs]

    def min_size(self, layers: tuple[str, ...]) -> int:
        """The smallest square input whose every requested layer output is at least 1×1."""
        own, theirs = self._split(layers)
        if theirs:
            assert self.beside is not None
            return max(self.beside.min_size(theirs), self.min_size(own) if own else 1)
        low, high = 1, 4096  # invariant: ``high`` works
        while low < high:
            middle = (low + high) // 2
            try:
                self.output_shapes(layers, (middle, middle))
                high = middle
            except ValueError:  # Keras: "computed output size would be zero or negative"
                low = middle + 1
        return high


def load(spec: config.Model, classify: bool = False) -> DreamModel:
    """The network a config's ``model`` section names, built once per process; ``classify``: the
    render raises classes, so a network without a classifier gets the bundled SqueezeNet beside it
    (unless ``model.classifier: own``).

    ``precision: auto`` is resolved first, so that ``auto`` and the precision it picks share one
    network (a test pinning ``float32`` reuses the session's default model where auto is float32).
    """
    resolved = spec.model_copy(update={"precision": precision.resolve_precision(spec.precision)})
    model = _load(resolved)
    if classify and model.class_layer is None and spec.classifier == "auto":
        return _with_classifier(resolved)
    return model


@functools.lru_cache(maxsize=2)
def _with_classifier(spec: config.Model) -> DreamModel:
    """The model of ``spec`` with the bundled SqueezeNet (in the same precision) beside it: a second
    network that sees every view the dream step does and scores its classes."""
    model, squeezenet = _load(spec), _load(config.Model(name="squeezenet", precision=spec.precision))
    assert squeezenet.class_layer is not None
    label = f"{model.label}, with {squeezenet.label.split(' (')[0]}'s classifier beside it"
    return replace(model, label=label, class_layer=BESIDE + squeezenet.class_layer, beside=squeezenet)


@functools.lru_cache(maxsize=4)
def _load(spec: config.Model) -> DreamModel:
    started, policy = time.perf_counter(), precision.POLICIES[spec.precision]
    if spec.path is not None:
        model = _load_saved(spec.path, spec.preprocess or "inception")
    elif spec.name == "squeezenet":
        model = _squeezenet(spec.preprocess or "caffe", random=spec.weights == "random", policy=policy)
    elif spec.weights == "bundled":
        model = _bundled_inception(spec.preprocess or "inception", policy)
    else:
        with precision.dtype_policy(policy):
            model = _applications_inception(spec)
    if spec.class_layer is not None:
        if spec.class_layer not in {layer.name for layer in model.network.layers}:
            raise DreamzoomError(f"{model.label} has no layer '{spec.class_layer}'", key="model.class_layer")
        model.class_layer = spec.class_layer
    model.precision = spec.precision if spec.path is None else precision.compute_precision(model.network)
    model.folded = _fold(model, spec.path is None)
    _log.info("model: %s in %s, built in %.1f s", model.label, model.precision, time.perf_counter() - started)
    return model


def _fold(model: DreamModel, known: bool) -> folding.Folded | None:
    """The network folded for dreaming, in its precision; a saved model keeps its layers' own types,
    and one that cannot be rebuilt from its config (custom layers) is dreamed unfolded."""
    try:
        return folding.fold(model.network, model.precision if known else None)
    except Exception:  # noqa: BLE001 — any failure to rebuild leaves the working original in use
        return None


def _applications_inception(spec: config.Model) -> DreamModel:
    """InceptionV3 through keras.applications: ImageNet (downloaded once), random, or a weights file."""
    if spec.weights in ("imagenet", "random"):
        if spec.weights == "random":
            keras.utils.set_random_seed(0)  # the same untrained network every time
        network = _download_guarded(
            lambda: inception_with_classifier(None if spec.weights == "random" else "imagenet")
        )
        label = "InceptionV3 (ImageNet)" if spec.weights == "imagenet" else "InceptionV3 (random weights)"
        return _wrap(network, spec.preprocess or "inception", label, class_layer="logits")
    try:
        network = _inception(weights=str(spec.weights))
    except (ValueError, OSError) as error:
        reason = str(error).splitlines()[0]
        raise DreamzoomError(
            f"cannot load {spec.weights} as InceptionV3 weights: {reason}", key="model.weights"
        ) from None
    return _wrap(network, spec.preprocess or "inception", f"InceptionV3 ({Path(spec.weights).name})")


def _inception(weights: str | None) -> keras.Model:
    network = keras.applications.InceptionV3(include_top=False, weights=weights, input_shape=(None, None, 3))
    canonicalise_names(network)
    return network


def inception_with_classifier(weights: str | None) -> keras.Model:
    """InceptionV3 with its 1000-class head, for frames of any size, scoring before softmax.

    Keras builds the classifier version only for 299×299 input; its head (global average pooling,
    then a dense layer) works at any size, so the same layers are rebuilt on a size-free input and
    the trained weights (``weights``: ``imagenet``, a weights file, or ``None``) copied across.
    """
    base = _inception(weights=None)
    pooled = keras.layers.GlobalAveragePooling2D(name="avg_pool")(base.output)
    logits = keras.layers.Dense(1000, name="logits")(pooled)
    network = keras.Model(base.input, logits, name="inception_v3")
    if weights is not None:
        trained = keras.applications.InceptionV3(
            include_top=True, weights=weights, classifier_activation=None
        )
        with_weights = [layer for layer in network.layers if layer.weights]
        trained_with_weights = [layer for layer in trained.layers if layer.weights]
        for target, source in zip(with_weights, trained_with_weights, strict=True):
            target.set_weights(source.get_weights())
    return network


def _wrap(network: keras.Model, mode: str, label: str, class_layer: str | None = None) -> DreamModel:
    dreamable = _image_layers(network)
    blocks = tuple(name for name in dreamable if re.fullmatch(r"mixed\d+", name))
    return DreamModel(network, mode, label, dreamable, blocks or dreamable, class_layer)


def _image_layers(network: keras.Model) -> tuple[str, ...]:
    """Layers with an image-shaped output (batch, height, width, channels), in network order."""
    return tuple(
        layer.name
        for layer in network.layers
        if not isinstance(layer, keras.layers.InputLayer) and len(layer.output.shape) == 4
    )


def _weights_file(name: str) -> Any:
    return resources.files("dreamzoom.weights").joinpath(name)


def _bundled_inception(mode: str, policy: str) -> DreamModel:
    """InceptionV3 up to mixed5 from its shipped architecture and 8-bit weights."""
    network = _rebuilt("inception_v3_mixed5", policy)
    _set_weights(network, "inception_v3_mixed5.npz", _dequantize)
    model = _wrap(network, mode, "InceptionV3 (bundled ImageNet weights up to mixed5)")
    above = _weights_file("inception_v3_above_mixed5.txt").read_text(encoding="utf-8").split()
    model.unavailable = frozenset(above)
    model.unavailable_hint = (
        f"is above {BUNDLED_TOP}, the deepest layer with bundled weights: set model.weights: "
        "imagenet for the full network"
    )
    return model


def _rebuilt(name: str, policy: str, random: bool = False) -> keras.Model:
    """A shipped architecture (``NAME.json``) built under ``policy``, its weights still to set:
    zeros until then, unless ``random`` weights are what is wanted. (Drawing random weights only to
    overwrite them cost JAX 10 s for InceptionV3, compiling each initialiser for each shape.)"""
    document = json.loads(_weights_file(f"{name}.json").read_text(encoding="utf-8"))
    for layer in [] if random else document["config"]["layers"]:
        for key in layer["config"]:
            if key.endswith("_initializer"):
                layer["config"][key] = {"module": "keras.initializers", "class_name": "Zeros", "config": {}}
    return keras.models.model_from_json(precision.with_policy(json.dumps(document), policy))


def _set_weights(
    network: keras.Model, name: str, value: Callable[[np.lib.npyio.NpzFile, str], np.ndarray]
) -> None:
    """Set every layer's weights from the shipped ``name``, each read by ``value(stored, "layer/i")``."""
    with _weights_file(name).open("rb") as handle:
        stored = np.load(handle)
        for layer in network.layers:
            if layer.weights:
                layer.set_weights([value(stored, f"{layer.name}/{i}") for i in range(len(layer.weights))])


def _dequantize(stored: np.lib.npyio.NpzFile, key: str) -> np.ndarray:
    low, high = stored[f"{key}/range"].astype(np.float64)
    codes = stored[f"{key}/q"].astype(np.float64)
    return np.asarray(low + codes * ((high - low) / 255), np.float32)


def _squeezenet(mode: str, random: bool, policy: str) -> DreamModel:
    """SqueezeNet v1.1, the whole ImageNet classifier, rebuilt from its shipped architecture and
    float16 weights (or seeded random ones)."""
    if random:
        keras.utils.set_random_seed(0)
    network = _rebuilt("squeezenet", policy, random)
    if not random:
        _set_weights(network, "squeezenet.npz", lambda stored, key: stored[key].astype(np.float32))
    label = "SqueezeNet 1.1 (" + ("random weights)" if random else "bundled ImageNet weights)")
    model = _wrap(network, mode, label, class_layer="avgpool10")
    model.blocks = tuple(
        name for name in model.dreamable if re.fullmatch(r"conv1|fire\d+_concat|relu_conv10", name)
    )
    return model


def _load_saved(path: Path, mode: str) -> DreamModel:
    try:
        network = keras.models.load_model(path, compile=False)
    except Exception as error:  # noqa: BLE001 — Keras raises many types for a bad file; all mean "not a model"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DreamzoomError(f"cannot load {path} as a Keras model: {reason}", key="model.path") from None
    shape = tuple(network.inputs[0].shape) if len(network.inputs) == 1 else ()
    if len(shape) != 4 or shape[-1] != 3:
        raise DreamzoomError(
            f"{path.name} takes input of shape {shape or 'several inputs'}; dreaming needs one RGB "
            "image input (batch, height, width, 3)",
            key="model.path",
        )
    if shape[1] is not None or shape[2] is not None:
        raise DreamzoomError(
            f"{path.name} takes fixed {shape[2]}×{shape[1]} images; dreaming resizes frames, so "
            "save the model with input_shape=(None, None, 3)",
            key="model.path",
        )
    return _wrap(network, mode, path.name)


def _download_guarded(build: Callable[[], keras.Model]) -> keras.Model:
    """Run a build that downloads weights through Keras, turning an offline failure into one line."""
    try:
        return build()
    except Exception as error:
        text = str(error)
        if not (isinstance(error, (URLError, OSError)) or "fetch failure" in text or "URL" in text):
            raise
        raise DreamzoomError(
            "could not download the InceptionV3 ImageNet weights (no network?): use model.weights: "
            "bundled (offline, layers up to mixed5), a local weights file (model.weights: PATH), or "
            "a saved model (model.path: FILE.keras)",
            key="model.weights",
        ) from None


_AUTO_NAME = re.compile(r"(?P<base>.+?)(?:_(?P<index>\d+))?")


def _snake_case(class_name: str) -> str:
    """Keras' automatic layer-name prefix for a class (``BatchNormalization`` → ``batch_normalization``)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def canonicalise_names(network: keras.Model) -> None:
    """Give automatically named layers the names they get in a fresh session.

    Keras numbers automatic names per process, so a second InceptionV3 built in one session has
    ``conv2d_94`` where the first had ``conv2d``. Layer names are part of a config (channel and
    layer objectives name them), so they are renumbered from zero per prefix.
    """
    groups: dict[str, list[tuple[int, keras.layers.Layer]]] = defaultdict(list)
    for layer in network.layers:
        base = _snake_case(type(layer).__name__)
        match = _AUTO_NAME.fullmatch(layer.name)
        if match and match["base"] == base:
            groups[base].append((int(match["index"] or 0), layer))
    for base, members in groups.items():
        first = min(index for index, _ in members)
        for index, layer in members:
            layer.name = base if index == first else f"{base}_{index - first}"
