"""The dream step: gradient ascent on an objective, over octaves, under the natural-image prior.

This module knows nothing of files or of frames in time: it turns one float RGB frame into its
dreamed version. Each step rolls the frame by a random jitter, takes the objective's gradient
(through a randomly rescaled and rotated view of the frame, tile by tile for large frames), smooths
and normalises it, and climbs. The two compiled functions involved are traced once per model and
objective, with unknown height and width, so new octave sizes, tiles and frames reuse them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from . import prior as priors
from .backend import tf
from .models import DreamModel, preprocess
from .motion import resize
from .objectives import Objective
from .presets import PRIOR_PRESETS, PriorSettings


@dataclass(frozen=True)
class Params:
    """How hard to dream one frame."""

    steps: int
    step_size: float
    octaves: int
    octave_scale: float
    jitter: int


def octave_sizes(size: tuple[int, int], octaves: int, scale: float, min_side: int) -> list[tuple[int, int]]:
    """Sizes ``(width, height)`` to dream at, smallest first, ending with ``size`` itself.

    Octaves whose shorter side would fall below ``min_side`` (where the deepest layer vanishes) are
    left out.
    """
    width, height = size
    sizes = []
    for k in range(octaves - 1, -1, -1):
        w, h = round(width / scale**k), round(height / scale**k)
        if min(w, h) >= min_side or k == 0:
            sizes.append((w, h))
    return sizes


def tile_spans(length: int, tile: int, align: int = 1) -> list[tuple[int, int]]:
    """Split ``[0, length)`` into the fewest near-equal spans no longer than ``tile`` (about), each
    starting at a multiple of ``align``."""
    count = max(1, math.ceil(length / tile))
    edges = [min(length, round(i * length / count / align) * align) for i in range(count)] + [length]
    return [(start, end) for start, end in itertools.pairwise(edges) if end > start]


class Dreamer:
    """Gradient ascent on ``objective`` with ``model``; build once, dream many frames.

    ``tile_size`` > 0 computes the gradient of frames larger than that in tiles, each seen with
    ``tile_margin`` pixels of context so that tiles agree where they meet. Tiles start at multiples
    of ``TILE_ALIGN`` pixels, the networks' total stride, so that every tile's strided layers sample
    the same grid as the whole frame's would.
    """

    TILE_ALIGN = 32

    def __init__(
        self,
        model: DreamModel,
        objective: Objective,
        prior: PriorSettings = PRIOR_PRESETS["none"],
        tile_size: int = 0,
        tile_margin: int = 96,
    ) -> None:
        self.objective = objective
        self.prior = prior
        self.tile_size = tile_size
        self.tile_margin = tile_margin
        self.min_side = model.min_size(objective.layers)
        if prior.gradient == "gaussian":  # its mirrored padding must be narrower than the image
            self.min_side = max(self.min_side, priors.gaussian_kernel(prior.sigma).shape[0] // 2 + 1)
        extractor = model.extractor(objective.layers)
        mode = model.preprocess_mode
        transformed = prior.scale > 0 or prior.rotate > 0

        def value_of(image: tf.Tensor) -> tf.Tensor:
            outputs = extractor(preprocess(image[None], mode), training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            return objective(dict(zip(objective.layers, outputs, strict=True)))

        frame = tf.TensorSpec([None, None, 3], tf.float32)
        scalar = tf.TensorSpec([], tf.float32)

        @tf.function(input_signature=[frame, scalar, scalar], autograph=False)
        def gradient(image: tf.Tensor, scale: tf.Tensor, angle: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            with tf.GradientTape() as tape:
                tape.watch(image)
                value = value_of(priors.random_view(image, scale, angle) if transformed else image)
            return tape.gradient(value, image), value

        @tf.function(input_signature=[frame, frame, scalar], autograph=False)
        def ascend(image: tf.Tensor, gradient: tf.Tensor, step_size: tf.Tensor) -> tf.Tensor:
            direction = priors.smooth_gradient(gradient, prior.gradient, prior.sigma, prior.levels)
            if prior.colour:
                direction = priors.decorrelate_colour(direction)
            # Normalised so that step_size is the mean pixel change, whatever the objective's scale.
            direction = priors.unit_mean(direction)
            if prior.tv:  # weighed against the normalised dream, so `tv` means the same for any objective
                direction -= prior.tv * priors.unit_mean(priors.total_variation_gradient(image))
            return tf.clip_by_value(image + step_size * direction, 0.0, 1.0)

        self._gradient = gradient
        self._ascend = ascend
        self._value = tf.function(value_of, input_signature=[frame], autograph=False)

    @property
    def tracing_count(self) -> int:
        """How often the compiled functions were traced (1 each is the goal: no re-tracing)."""
        return max(
            self._gradient.experimental_get_tracing_count(), self._ascend.experimental_get_tracing_count()
        )

    def objective_value(self, frame: np.ndarray) -> float:
        """The objective for a frame, without changing it."""
        return float(self._value(tf.constant(frame, tf.float32)))

    def gradient(self, image: tf.Tensor, scale: float = 1.0, angle: float = 0.0) -> tuple[tf.Tensor, float]:
        """The objective's gradient for ``image`` seen through a view scaled by ``scale`` and turned by
        ``angle`` radians, and the objective's value; tiled when the image exceeds ``tile_size``."""
        height, width = int(image.shape[0]), int(image.shape[1])
        scale_t, angle_t = tf.constant(scale, tf.float32), tf.constant(angle, tf.float32)
        if self.tile_size <= 0 or max(height, width) <= self.tile_size:
            gradient, value = self._gradient(image, scale_t, angle_t)
            return gradient, float(value)
        if scale != 1.0 or angle != 0.0:
            # Turn the whole frame once, about its centre, as the untiled network would see it; tiling
            # each tile's own turned view would leave every tile off the strided layers' grid.
            with tf.GradientTape() as tape:
                tape.watch(image)
                view = priors.random_view(image, scale_t, angle_t)
            view_gradient, value = self.gradient(view)
            return tape.gradient(view, image, output_gradients=view_gradient), value
        align = self.TILE_ALIGN
        margin, area, value = math.ceil(self.tile_margin / align) * align, height * width, 0.0
        rows = []
        for y0, y1 in tile_spans(height, self.tile_size, align):
            row = []
            for x0, x1 in tile_spans(width, self.tile_size, align):
                top, bottom = max(0, y0 - margin), min(height, y1 + margin)
                left, right = max(0, x0 - margin), min(width, x1 + margin)
                tile_gradient, tile_value = self._gradient(image[top:bottom, left:right], scale_t, angle_t)
                # A tile's mean-based objective is spread over its own area: rescale to the frame's.
                weight = (bottom - top) * (right - left) / area
                row.append(tile_gradient[y0 - top : y1 - top, x0 - left : x1 - left] * weight)
                value += float(tile_value) * (y1 - y0) * (x1 - x0) / area
            rows.append(tf.concat(row, axis=1))
        return tf.concat(rows, axis=0), value

    def step(
        self, image: tf.Tensor, step_size: float, jitter: int, rng: np.random.Generator
    ) -> tuple[tf.Tensor, float]:
        """One jittered step under the prior; returns the new image and the objective before it."""
        shift = rng.integers(-jitter, jitter + 1, size=2)
        scale = 1.0 + rng.uniform(-self.prior.scale, self.prior.scale)
        angle = math.radians(rng.uniform(-self.prior.rotate, self.prior.rotate))
        rolled = tf.roll(image, shift, axis=(0, 1))
        gradient, value = self.gradient(rolled, scale, angle)
        climbed = self._ascend(rolled, gradient, tf.constant(step_size, tf.float32))
        return tf.roll(climbed, -shift, axis=(0, 1)), value

    def ascend(
        self, frame: np.ndarray, steps: int, step_size: float, jitter: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, float]:
        """``steps`` steps at the frame's own size; returns the frame and the objective before the last."""
        image = tf.constant(frame, tf.float32)
        value = math.nan
        for _ in range(steps):
            image, value = self.step(image, step_size, jitter, rng)
        return image.numpy(), value

    def dream(self, frame: np.ndarray, params: Params, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        """Dream a frame over octaves, coarse to fine.

        Each octave starts from the frame resized to that scale plus the detail the dream added at
        the scale before (the frame's own fine detail is never lost to a down-and-up resize).
        Returns the frame and the objective at the last step.
        """
        height, width = frame.shape[:2]
        detail: np.ndarray | None = None
        dreamed, value = frame, math.nan
        for w, h in octave_sizes((width, height), params.octaves, params.octave_scale, self.min_side):
            base = resize(frame, w, h)
            start = base if detail is None else np.clip(base + resize(detail, w, h), 0.0, 1.0)
            dreamed, value = self.ascend(start, params.steps, params.step_size, params.jitter, rng)
            detail = dreamed - base
        return dreamed, value
