"""Exploration: the objective's seeded path through what the network knows, over time.

Plain DeepDream amplifies whatever the layer already sees most, so a zoom that feeds a dream back
into itself settles on one motif (in InceptionV3's middle layers: eyes) and repaints it for ever.
Exploring gives each stretch of the video its own *motif*: a small group of channels of one layer
(lucid's neuron groups), raised as DeepDream raises a layer — their squared activations, so that
what already looks a little like them grows, out of the picture that is there. Each motif leads
for ``seconds``; over the last ``crossfade`` part of its time it hands over smoothly to the next.

A path may also pass through *things*: ImageNet classes from a list, raised through a classifier
(the model's own, or a second network beside it: see ``models.DreamModel.beside``) together with
each motif's channels (``dream.explore.classes``). Picked in ``order``, every class
of the list leads once in each cycle through it, in an order drawn from the seed, and never twice in
a row. Picked by ``resemblance`` (pareidolia), each motif's thing is drawn when the path first needs
it, from the candidates the classifier already sees most in the frame then (:func:`resembling`), so
a cloud that looks a little like a bird becomes a bird; the run keeps those choices (and a
checkpoint stores them), and the path is a pure function of the seed, the frame and them.

The path is a pure function of the seed and the frame: motif ``k`` is drawn from its own random
stream ``[seed, EXPLORE_STREAM, k]``, so a render resumes to identical frames, and changing one
motif's draw never changes another's. In a loop, the path wraps so that the last motif hands back
to the first and the objective at the seam is the objective at frame 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .schedule import smoothstep

#: The random streams of motifs and of the order of things (see ``assemble.rng``: the source and
#: jitter use 1 and 2).
EXPLORE_STREAM, THINGS_STREAM, RESEMBLANCE_STREAM = 3, 4, 5
#: Resemblance draws among this many of the candidates the frame resembles most, and leaves out the
#: things of this many motifs before (fewer where the candidates are few).
RESEMBLING, RECENT = 5, 2


@dataclass(frozen=True)
class Motif:
    """One stretch of the path: some channels of one layer."""

    layer: str
    channels: tuple[int, ...]
    thing: int | None = None  # the ImageNet class raised beside the channels, if the path has things

    def label(self) -> str:
        channels = f"{self.layer}:{','.join(map(str, self.channels))}"
        return channels if self.thing is None else f"{channels} + class {self.thing}"


@dataclass(frozen=True)
class Path:
    """A seeded path of motifs through ``depths`` (each layer's channel count), ``frames_each`` frames
    per motif, the last ``crossfade`` fraction of them spent handing over to the next. ``wrap``
    (a loop's motif count) makes motif ``wrap`` the first again."""

    seed: int
    depths: Mapping[str, int]
    channels: int
    frames_each: float
    crossfade: float
    wrap: int = 0
    #: The things (ImageNet class numbers) the path passes through, and the classifier's class count.
    things: tuple[int, ...] = ()
    classes: int = 0
    #: How each motif's thing is picked: ``order`` (a seeded shuffle of ``things``) or
    #: ``resemblance`` (from what the frame looks like, among ``things``: see :func:`resembling`).
    pick: str = "order"

    def motif(self, k: int, chosen: Mapping[int, int] | None = None) -> Motif:
        """Motif ``k``: a layer drawn uniformly, then ``channels`` distinct channels of it, and the
        thing it raises, if the path has things (picked by resemblance: ``chosen[k]``)."""
        k = self.index(k)
        rng = np.random.default_rng([self.seed, EXPLORE_STREAM, k])
        layers = list(self.depths)
        layer = layers[int(rng.integers(len(layers)))]
        depth = self.depths[layer]
        picked = rng.choice(depth, size=min(self.channels, depth), replace=False)
        thing = (chosen or {}).get(k) if self.pick == "resemblance" else self.thing(k)
        return Motif(layer, tuple(sorted(int(c) for c in picked)), thing)

    def index(self, k: int) -> int:
        """Motif ``k``'s place on the path: in a loop, the motif it wraps to."""
        return k % self.wrap if self.wrap else k

    def needed(self, frame: float) -> list[int]:
        """The motifs whose things weigh at ``frame``: the leading one, and the next once the
        hand-over to it has begun."""
        k, mix = self.blend(frame)
        return [self.index(k), self.index(k + 1)] if mix > 0 else [self.index(k)]

    def thing(self, k: int) -> int | None:
        """The class motif ``k`` raises: cycle ``k // n`` through the ``n`` things is a seeded
        shuffle, whose first is swapped with its second where it would repeat the cycle before's last
        (so no thing leads twice in a row). In a loop whose motif count is not a whole number of
        cycles, the seam may repeat one."""
        if not self.things:
            return None
        count = len(self.things)
        cycle, place = divmod(k, count)
        order = self._order(cycle)
        if count > 1 and cycle > 0 and order[0] == self._order(cycle - 1)[-1]:
            order[0], order[1] = order[1], order[0]
        return self.things[order[place]]

    def _order(self, cycle: int) -> list[int]:
        return [
            int(i)
            for i in np.random.default_rng([self.seed, THINGS_STREAM, cycle]).permutation(len(self.things))
        ]

    def blend(self, frame: float) -> tuple[int, float]:
        """The motif leading at ``frame`` and how far (0–1, smoothstep) the next has taken over."""
        position = frame / self.frames_each
        k = math.floor(position)
        phase = position - k
        start = 1.0 - self.crossfade
        if self.crossfade <= 0 or phase <= start:
            return k, 0.0
        return k, smoothstep((phase - start) / self.crossfade)

    def weights(self, frame: float, chosen: Mapping[int, int] | None = None) -> dict[str, np.ndarray]:
        """Each layer's channel weights at ``frame``: the motifs' channels share a weight of 1 per
        motif (so a group's pull does not depend on its size), mixed by the crossfade."""
        return self.mixed(frame, chosen)[0]

    def thing_weights(self, frame: float, chosen: Mapping[int, int] | None = None) -> np.ndarray:
        """Each class's weight at ``frame`` (all zero without things): the leading motif's thing,
        handing over to the next's as the channels do."""
        return self.mixed(frame, chosen)[1]

    def mixed(
        self, frame: float, chosen: Mapping[int, int] | None = None
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """:meth:`weights` and :meth:`thing_weights` at ``frame`` together, each motif drawn once
        (what a render sets every dreamed frame)."""
        result = {layer: np.zeros(depth, np.float32) for layer, depth in self.depths.items()}
        things = np.zeros(self.classes, np.float32)
        k, mix = self.blend(frame)
        for motif, share in ((self.motif(k, chosen), 1.0 - mix), (self.motif(k + 1, chosen), mix)):
            if share > 0:
                result[motif.layer][list(motif.channels)] += share / len(motif.channels)
                if motif.thing is not None:
                    things[motif.thing] += share
        return result, things

    def labels(self, frames: int) -> list[tuple[int, str]]:
        """``(first frame, label)`` of each motif that leads within the first ``frames`` frames."""
        count = math.ceil(frames / self.frames_each)
        return [(round(k * self.frames_each), self.motif(k).label()) for k in range(count)]


def resembling(path: Path, k: int, scores: np.ndarray, chosen: Mapping[int, int]) -> int:
    """Pareidolia: motif ``k``'s thing, drawn from its own random stream among the
    :data:`RESEMBLING` candidates (``path.things``, or every class without a list) that the
    classifier's ``scores`` for the frame favour most, each as likely as the classifier finds it
    among them; the things of the :data:`RECENT` motifs before are left out, so the path moves on."""
    candidates = list(path.things) or list(range(path.classes))
    recent = {chosen.get(path.index(k - back)) for back in range(1, RECENT + 1)}
    fresh = [c for c in candidates if c not in recent] or candidates
    ranked = sorted(fresh, key=lambda c: -float(scores[c]))[:RESEMBLING]
    logits = np.array([float(scores[c]) for c in ranked])
    odds = np.exp(logits - logits.max())
    rng = np.random.default_rng([path.seed, RESEMBLANCE_STREAM, path.index(k)])
    return ranked[int(rng.choice(len(ranked), p=odds / odds.sum()))]


def path(
    seed: int,
    depths: Mapping[str, int],
    channels: int,
    seconds: float,
    crossfade: float,
    fps: float,
    loop_frames: int | None = None,
    things: Sequence[int] = (),
    classes: int = 0,
    pick: str = "order",
) -> Path:
    """The path for a render at ``fps``; ``loop_frames`` (a loop's whole length) makes it wrap, with
    the motif time stretched a little so that a whole number of motifs fills the loop. ``things``:
    class numbers among a classifier's ``classes`` to pass through."""
    frames_each = seconds * fps
    wrap = 0
    if loop_frames is not None:
        wrap = max(1, round(loop_frames / frames_each))
        frames_each = loop_frames / wrap
    return Path(seed, dict(depths), channels, frames_each, crossfade, wrap, tuple(things), classes, pick)
