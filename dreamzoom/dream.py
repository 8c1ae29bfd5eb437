"""The dream step: gradient ascent on an objective, over octaves, with jitter.

This module knows nothing of files or of frames in time: it turns one float RGB frame into its
dreamed version. The gradient step is traced once per model and objective, with unknown height and
width, so new octave sizes and new frames reuse the same compiled graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .backend import tf
from .models import DreamModel, preprocess
from .objectives import Objective
from .source import resize


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


class Dreamer:
    """Gradient ascent on ``objective`` with ``model``; build once, dream many frames."""

    def __init__(self, model: DreamModel, objective: Objective) -> None:
        self.objective = objective
        self.min_side = model.min_size(objective.layers)
        extractor = model.extractor(objective.layers)
        mode = model.preprocess_mode

        def value_of(image: tf.Tensor) -> tf.Tensor:
            outputs = extractor(preprocess(image[None], mode), training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            return objective(dict(zip(objective.layers, outputs, strict=True)))

        frame_spec = tf.TensorSpec([None, None, 3], tf.float32)

        @tf.function(
            input_signature=[frame_spec, tf.TensorSpec([2], tf.int32), tf.TensorSpec([], tf.float32)]
        )
        def step(image: tf.Tensor, shift: tf.Tensor, step_size: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            rolled = tf.roll(image, shift, axis=(0, 1))
            with tf.GradientTape() as tape:
                tape.watch(rolled)
                value = value_of(rolled)
            gradient = tape.gradient(value, rolled)
            # Normalised so that step_size is the mean pixel change, whatever the layer's scale.
            gradient /= tf.reduce_mean(tf.abs(gradient)) + 1e-8
            rolled = tf.clip_by_value(rolled + step_size * gradient, 0.0, 1.0)
            return tf.roll(rolled, -shift, axis=(0, 1)), value

        self.step = step
        self.value = tf.function(value_of, input_signature=[frame_spec])

    def objective_value(self, frame: np.ndarray) -> float:
        """The objective for a frame, without changing it."""
        return float(self.value(tf.constant(frame, tf.float32)))

    def ascend(
        self, frame: np.ndarray, steps: int, step_size: float, jitter: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, float]:
        """``steps`` jittered gradient-ascent steps at the frame's own size; returns the frame and the
        objective before the last step."""
        image = tf.constant(frame, tf.float32)
        size = tf.constant(step_size, tf.float32)
        value = math.nan
        for shift in rng.integers(-jitter, jitter + 1, size=(steps, 2), dtype=np.int32):
            image, loss = self.step(image, tf.constant(shift), size)
            value = float(loss)
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
