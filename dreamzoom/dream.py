"""The dream step: gradient ascent on an objective, over octaves, under the natural-image prior.

This module knows nothing of files or of frames in time: it turns one float RGB frame into its
dreamed version. It is built from named parts, as lucid's ``optvis`` is, each in its own room: the
objective (``objectives``), the prior's views and gradient transforms (``prior``, whose
``ImagePrior`` chooses them once from the settings), tiles (``tiling``) and float16's loss scaling
(``scaling``). :class:`Dreamer` puts them together once, when it is built; the compiled step only
applies them.

One word for one thing, smallest first, in names and docs alike:

- **view**: one random look at the frame (rescaled, turned, cropped, mirrored: ``prior.View``); a
  step's network sees a batch of them, with the prior's noise;
- **gradient**: the objective's gradient with respect to the frame, through one batch of views
  (:meth:`Dreamer._gradient`; on the host :meth:`Dreamer.gradient`, tile by tile for large frames);
- **direction**: the gradient through the prior's chain of transforms (smoothing, decorrelated
  colour or Fourier steps, unit mean, total variation): ``ImagePrior.direction``;
- **update**: the frame moved ``step_size`` along the direction, or kept as it was where float16's
  gradient overflowed (:meth:`Dreamer._update`);
- **step**: one jittered gradient and its update, one compiled call (:meth:`Dreamer._step`; a
  frame seen in tiles takes a call a tile and one for the update);
- **octave**: the steps at one size (:meth:`Dreamer.octave`);
- **dream**: a whole frame, octave by octave, coarse to fine (:meth:`Dreamer.dream`).

``_gradient``, ``_update`` and ``_step`` build their part of the graph; each is compiled once, into
``Dreamer.compiled`` under the same name.

The frame stays a tensor from the first octave to the last: each step is one compiled call, the
octaves are resized on the device, and the objective is read back once per frame, so nothing waits
on the host between steps (on a GPU, nothing leaves it). The random jitters, views and seeds of the
steps are drawn on the host and passed in as tensors. The compiled functions are traced once per
model and objective, with unknown height and width, so new octave sizes, tiles and frames reuse
them. (One compiled loop over an octave's steps, a ``tf.while_loop``, was measured 5–10 % slower
per step on the CPU than a call per step: the graph optimiser does less inside loops.)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import autodiff, fourier, motion, scaling, tiling
from .backend import Tensor, ops
from .models import DreamModel
from .objectives import Objective
from .presets import PRIOR_PRESETS, PriorSettings
from .prior import FRAME, ImagePrior, View, view_transforms


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


class Draw(NamedTuple):
    """What a step draws from the random state, on the host: its jitter (rows, columns), its views,
    and the seed of its views' noise and of the crops a classifier beside the model sees."""

    shift: np.ndarray
    views: list[View]
    seed: np.ndarray


class Compiled(NamedTuple):
    """The step's parts, each compiled once (``autodiff.compile``) for frames of any size."""

    gradient: autodiff.Traced[tuple[Tensor, Tensor]]
    update: autodiff.Traced[tuple[Tensor, fourier.Moments]]
    step: autodiff.Traced[tuple[Tensor, Tensor, fourier.Moments]]
    value: autodiff.Traced[Tensor]


#: ``(image, gradient, step_size, moments) → (image, moments)``: an update, traced or compiled.
Update = Callable[[Tensor, Tensor, Tensor, fourier.Moments], tuple[Tensor, fourier.Moments]]


class Dreamer:
    """Gradient ascent on ``objective`` with ``model``; build once, dream many frames.

    ``tile_size`` > 0 takes the gradient of frames larger than that in tiles (``tiling``), each seen
    with ``tile_margin`` pixels of context. A model computing in float16 climbs with dynamic loss
    scaling (``scaling``). ``jit_compile`` compiles each step with XLA.
    """

    def __init__(
        self,
        model: DreamModel,
        objective: Objective,
        prior: PriorSettings = PRIOR_PRESETS["none"],
        tile_size: int = 0,
        tile_margin: int = 96,
        jit_compile: bool = False,
    ) -> None:
        self.model, self.objective = model, objective
        self.prior = ImagePrior(prior)
        self.tile_size, self.tile_margin = tile_size, tile_margin
        self.min_side = max(model.min_size(objective.layers), self.prior.min_side)
        self.loss_scaling = scaling.for_precision(model.precision)
        # A classifier beside the model sees random crops a step, drawn from the step's seed.
        self._seeded = self.prior.seeded or model.beside is not None
        # Fourier steps climb the frame itself, where their moments belong; others the jittered frame.
        self._update_jittered = functools.partial(_update_jittered, self.prior.uses_moments)
        self._still = view_transforms(1, 1, [FRAME])  # a tile's view: the tile itself
        self.compiled = self._compile(jit_compile)

    def _compile(self, jit_compile: bool) -> Compiled:
        frame = autodiff.spec([None, None, 3], "float32")
        scalar = autodiff.spec([], "float32")
        pair = autodiff.spec([2], "int32")
        transforms = autodiff.spec([None, 8], "float32")
        spectrum = autodiff.spec([None, None, None], "float32")
        moments = fourier.Moments(spectrum, spectrum, spectrum, scalar)
        # What the step reads and changes between calls: scheduled and explored weights, float16's scale.
        state = self.objective.variables + self.loss_scaling.variables
        return Compiled(
            gradient=autodiff.compile(self._gradient, [frame, transforms, pair], state=state),
            update=autodiff.compile(self._update, [frame, frame, scalar, moments], state=state),
            # On TensorFlow, XLA compiles the step per frame size; on CPUs it is slower than oneDNN's
            # kernels (benchmarks/run.py's `xla` section measures it on the machine at hand), so it is
            # opt-in. JAX always compiles with XLA; PyTorch compiles with torch.compile when asked.
            step=autodiff.compile(
                self._step, [frame, pair, transforms, pair, scalar, moments], jit_compile, state
            ),
            value=autodiff.compile(lambda image: self._objective(image[None]), [frame], state=state),
        )

    @property
    def tracing_count(self) -> int:
        """How often a compiled function was traced (1 each is the goal: no re-tracing)."""
        functions = (self.compiled.gradient, self.compiled.update, self.compiled.step)
        return max(autodiff.traces(function) for function in functions)

    def objective_value(self, frame: np.ndarray) -> float:
        """The objective for a frame, without changing it."""
        return float(ops.convert_to_numpy(self.compiled.value(np.asarray(frame, np.float32))))

    # -- traced into the compiled functions ----------------------------------------------------

    def _objective(self, images: Tensor, seed: Tensor | None = None) -> Tensor:
        """The objective for a batch of images (a classifier beside the model cropping them by ``seed``)."""
        outputs = self.model.outputs(images, self.objective.layers, seed)
        return self.objective(dict(zip(self.objective.layers, outputs, strict=True)))

    def _gradient(self, image: Tensor, transforms: Tensor, seed: Tensor) -> tuple[Tensor, Tensor]:
        """The objective's gradient, averaged over the views ``transforms`` describe (with the prior's
        noise, from ``seed``, which also draws a classifier's crops), and the objective's value."""

        def climbed(image: Tensor) -> tuple[Tensor, Tensor]:
            value = self._objective(self.prior.seen(image, transforms, seed), seed)
            return self.loss_scaling.scaled(value), value

        (_, value), gradient = autodiff.value_and_grad(climbed)(image)
        return gradient, value

    def _update(
        self, image: Tensor, gradient: Tensor, step_size: Tensor, moments: fourier.Moments
    ) -> tuple[Tensor, fourier.Moments]:
        """The image one step up ``gradient`` in the prior's direction, and Adam's moments after it;
        both as they were where the (loss-scaled) gradient overflowed."""
        direction, after = self.prior.direction(gradient, image, moments)
        moved = self.prior.moved(image, direction, step_size)
        return self.loss_scaling.kept(gradient, (moved, after), (image, moments))

    def _step(
        self,
        image: Tensor,
        shift: Tensor,
        transforms: Tensor,
        seed: Tensor,
        step_size: Tensor,
        moments: fourier.Moments,
    ) -> tuple[Tensor, Tensor, fourier.Moments]:
        """One step: the gradient through the views of the image rolled by ``shift`` (the jitter),
        and its update; the objective before the step, and the moments after it."""
        rolled = roll(image, shift)
        gradient, value = self._gradient(rolled, transforms, seed)
        image, moments = self._update_jittered(
            self._update, image, rolled, gradient, shift, step_size, moments
        )
        return image, value, moments

    # -- driven from the host ------------------------------------------------------------------

    def gradient(
        self, image: Tensor, view: View = FRAME, seed: np.ndarray | None = None
    ) -> tuple[Tensor, Tensor]:
        """The objective's gradient for ``image`` seen through ``view`` (with the prior's noise from
        ``seed``, each tile's its own), and the objective's value. Tiled when the image exceeds
        ``tile_size``, the view then turning the whole frame (see :func:`tiling.gradient`); untiled,
        the view is seen only where the prior transforms the frame at all."""
        height, width = int(image.shape[0]), int(image.shape[1])
        transform = view_transforms(height, width, [view])
        seed = np.zeros(2, np.int32) if seed is None else seed
        if not tiling.tiled(height, width, self.tile_size):
            return self.compiled.gradient(image, transform, seed)
        turn = None if view == FRAME else transform
        return tiling.gradient(self._tile_gradient, image, self.tile_size, self.tile_margin, seed, turn)

    def _tile_gradient(self, tile: Tensor, seed: Tensor) -> tuple[Tensor, Tensor]:
        return self.compiled.gradient(tile, self._still, seed)

    def draws(self, steps: int, jitter: int, rng: np.random.Generator) -> list[Draw]:
        """What each of ``steps`` steps draws: its jitter first, then its views (see
        :meth:`prior.ImagePrior.draw_views`), then its seed, in this order so that a seed gives the
        same dream as it always did."""
        draws = []
        for _ in range(steps):
            shift = rng.integers(-jitter, jitter + 1, size=2).astype(np.int32)
            views = self.prior.draw_views(rng)
            seed = (
                rng.integers(0, 2**31 - 1, size=2, dtype=np.int32) if self._seeded else np.zeros(2, np.int32)
            )
            draws.append(Draw(shift, views, seed))
        return draws

    def octave(
        self, image: Tensor, steps: int, step_size: float, jitter: int, rng: np.random.Generator
    ) -> tuple[Tensor, Tensor]:
        """``steps`` steps at the image's own size; returns the image and the objective before the
        last step, as tensors: each step is one compiled call, and nothing is read back (on a GPU,
        the frame never leaves it and the host never waits)."""
        size, value = np.float32(step_size), np.float32(math.nan)
        height, width = int(image.shape[0]), int(image.shape[1])
        moments = fourier.fresh(height, width) if self.prior.uses_moments else fourier.fresh(0, 0)
        step = self._tiled_step if tiling.tiled(height, width, self.tile_size) else self._whole_step
        for draw in self.draws(steps, jitter, rng):
            image, value, moments = step(image, draw, size, moments)
        return image, value

    def _whole_step(
        self, image: Tensor, draw: Draw, step_size: Tensor, moments: fourier.Moments
    ) -> tuple[Tensor, Tensor, fourier.Moments]:
        """A step of a frame seen whole: one compiled call."""
        transforms = view_transforms(int(image.shape[0]), int(image.shape[1]), draw.views)
        return self.compiled.step(image, draw.shift, transforms, draw.seed, step_size, moments)

    def _tiled_step(
        self, image: Tensor, draw: Draw, step_size: Tensor, moments: fourier.Moments
    ) -> tuple[Tensor, Tensor, fourier.Moments]:
        """A step of a frame seen in tiles: a compiled call a tile, and one for the update. It sees
        one view, the first one's scale and turn of the whole frame, as tiled steps always did."""
        rolled = roll(image, draw.shift)
        first = draw.views[0]
        gradient, value = self.gradient(rolled, View(first.scale, first.angle), draw.seed)
        image, moments = self._update_jittered(
            self.compiled.update, image, rolled, gradient, draw.shift, step_size, moments
        )
        return image, value, moments

    def dream(self, frame: np.ndarray, params: Params, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        """Dream a frame over octaves, coarse to fine.

        Each octave starts from the frame resized to that scale plus the detail the dream added at
        the scale before (the frame's own fine detail is never lost to a down-and-up resize).
        Returns the frame and the objective at the last step.
        """
        height, width = frame.shape[:2]
        original = ops.convert_to_tensor(frame, "float32")
        detail: Tensor | None = None
        dreamed, value = original, np.float32(math.nan)
        for w, h in octave_sizes((width, height), params.octaves, params.octave_scale, self.min_side):
            base = resized(original, w, h)
            start = base if detail is None else ops.clip(base + resized(detail, w, h), 0.0, 1.0)
            dreamed, value = self.octave(start, params.steps, params.step_size, params.jitter, rng)
            detail = dreamed - base
        return ops.convert_to_numpy(dreamed), float(ops.convert_to_numpy(value))


def _update_jittered(
    on_frame: bool,
    update: Update,
    image: Tensor,
    rolled: Tensor,
    gradient: Tensor,
    shift: Tensor,
    step_size: Tensor,
    moments: fourier.Moments,
) -> tuple[Tensor, fourier.Moments]:
    """``update`` the frame after a gradient taken on it ``rolled`` by ``shift`` (the jitter).
    ``on_frame`` (fixed when the dreamer is built, so the compiled step never branches): update the
    frame itself with the gradient rolled back, since Adam's moments belong to the frame's own
    pixel grid; else update the rolled frame as the gradient was taken, and roll it back."""
    if on_frame:
        return update(image, roll(gradient, -shift), step_size, moments)
    updated, moments = update(rolled, gradient, step_size, moments)
    return roll(updated, -shift), moments


def roll(image: Tensor, shift: Tensor) -> Tensor:
    """``image`` rolled ``shift = (rows, columns)`` as ``np.roll`` does, for a shift that is a
    tensor (the step's jitter, an input of the compiled step): Keras' ``roll`` wants a number on
    some backends, so each axis is gathered in its rolled order instead (exactly, as a roll is)."""
    for axis in (0, 1):
        length = ops.shape(image)[axis]
        image = ops.take(image, ops.mod(ops.arange(length, dtype="int32") - shift[axis], length), axis=axis)
    return image


def resized(image: Tensor, width: int, height: int) -> Tensor:
    """Resample on the device to ``width × height`` as ``motion.resize`` does on the host (area
    averaging to shrink, Lanczos to enlarge), as two matrix products."""
    if int(image.shape[1]) == width and int(image.shape[0]) == height:
        return image
    rows = motion.resampling_matrix(int(image.shape[0]), height)
    columns = motion.resampling_matrix(int(image.shape[1]), width)
    tall = ops.tensordot(rows, image, axes=1)  # (height, source width, 3)
    return ops.transpose(ops.tensordot(tall, columns, axes=[[1], [1]]), [0, 2, 1])
