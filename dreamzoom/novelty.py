"""Novelty: how much a run keeps discovering, judged by a network other than the one that dreamed.

A zoom that "collapses" repaints every frame with the same motif; one that explores shows new
things every few seconds. Both are measured here on what an independent judge sees: the bundled
SqueezeNet (trained apart from InceptionV3, so it does not share the dream's own features). Each
sampled frame becomes a *look*: SqueezeNet's pooled ``fire9`` features (unit length) and its top
ImageNet class. From the looks of a run (pure functions below):

- **similarity at a lag** (2 s by default): the cosine between a frame's features and those of the
  frame 2 s earlier. Near 1: the picture has not changed in kind; the run's median is its headline.
- **novelty**: 1 − that similarity, per frame (the telemetry column) and as the run's median.
- **commonest class**: the share of sampled frames whose top class is the single most frequent one.
- **motifs**: how many clearly different pictures 8 sampled frames spread over the run show (all of
  them in a run of fewer; greedy clusters whose members are less than :data:`MOTIF_SIMILARITY` alike).
- **variety**: 1 − the mean cosine between all pairs of sampled frames: how varied the whole run is.
- **things named**: whether the run shows *things*, not only texture, asked of a second network,
  the referee of :mod:`recognition` (EfficientNet-Lite0, which dreams nothing, not even the things
  that exploration raises through SqueezeNet): the share of sampled frames whose top class it gives
  a probability of at least :data:`NAMED`, its median top probability, and the distinct classes so
  named.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import autodiff, classes, config, models, recognition
from .backend import Tensor, keras, ops
from .metrics import counted
from .motion import resize

#: Frames are judged at this size, whatever the video's: features then mean the same for any size.
JUDGE_SIDE = 224
#: Length of a look's features: the channels of SqueezeNet's ``fire9_concat``.
FEATURES = 512
#: Seconds back that novelty compares with.
LAG_SECONDS = 2.0
#: The referee names a frame's thing when its top class has at least this probability.
NAMED = 0.3
#: Frames this alike (cosine of judge features) or more count as the same motif.
MOTIF_SIMILARITY = 0.8
#: Frames of a contact sheet, spread over the run, among which motifs are counted (at most).
SHEET_FRAMES = 8
#: A run whose frames 2 s apart are this alike or more, for :data:`COLLAPSE_SECONDS`, has collapsed.
COLLAPSE_SIMILARITY = 0.9
COLLAPSE_SECONDS = 4.0


@dataclass(frozen=True)
class Look:
    """What the judge sees in one frame: unit-length pooled features and the top class; and the
    referee's top class and its probability (``-1`` and 0 in looks a checkpoint kept without them)."""

    features: np.ndarray
    label: int
    thing: int = -1
    confidence: float = 0.0

    def named(self) -> str | None:
        """The class the referee names in the frame, if it is confident enough."""
        return classes.name(self.thing) if self.thing >= 0 and self.confidence >= NAMED else None


class Judge:
    """The bundled SqueezeNet in float32 (the same answer on every machine), built once."""

    def __init__(self) -> None:
        model = models.load(config.Model(name="squeezenet", weights="bundled", precision="float32"))
        network = model.network
        assert model.class_layer is not None
        outputs = [network.get_layer("fire9_concat").output, network.get_layer(model.class_layer).output]
        extractor = keras.Model(network.inputs, outputs)
        mode = model.preprocess_mode

        def judge(images: Tensor) -> tuple[Tensor, Tensor]:
            features, scores = extractor(models.preprocess(images, mode), training=False)
            pooled = ops.mean(ops.cast(features, "float32"), axis=(1, 2))
            # Unit length, as TensorFlow's l2_normalize made it (a reciprocal square root, with its
            # floor under the squared norm), so that looks kept in checkpoints compare bit for bit.
            squared = ops.maximum(ops.sum(ops.square(pooled), axis=-1, keepdims=True), 1e-12)
            return pooled * ops.rsqrt(squared), ops.argmax(scores, axis=-1)

        self._judge = autodiff.compile(judge, [autodiff.spec([None, JUDGE_SIDE, JUDGE_SIDE, 3], "float32")])

    def look(self, frames: list[np.ndarray]) -> list[Look]:
        """Looks at frames (float in [0, 1] or uint8, any size), in one batch."""
        batch = np.stack([_judge_size(frame) for frame in frames])
        features, labels = (ops.convert_to_numpy(part) for part in self._judge(batch))
        refereed = recognition.probabilities(frames)
        return [
            Look(f, int(k), int(np.argmax(p)), float(np.max(p)))
            for f, k, p in zip(features, labels, refereed, strict=True)
        ]


def _judge_size(frame: np.ndarray) -> np.ndarray:
    """A frame as float RGB in [0, 1] at the judge's size."""
    image = frame.astype(np.float32) / 255.0 if frame.dtype == np.uint8 else frame.astype(np.float32)
    return resize(image, JUDGE_SIDE, JUDGE_SIDE)


def similarity(a: Look, b: Look) -> float:
    """Cosine between two looks' features: 1 for the same picture, lower the more they differ."""
    return float(np.dot(a.features, b.features))


def lagged_similarities(looks: list[Look], lag: int) -> list[float]:
    """Each look's similarity with the one ``lag`` samples earlier (none for the first ``lag``)."""
    return [similarity(looks[i], looks[i - lag]) for i in range(lag, len(looks))]


def motifs(looks: list[Look], threshold: float = MOTIF_SIMILARITY) -> int:
    """Greedy clusters: each look joins the first earlier motif it is ``threshold`` alike, else
    starts a new one."""
    centres: list[Look] = []
    for look in looks:
        if all(similarity(look, centre) < threshold for centre in centres):
            centres.append(look)
    return len(centres)


def spread(looks: list[Look], count: int = SHEET_FRAMES) -> list[int]:
    """Indices of ``count`` looks spread evenly from the first to the last (fewer if fewer exist)."""
    if len(looks) <= count:
        return list(range(len(looks)))
    return [round(i * (len(looks) - 1) / (count - 1)) for i in range(count)]


@dataclass(frozen=True)
class Summary:
    """A run's novelty figures (see the module's docstring)."""

    samples: int
    similarity: float | None  # median similarity of looks LAG_SECONDS apart (None: run too short)
    commonest_class: str
    commonest_share: float
    motifs: int
    variety: float
    motif_frames: int = SHEET_FRAMES  # the sampled frames, spread over the run, motifs were counted in
    named_share: float = 0.0  # sampled frames whose thing the referee names (top-1 p ≥ NAMED)
    confidence: float = 0.0  # the referee's median top-1 probability
    things: tuple[str, ...] = ()  # the distinct things it named, the commonest first

    def facts(self) -> dict[str, object]:
        """The figures as a sidecar records them."""
        rounded = None if self.similarity is None else round(self.similarity, 4)
        return {
            "judge": "squeezenet",
            "samples": self.samples,
            "similarity_2s": rounded,
            "novelty_2s": None if rounded is None else round(1 - rounded, 4),
            "commonest_class": self.commonest_class,
            "commonest_share": round(self.commonest_share, 4),
            "motifs": self.motifs,
            "motif_frames": self.motif_frames,
            "variety": round(self.variety, 4),
            "referee": "efficientnet-lite0",
            "named_share": round(self.named_share, 4),
            "median_confidence": round(self.confidence, 4),
            "things_named": list(self.things),
        }

    def named(self) -> str:
        """How often the referee names a thing, how surely, and which (the first few)."""
        shown = ", ".join(f'"{name}"' for name in self.things[:SHOWN_THINGS])
        more = ", …" if len(self.things) > SHOWN_THINGS else ""
        return (
            f"{self.named_share:.0%} of sampled frames (median confidence {self.confidence:.2f}); "
            f"{counted(len(self.things), 'distinct thing')}{': ' + shown + more if shown else ''}"
        )

    def commonest(self) -> str:
        """The commonest class, quoted (ImageNet's "stole" or "crane" read as words otherwise), its
        share and of how many sampled frames."""
        return (
            f'"{self.commonest_class}" in {self.commonest_share:.0%} of '
            f"{counted(self.samples, 'sampled frame')}"
        )

    def line(self) -> str:
        """The headline figures on one line."""
        alike = (
            "" if self.similarity is None else f"frames {LAG_SECONDS:g} s apart {self.similarity:.0%} alike, "
        )
        distinct = counted(len(self.things), "distinct thing")
        named = f"things named in {self.named_share:.0%} ({distinct})" if self.things else "no things named"
        return (
            f"{alike}commonest class {self.commonest()}, "
            f"{counted(self.motifs, 'motif')} among {counted(self.motif_frames, 'frame')}, {named}"
        )

    def lines(self) -> list[str]:
        """The figures for people, one per line."""
        alike = "n/a (shorter than 2 s)" if self.similarity is None else f"{self.similarity:.0%}"
        return [
            f"frames {LAG_SECONDS:g} s apart alike: {alike} (median; lower means more novelty)",
            f"commonest class: {self.commonest()}",
            f"motifs among {counted(self.motif_frames, 'frame')} across the run: {self.motifs}",
            f"variety over the whole run: {self.variety:.2f} (0: one picture throughout)",
            f"things the referee names (top-1 p ≥ {NAMED:g}): {self.named()}",
        ]


def summarise(looks: list[Look], per_second: float) -> Summary:
    """The figures of a run from its looks, sampled ``per_second`` times a second."""
    if not looks:
        raise ValueError("no frames to summarise")
    lag = round(LAG_SECONDS * per_second)
    lagged = lagged_similarities(looks, lag) if lag >= 1 else []
    label, count = Counter(look.label for look in looks).most_common(1)[0]
    # The sum of all pairs' cosines is |Σ f|² less the n self-pairs' |f|²: linear in the run's
    # length, where the n × n matrix of an hour's looks would take the better part of a gigabyte.
    matrix = np.stack([look.features for look in looks]).astype(np.float64)
    n = len(looks)
    total = float(np.sum(matrix.sum(axis=0) ** 2) - np.sum(matrix**2))
    mean_pair = total / (n * (n - 1)) if n > 1 else 1.0
    sheet = spread(looks)
    named = [name for name in (look.named() for look in looks) if name is not None]
    return Summary(
        samples=n,
        similarity=float(np.median(lagged)) if lagged else None,
        commonest_class=classes.name(label),
        commonest_share=count / n,
        motifs=motifs([looks[i] for i in sheet]),
        variety=1.0 - mean_pair,
        motif_frames=len(sheet),
        named_share=len(named) / n,
        confidence=float(np.median([look.confidence for look in looks])),
        things=tuple(name for name, _ in Counter(named).most_common()),
    )


#: Named things a summary line shows (the sidecar keeps them all).
SHOWN_THINGS = 8
#: Frames judged per second of video: enough for 2-second lags, cheap beside any dream step.
SAMPLES_PER_SECOND = 4


@functools.cache
def judge() -> Judge:
    """The process's one judge (built on first use: about a second)."""
    return Judge()


class Watch:
    """Novelty during a render: judges every few frames as they are written, gives each judged
    frame's novelty for the telemetry and warns once when the run collapses. Its looks travel with
    the checkpoint (:meth:`arrays`), so a resumed run goes on comparing with what came before. (A
    finished render's summary is judged again in its video, as ``dreamzoom inspect`` judges it:
    these looks see the frames before they are rounded to 8 bits and encoded.)"""

    def __init__(self, fps: float, saved: Mapping[str, np.ndarray] | None = None) -> None:
        self.every = max(1, round(fps / SAMPLES_PER_SECOND))
        self.per_second = fps / self.every
        self.lag = max(1, round(LAG_SECONDS * self.per_second))
        self.span = max(1, round(COLLAPSE_SECONDS * self.per_second))
        self.looks: list[Look] = []
        self.collapsed = False
        if saved is not None and "novelty_labels" in saved:
            features, labels = saved["novelty_features"], saved["novelty_labels"]
            count = len(labels)
            things = saved.get("novelty_things", np.full(count, -1))
            confidences = saved.get("novelty_confidences", np.zeros(count))
            self.looks = [
                Look(f, int(k), int(t), float(c))
                for f, k, t, c in zip(features, labels, things, confidences, strict=True)
            ]

    def see(self, index: int, frame: np.ndarray) -> float | None:
        """Judge frame ``index`` if it is sampled; its novelty against 2 s before, if there was one."""
        if index % self.every:
            return None
        self.looks.append(judge().look([frame])[0])
        if len(self.looks) <= self.lag:
            return None
        return 1.0 - similarity(self.looks[-1], self.looks[-1 - self.lag])

    def collapse(self) -> str | None:
        """A warning, once, when frames 2 s apart have all been alike for the last few seconds."""
        if self.collapsed or len(self.looks) < self.lag + self.span:
            return None
        recent = lagged_similarities(self.looks[-(self.lag + self.span) :], self.lag)
        if min(recent) < COLLAPSE_SIMILARITY:
            return None
        self.collapsed = True
        return (
            f"collapsing into one motif: frames {LAG_SECONDS:g} s apart have been at least "
            f"{COLLAPSE_SIMILARITY:.0%} alike for {COLLAPSE_SECONDS:g} s (try dream.explore)"
        )

    def summary(self) -> Summary | None:
        """The figures of the frames judged so far (``None`` before the first)."""
        return summarise(self.looks, self.per_second) if self.looks else None

    def arrays(self) -> dict[str, np.ndarray]:
        """The looks so far, for a checkpoint."""
        features = np.stack([look.features for look in self.looks]) if self.looks else np.zeros((0, FEATURES))
        return {
            "novelty_features": features.astype(np.float32),
            "novelty_labels": np.array([look.label for look in self.looks], np.int64),
            "novelty_things": np.array([look.thing for look in self.looks], np.int64),
            "novelty_confidences": np.array([look.confidence for look in self.looks], np.float64),
        }

    def named(self, index: int) -> dict[str, object]:
        """Frame ``index``'s telemetry of the referee, if it was judged: the thing it names there
        (empty below :data:`NAMED`) and its top probability."""
        if index % self.every or not self.looks:
            return {}
        look = self.looks[-1]
        return {"thing": look.named() or "", "confidence": round(look.confidence, 4)}
