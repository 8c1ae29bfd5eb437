"""Assembly: a config's terms turned into a checked objective, a built dream step and frame 0.

Everything a render needs is loaded and checked here — files, model, layers, channels, classes,
sizes — before anything is written, so that a bad config fails in seconds, not after an hour.
It starts from a :class:`resolve.Plan` (the video probed, the song analysed, the precision chosen)
and looks nothing up again. Nothing here renders: :func:`prepare` returns what :mod:`timeline`
turns into frames.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import classes, explore, footage, models, objectives, source
from .backend import keras
from .config import Config, Term, plain
from .dream import Dreamer
from .errors import DreamzoomError
from .resolve import Plan
from .schedule import parse as parse_schedule

# Independent random streams derived from the config's seed, so that adding randomness to one
# part of the pipeline never changes another's.
SOURCE_STREAM, JITTER_STREAM = 1, 2


def rng(seed: int, stream: int, index: int = 0) -> np.random.Generator:
    """The random generator for one purpose (``stream``) and frame (``index``) of a seeded render."""
    return np.random.default_rng([seed, stream, index])


@dataclass
class Prepared:
    """A render that has passed every check and is ready to run."""

    plan: Plan
    dreamer: Dreamer
    first: np.ndarray
    #: Objective weights that change over time, and the variables the compiled step reads them from.
    weights: list[tuple[Any, keras.Variable]] = field(default_factory=list)
    #: The exploration's path and the channel weights it sets, if the config explores.
    exploration: Exploration | None = None
    #: A video source's frames from a given output frame on (decoded as they are read), if any.
    inputs: Callable[[int], Iterator[np.ndarray]] | None = None

    @property
    def config(self) -> Config:
        """The config as it runs (see :class:`resolve.Plan`)."""
        return self.plan.config

    def set_frame(self, index: int, image: np.ndarray) -> None:
        """Point the compiled step's variables at frame ``index``, whose input is ``image``:
        scheduled weights, the path (whose things may be picked by what ``image`` resembles)."""
        for spec, variable in self.weights:
            variable.assign(self.plan.value(spec, index))
        if self.exploration is not None:
            self.exploration.assign(index, image)


@dataclass
class Exploration:
    """A seeded :class:`explore.Path`, the per-layer channel weights the objective reads, and the
    class weights of its things (at the model's classifier) where it has any. Things picked by
    resemblance are chosen here, as the path first needs them, with ``look`` (the classifier's
    scores for a frame); the choices travel with the checkpoint (:meth:`arrays`)."""

    path: explore.Path
    variables: dict[str, keras.Variable]
    things: keras.Variable | None = None
    look: Callable[[np.ndarray], np.ndarray] | None = None
    chosen: dict[int, int] = field(default_factory=dict)

    def assign(self, frame: int, image: np.ndarray) -> None:
        if self.look is not None:
            for k in self.path.needed(frame):
                if k not in self.chosen:
                    self.chosen[k] = explore.resembling(self.path, k, self.look(image), self.chosen)
        channels, things = self.path.mixed(frame, self.chosen)
        for layer, weights in channels.items():
            self.variables[layer].assign(weights)
        if self.things is not None:
            self.things.assign(things)

    def arrays(self) -> dict[str, np.ndarray]:
        """The things chosen so far (motif, class), for a checkpoint."""
        return {"explore_chosen": np.array(sorted(self.chosen.items()), np.int64).reshape(-1, 2)}

    def restore(self, saved: Mapping[str, np.ndarray]) -> None:
        """The choices a checkpoint kept, so that a resumed render makes the same frames."""
        self.chosen = {int(k): int(c) for k, c in saved.get("explore_chosen", np.zeros((0, 2)))}


def prepare(plan: Plan) -> Prepared:
    """Load and check everything the render ``plan`` needs, writing nothing."""
    config = plan.config
    model = models.load(config.model, classify=config.dream.classifies())
    objective, weights, exploration = build_objective(plan, model)
    has_class = any(term.kind == "class" for term in config.dream.terms())
    dreamer = Dreamer(model, objective, config.dream.prior.settings(has_class), config.dream.tile_size)
    _check_sizes(config, dreamer, objective.layers)
    inputs = functools.partial(footage.frames, config, plan.video) if plan.video is not None else None
    first = (
        next(inputs(0))
        if inputs
        else source.load(config.source, config.size, rng(config.seed, SOURCE_STREAM))
    )
    return Prepared(plan, dreamer, first, weights, exploration, inputs)


def _check_sizes(config: Config, dreamer: Dreamer, layers: tuple[str, ...]) -> None:
    """The frame, and its tiles, must be large enough for the deepest layer to see something."""
    if min(config.size) < dreamer.min_side:
        raise DreamzoomError(
            f"{config.size[0]}×{config.size[1]} is too small for the layers dreamed "
            f"({', '.join(layers)}): both sides must be at least {dreamer.min_side} px",
            key="size",
        )
    if 0 < config.dream.tile_size < 2 * dreamer.min_side:
        raise DreamzoomError(
            f"tiles of {config.dream.tile_size} px are too small for these layers: use at least "
            f"{2 * dreamer.min_side}, or 0 for no tiling",
            key="dream.tile_size",
        )


def term_key(config: Config, index: int, term: Term) -> str:
    """The config key a term came from (``dream.layers.mixed3`` or ``dream.objectives.2``)."""
    shorthand = len(config.dream.terms()) - len(config.dream.objectives)
    if index < shorthand:
        return f"dream.layers.{term.layer}"
    return f"dream.objectives.{index - shorthand}"


def build_objective(
    plan: Plan, model: models.DreamModel
) -> tuple[objectives.Objective, list[tuple[Any, keras.Variable]], Exploration | None]:
    """The config's objective terms, each checked against the model, summed with their weights,
    and the exploration's term if the config explores.

    A weight that changes over time becomes a variable the compiled step reads, so that scheduling
    it never re-traces; the variables come back with their schedules.
    """
    config = plan.config
    parts: list[objectives.Objective] = []
    scheduled: list[tuple[Any, keras.Variable]] = []
    for index, term in enumerate(config.dream.terms()):
        part = _term_objective(config, model, term, term_key(config, index, term))
        parts.append(_weighted(plan, term.weight, part, scheduled))
    exploration = None
    if config.dream.explore is not None:
        exploration = _exploration(plan, model)
        terms = [objectives.weighted_channels(name, v) for name, v in exploration.variables.items()]
        if exploration.things is not None:
            layer = model.require_classifier("dream.explore.classes")
            things = objectives.weighted_classes(layer, exploration.things)
            terms.append(things * config.dream.explore.class_weight)
        parts.append(_weighted(plan, config.dream.explore.weight, objectives.total(terms), scheduled))
    return objectives.total(parts), scheduled, exploration


def _weighted(
    plan: Plan, spec: Any, part: objectives.Objective, scheduled: list[tuple[Any, keras.Variable]]
) -> objectives.Objective:
    """``part`` times its weight: a constant, or a variable (added to ``scheduled``) if it changes."""
    weight: float | keras.Variable
    if parse_schedule(plain(spec)).constant is not None:
        weight = plan.value(spec, 0)
    else:
        weight = keras.Variable(plan.value(spec, 0), dtype="float32", trainable=False)
        scheduled.append((spec, weight))
    return part * weight  # the objective first: `variable * part` would freeze the variable's value


def _exploration(plan: Plan, model: models.DreamModel) -> Exploration:
    """The checked path of ``dream.explore`` and a weight variable for each of its layers."""
    config = plan.config
    spec = config.dream.explore
    assert spec is not None
    depths = {}
    for index, layer in enumerate(spec.layers):
        model.check_layer(layer, f"dream.explore.layers.{index}")
        depths[layer] = int(model.depth(layer) or 0)
    things, count = _things(spec.classes, spec.pick, model)
    loop_frames = plan.frames if config.loop is not None else None
    path = explore.path(
        config.seed,
        depths,
        spec.channels,
        spec.seconds,
        spec.crossfade,
        config.output.fps,
        loop_frames,
        things,
        count,
        spec.pick,
    )
    variables = {
        layer: keras.Variable(np.zeros(depth, np.float32), trainable=False) for layer, depth in depths.items()
    }
    weights = keras.Variable(np.zeros(count, np.float32), trainable=False) if count else None
    look = None
    if spec.pick == "resemblance":
        layer = model.require_classifier("dream.explore.pick")
        look = functools.partial(_class_scores, model, layer)
    return Exploration(path, variables, weights, look)


def _class_scores(model: models.DreamModel, layer: str, image: np.ndarray) -> np.ndarray:
    """The classifier's score for each class of one frame (averaged over any spatial positions)."""
    scores = model.features(image, layer).astype(np.float64)
    return np.asarray(scores.reshape(-1, scores.shape[-1]).mean(axis=0))


def _things(names: list[str | int], pick: str, model: models.DreamModel) -> tuple[list[int], int]:
    """``dream.explore.classes`` as class numbers, checked against the model's classifier, and how
    many classes it scores (none without things: no list, and things picked in order)."""
    if not names and pick == "order":
        return [], 0
    layer = model.require_classifier("dream.explore.classes" if names else "dream.explore.pick")
    count = int(model.depth(layer) or 0)
    numbers: list[int] = []
    for index, name in enumerate(names):
        key = f"dream.explore.classes.{index}"
        listed = classes.category(name) or (classes.index_of(name, key, grouped=True),)
        if max(listed) >= count:
            raise DreamzoomError(
                f"{model.label}'s classifier scores classes 0–{count - 1}, not {max(listed)}", key=key
            )
        numbers += listed
    return list(dict.fromkeys(numbers)), count  # each once, as first listed (categories overlap)


def _term_objective(config: Config, model: models.DreamModel, term: Term, key: str) -> objectives.Objective:
    """One term as an objective, checked against the model; errors name ``key``."""
    if term.kind == "class":
        assert term.class_ is not None
        layer = model.require_classifier(f"{key}.class")
        number = classes.index_of(term.class_, f"{key}.class")
        return objectives.class_score(layer, number, classes.name(number))
    assert term.layer is not None
    model.check_layer(term.layer, key if key.startswith("dream.layers") else f"{key}.layer")
    if term.kind == "channel":
        assert term.channels is not None
        check_channels(model, term.layer, term.channels, f"{key}.channels")
        return objectives.channel(term.layer, term.channels)
    if term.kind == "guide":
        assert term.guide is not None
        picture = source.fit(source.read_image(term.guide, key=f"{key}.guide"), config.size, "cover")
        return objectives.guide(term.layer, model.features(picture, term.layer), term.guide.name)
    return objectives.layer(term.layer)


def check_channels(model: models.DreamModel, layer: str, channels: list[int], key: str) -> None:
    """Raise a one-line error, naming ``key``, if ``layer`` lacks any of ``channels``. The depth is
    the layer's own static one, not a probe's output: some saved models' layers give no output at
    all for frames below a size that no fixed probe would know."""
    depth = model.depth(layer)
    if depth is not None and max(channels) >= depth:
        raise DreamzoomError(f"{layer} has channels 0–{depth - 1}, not {max(channels)}", key=key)
