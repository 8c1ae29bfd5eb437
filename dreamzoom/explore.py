"""Exploration: the objective's seeded path through what the network knows, over time.

Plain DeepDream amplifies whatever the layer already sees most, so a zoom that feeds a dream back
into itself settles on one motif (in InceptionV3's middle layers: eyes) and repaints it for ever.
Exploring gives each stretch of the video its own *motif*: a small group of channels of one layer
(lucid's neuron groups), raised as DeepDream raises a layer — their squared activations, so that
what already looks a little like them grows, out of the picture that is there. Each motif leads
for ``seconds``; over the last ``crossfade`` part of its time it hands over smoothly to the next.

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

#: The random stream of motifs (see ``assemble.rng``: the source and jitter use 1 and 2).
EXPLORE_STREAM = 3


@dataclass(frozen=True)
class Motif:
    """One stretch of the path: some channels of one layer."""

    layer: str
    channels: tuple[int, ...]

    def label(self) -> str:
        return f"{self.layer}:{','.join(map(str, self.channels))}"


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

    def motif(self, k: int) -> Motif:
        """Motif ``k``: a layer drawn uniformly, then ``channels`` distinct channels of it."""
        if self.wrap:
            k %= self.wrap
        rng = np.random.default_rng([self.seed, EXPLORE_STREAM, k])
        layers = list(self.depths)
        layer = layers[int(rng.integers(len(layers)))]
        depth = self.depths[layer]
        chosen = rng.choice(depth, size=min(self.channels, depth), replace=False)
        return Motif(layer, tuple(sorted(int(c) for c in chosen)))

    def blend(self, frame: float) -> tuple[int, float]:
        """The motif leading at ``frame`` and how far (0–1, smoothstep) the next has taken over."""
        position = frame / self.frames_each
        k = math.floor(position)
        phase = position - k
        start = 1.0 - self.crossfade
        if self.crossfade <= 0 or phase <= start:
            return k, 0.0
        x = (phase - start) / self.crossfade
        return k, x * x * (3 - 2 * x)

    def weights(self, frame: float) -> dict[str, np.ndarray]:
        """Each layer's channel weights at ``frame``: the motifs' channels share a weight of 1 per
        motif (so a group's pull does not depend on its size), mixed by the crossfade."""
        result = {layer: np.zeros(depth, np.float32) for layer, depth in self.depths.items()}
        k, mix = self.blend(frame)
        for motif, share in ((self.motif(k), 1.0 - mix), (self.motif(k + 1), mix)):
            if share > 0:
                result[motif.layer][list(motif.channels)] += share / len(motif.channels)
        return result

    def labels(self, frames: int) -> list[tuple[int, str]]:
        """``(first frame, label)`` of each motif that leads within the first ``frames`` frames."""
        count = math.ceil(frames / self.frames_each)
        return [(round(k * self.frames_each), self.motif(k).label()) for k in range(count)]


def path(
    seed: int,
    depths: Mapping[str, int],
    channels: int,
    seconds: float,
    crossfade: float,
    fps: float,
    loop_frames: int | None = None,
) -> Path:
    """The path for a render at ``fps``; ``loop_frames`` (a loop's whole length) makes it wrap, with
    the motif time stretched a little so that a whole number of motifs fills the loop."""
    frames_each = seconds * fps
    wrap = 0
    if loop_frames is not None:
        wrap = max(1, round(loop_frames / frames_each))
        frames_each = loop_frames / wrap
    return Path(seed, dict(depths), channels, frames_each, crossfade, wrap)


def layers_in_order(layers: Sequence[str]) -> list[str]:
    """The layers without repeats, in the order given."""
    return list(dict.fromkeys(layers))
