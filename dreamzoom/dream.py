"""The dream step: gradient ascent on an objective, over octaves, under the natural-image prior.

This module knows nothing of files or of frames in time: it turns one float RGB frame into its
dreamed version. Each step rolls the frame by a random jitter, takes the objective's gradient
(through a randomly rescaled and rotated view of the frame, tile by tile for large frames), smooths
and normalises it, and climbs.

The frame stays a tensor from the first octave to the last: each step is one compiled call, the
octaves are resized on the device, and the objective is read back once per frame, so nothing waits
on the host between steps (on a GPU, nothing leaves it). The random jitters, scales and turns of the
steps are drawn on the host and passed in as tensors. The compiled functions are traced once per
model and objective, with unknown height and width, so new octave sizes, tiles and frames reuse
them. (One compiled loop over an octave's steps, a ``tf.while_loop``, was measured 5–10 % slower
per step on the CPU than a call per step: the graph optimiser does less inside loops.)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import fourier, motion
from . import prior as priors
from .backend import tf
from .models import DreamModel
from .objectives import Objective
from .presets import PRIOR_PRESETS, PriorSettings

#: How close to black or white a pixel may come when climbed through its logit (``prior.bounded``).
_EDGE = 1e-3


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
    the same grid as the whole frame's would. A model computing in float16 climbs with dynamic loss
    scaling (see :meth:`_scaled`). ``jit_compile`` compiles each step with XLA.
    """

    TILE_ALIGN = 32
    #: float16's dynamic loss scale: where it starts, and after how many finite gradients it doubles.
    LOSS_SCALE, LOSS_SCALE_GROWTH = 2.0**15, 200

    def __init__(
        self,
        model: DreamModel,
        objective: Objective,
        prior: PriorSettings = PRIOR_PRESETS["none"],
        tile_size: int = 0,
        tile_margin: int = 96,
        jit_compile: bool = False,
    ) -> None:
        self.objective = objective
        self.prior = prior
        self.tile_size = tile_size
        self.tile_margin = tile_margin
        self.min_side = model.min_size(objective.layers)
        if prior.gradient == "gaussian":  # its mirrored padding must be narrower than the image
            self.min_side = max(self.min_side, priors.gaussian_kernel(prior.sigma).shape[0] // 2 + 1)
        self._loss_scaled = model.precision == "float16"
        self.loss_scale = tf.Variable(self.LOSS_SCALE if self._loss_scaled else 1.0, trainable=False)
        self._good_steps = tf.Variable(0, trainable=False)

        # A classifier beside the model sees random crops a step, drawn from the step's seed.
        self._seeded = bool(prior.noise) or model.beside is not None

        def value_of(images: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
            outputs = model.outputs(images, objective.layers, seed)
            return objective(dict(zip(objective.layers, outputs, strict=True)))

        frame = tf.TensorSpec([None, None, 3], tf.float32)
        scalar = tf.TensorSpec([], tf.float32)
        pair = tf.TensorSpec([2], tf.int32)
        transforms = tf.TensorSpec([None, 8], tf.float32)
        moments = fourier.Moments(
            tf.TensorSpec([None, None, None], tf.complex64),
            tf.TensorSpec([None, None, None], tf.float32),
            scalar,
        )
        self._value_of = value_of
        self._gradient = tf.function(
            self._view_gradient, input_signature=[frame, transforms, pair], autograph=False
        )
        self._climb = tf.function(
            self._climbed, input_signature=[frame, frame, scalar, moments], autograph=False
        )
        # XLA compiles the step per frame size; on CPUs it is slower than oneDNN's kernels
        # (benchmarks/run.py's `xla` section measures it on the machine at hand), so it is opt-in.
        self._step = tf.function(
            self._stepped,
            input_signature=[frame, pair, transforms, pair, scalar, moments],
            autograph=False,
            jit_compile=jit_compile,
        )
        self._value = tf.function(
            lambda image: value_of(image[None]), input_signature=[frame], autograph=False
        )

    @property
    def tracing_count(self) -> int:
        """How often a compiled function was traced (1 each is the goal: no re-tracing)."""
        functions = (self._gradient, self._climb, self._step)
        return max(function.experimental_get_tracing_count() for function in functions)

    def objective_value(self, frame: np.ndarray) -> float:
        """The objective for a frame, without changing it."""
        return float(self._value(tf.constant(frame, tf.float32)))

    # -- inside the compiled functions ---------------------------------------------------------

    def _view_gradient(
        self, image: tf.Tensor, transforms: tf.Tensor, seed: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """The objective's gradient, averaged over the views ``transforms`` describe (each with
        Gaussian noise of the prior's strength, from ``seed``, which also draws the crops a classifier
        beside the model sees), and the objective's value."""
        with tf.GradientTape() as tape:
            tape.watch(image)
            seen = priors.views(image, transforms) if self.prior.transformed else image[None]
            if self.prior.noise:
                seen += self.prior.noise * tf.random.stateless_normal(tf.shape(seen), seed, alg="philox")
            value = self._value_of(seen, seed)
            scaled = value * self.loss_scale if self._loss_scaled else value
        return tape.gradient(scaled, image), value

    def _climbed(
        self, image: tf.Tensor, gradient: tf.Tensor, step_size: tf.Tensor, moments: fourier.Moments
    ) -> tuple[tf.Tensor, fourier.Moments]:
        """The image one step up ``gradient``, smoothed and normalised under the prior (or climbed
        in the Fourier basis, whose Adam moments come back updated)."""
        prior, before = self.prior, moments
        if prior.bounded:  # the chain rule through the sigmoid that maps each pixel's logit to it
            inside = tf.clip_by_value(image, _EDGE, 1.0 - _EDGE)  # where a logit exists
            gradient = gradient * inside * (1.0 - inside)
        if prior.fourier:
            direction, moments = fourier.direction(gradient, moments)
        else:
            direction = priors.smooth_gradient(gradient, prior.gradient, prior.sigma, prior.levels)
            if prior.colour:
                direction = priors.decorrelate_colour(direction)
        # Normalised so that step_size is the mean pixel change, whatever the objective's scale.
        direction = priors.unit_mean(direction)
        if prior.tv:  # weighed against the normalised dream, so `tv` means the same for any objective
            direction -= prior.tv * priors.unit_mean(priors.total_variation_gradient(image))
        if prior.bounded:  # 4: the sigmoid's slope at mid-grey, where a step still moves step_size
            logit = tf.math.log(inside) - tf.math.log1p(-inside)
            climbed = tf.sigmoid(logit + 4.0 * step_size * direction)
        else:
            climbed = tf.clip_by_value(image + step_size * direction, 0.0, 1.0)
        return self._scaled(image, climbed, gradient, before, moments)

    def _scaled(
        self,
        image: tf.Tensor,
        climbed: tf.Tensor,
        gradient: tf.Tensor,
        before: fourier.Moments,
        after: fourier.Moments,
    ) -> tuple[tf.Tensor, fourier.Moments]:
        """float16's dynamic loss scaling: the objective is multiplied by ``loss_scale`` before the
        gradient is taken, so that the tiny gradient reaching each of 10⁵–10⁶ activations does not
        underflow (the climb normalises the gradient, so the scale changes nothing else). A step whose
        gradient overflowed is skipped and the scale halved; after ``LOSS_SCALE_GROWTH`` finite steps
        it doubles again, and Adam's moments (``before`` and ``after`` the step) stay as they were
        (an overflowed gradient in them would spoil every later step). Other precisions keep a scale
        of 1 and climb every step."""
        if not self._loss_scaled:
            return climbed, after
        finite = tf.reduce_all(tf.math.is_finite(gradient))
        good = tf.where(finite, self._good_steps + 1, 0)
        grow = good >= self.LOSS_SCALE_GROWTH
        self.loss_scale.assign(
            tf.where(finite, tf.where(grow, self.loss_scale * 2.0, self.loss_scale), self.loss_scale / 2.0)
        )
        self._good_steps.assign(tf.where(grow, 0, good))
        moments = tf.nest.map_structure(lambda new, old: tf.where(finite, new, old), after, before)
        return tf.where(finite, climbed, image), fourier.Moments(*moments)

    def _stepped(
        self,
        image: tf.Tensor,
        shift: tf.Tensor,
        transforms: tf.Tensor,
        seed: tf.Tensor,
        step_size: tf.Tensor,
        moments: fourier.Moments,
    ) -> tuple[tf.Tensor, tf.Tensor, fourier.Moments]:
        """One jittered step: the gradient through the views of the image rolled by ``shift``, rolled
        back and climbed; the objective before the step, and the moments after it."""
        rolled = tf.roll(image, shift, axis=[0, 1])
        gradient, value = self._view_gradient(rolled, transforms, seed)
        climbed, moments = self._unrolled(self._climbed, image, rolled, gradient, shift, step_size, moments)
        return climbed, value, moments

    def _unrolled(
        self,
        climb: Callable[..., tuple[tf.Tensor, fourier.Moments]],
        image: tf.Tensor,
        rolled: tf.Tensor,
        gradient: tf.Tensor,
        shift: tf.Tensor,
        step_size: tf.Tensor,
        moments: fourier.Moments,
    ) -> tuple[tf.Tensor, fourier.Moments]:
        """``climb`` up ``gradient`` (taken at ``rolled``, the image rolled by ``shift``), unrolled."""
        if self.prior.fourier:  # Adam's moments belong to the frame's own pixel grid: climb it unrolled
            return climb(image, tf.roll(gradient, -shift, axis=[0, 1]), step_size, moments)
        climbed, moments = climb(rolled, gradient, step_size, moments)
        return tf.roll(climbed, -shift, axis=[0, 1]), moments

    # -- driven from the host ------------------------------------------------------------------

    def gradient(
        self, image: tf.Tensor, scale: float = 1.0, angle: float = 0.0, seed: np.ndarray | None = None
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """The objective's gradient for ``image`` seen through a view scaled by ``scale`` and turned by
        ``angle`` radians (with the prior's noise from ``seed``, each tile's its own), and the
        objective's value; tiled when the image exceeds ``tile_size``."""
        height, width = int(image.shape[0]), int(image.shape[1])
        view = priors.view_transforms(height, width, [(scale, angle, 1.0, 0.0, 0.0, False)])
        seed = np.zeros(2, np.int32) if seed is None else seed
        if not self._tiled(image):
            return self._gradient(image, tf.constant(view), tf.constant(seed))
        if scale != 1.0 or angle != 0.0:
            # Turn the whole frame once, about its centre, as the untiled network would see it; tiling
            # each tile's own turned view would leave every tile off the strided layers' grid.
            with tf.GradientTape() as tape:
                tape.watch(image)
                turned = priors.views(image, tf.constant(view))[0]
            view_gradient, value = self.gradient(turned, seed=seed)
            return tape.gradient(turned, image, output_gradients=view_gradient), value
        align, still = self.TILE_ALIGN, tf.constant(priors.view_transforms(1, 1, [(1, 0, 1, 0, 0, False)]))
        margin, area, value = math.ceil(self.tile_margin / align) * align, height * width, tf.constant(0.0)
        rows: list[tf.Tensor] = []
        for y0, y1 in tile_spans(height, self.tile_size, align):
            row: list[tf.Tensor] = []
            for x0, x1 in tile_spans(width, self.tile_size, align):
                top, bottom = max(0, y0 - margin), min(height, y1 + margin)
                left, right = max(0, x0 - margin), min(width, x1 + margin)
                tile_seed = tf.constant([seed[0], (int(seed[1]) + len(rows) * 4096 + len(row)) % 2**31])
                tile_gradient, tile_value = self._gradient(image[top:bottom, left:right], still, tile_seed)
                # A tile's mean-based objective is spread over its own area: rescale to the frame's.
                weight = (bottom - top) * (right - left) / area
                row.append(tile_gradient[y0 - top : y1 - top, x0 - left : x1 - left] * weight)
                value += tile_value * ((y1 - y0) * (x1 - x0) / area)
            rows.append(tf.concat(row, axis=1))
        return tf.concat(rows, axis=0), value

    def _tiled(self, image: tf.Tensor) -> bool:
        return 0 < self.tile_size < max(int(image.shape[0]), int(image.shape[1]))

    def draws(
        self, steps: int, jitter: int, rng: np.random.Generator
    ) -> list[tuple[np.ndarray, list[priors.View], np.ndarray]]:
        """Each step's jitter (rows, columns), its views (see :func:`prior.view_transforms`) and the
        seed of its noise and of a classifier's crops. The first view's scale and angle are drawn right after the jitter, as
        they always were, so that a seed gives the same dream as before."""
        prior, draws = self.prior, []
        for _ in range(steps):
            shift = rng.integers(-jitter, jitter + 1, size=2).astype(np.int32)
            views = []
            for _ in range(prior.views):
                scale = 1.0 + rng.uniform(-prior.scale, prior.scale)
                angle = math.radians(rng.uniform(-prior.rotate, prior.rotate))
                crop = rng.uniform(prior.crop, 1.0) if prior.crop < 1 else 1.0
                dy, dx = rng.uniform(-(1 - crop) / 2, (1 - crop) / 2, size=2) if crop < 1 else (0.0, 0.0)
                views.append(
                    (scale, angle, crop, float(dy), float(dx), bool(prior.flip and rng.random() < 0.5))
                )
            seed = (
                rng.integers(0, 2**31 - 1, size=2, dtype=np.int32) if self._seeded else np.zeros(2, np.int32)
            )
            draws.append((shift, views, seed))
        return draws

    def climb(
        self, image: tf.Tensor, steps: int, step_size: float, jitter: int, rng: np.random.Generator
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """``steps`` steps at the image's own size; returns the image and the objective before the
        last step, as tensors: each step is one compiled call, and nothing is read back (on a GPU,
        the frame never leaves it and the host never waits). Frames dreamed in tiles see one view
        a step."""
        size, value = tf.constant(step_size, tf.float32), tf.constant(math.nan)
        height, width = int(image.shape[0]), int(image.shape[1])
        moments = fourier.fresh(height, width) if self.prior.fourier else fourier.fresh(0, 0)
        for shift, views, seed in self.draws(steps, jitter, rng):
            if not self._tiled(image):
                transforms = tf.constant(priors.view_transforms(height, width, views))
                image, value, moments = self._step(
                    image, tf.constant(shift), transforms, tf.constant(seed), size, moments
                )
                continue
            rolled = tf.roll(image, shift, axis=(0, 1))
            gradient, value = self.gradient(rolled, views[0][0], views[0][1], seed)
            image, moments = self._unrolled(self._climb, image, rolled, gradient, shift, size, moments)
        return image, value

    def ascend(
        self, frame: np.ndarray, steps: int, step_size: float, jitter: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, float]:
        """``steps`` steps at the frame's own size; returns the frame and the objective before the last."""
        image, value = self.climb(tf.constant(frame, tf.float32), steps, step_size, jitter, rng)
        return image.numpy(), float(value)

    def dream(self, frame: np.ndarray, params: Params, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        """Dream a frame over octaves, coarse to fine.

        Each octave starts from the frame resized to that scale plus the detail the dream added at
        the scale before (the frame's own fine detail is never lost to a down-and-up resize).
        Returns the frame and the objective at the last step.
        """
        height, width = frame.shape[:2]
        original = tf.constant(frame, tf.float32)
        detail: tf.Tensor | None = None
        dreamed, value = original, tf.constant(math.nan)
        for w, h in octave_sizes((width, height), params.octaves, params.octave_scale, self.min_side):
            base = resized(original, w, h)
            start = base if detail is None else tf.clip_by_value(base + resized(detail, w, h), 0.0, 1.0)
            dreamed, value = self.climb(start, params.steps, params.step_size, params.jitter, rng)
            detail = dreamed - base
        return dreamed.numpy(), float(value)


def resized(image: tf.Tensor, width: int, height: int) -> tf.Tensor:
    """Resample on the device to ``width × height`` as ``motion.resize`` does on the host (area
    averaging to shrink, Lanczos to enlarge), as two matrix products."""
    if int(image.shape[1]) == width and int(image.shape[0]) == height:
        return image
    rows = motion.resampling_matrix(int(image.shape[0]), height)
    columns = motion.resampling_matrix(int(image.shape[1]), width)
    tall = tf.tensordot(rows, image, axes=1)  # (height, source width, 3)
    return tf.transpose(tf.tensordot(tall, columns, axes=[[1], [1]]), [0, 2, 1])
