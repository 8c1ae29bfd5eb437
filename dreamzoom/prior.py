"""The natural-image prior: what keeps a dream looking like a picture rather than like noise.

Gradient ascent alone finds high-frequency patterns that excite a network but look like static.
The remedies, each a function of ``keras.ops`` alone, written once for TensorFlow, JAX and PyTorch,
used inside the compiled dream step (after lucid's ``transform`` and ``param`` modules and the
Laplacian-pyramid normalisation of the DeepDream notebook):

- transformation robustness: the network sees the frame rescaled, rotated, cropped and mirrored at
  random, with noise, so only features that survive such changes are reinforced;
- gradient smoothing: a Gaussian blur of the gradient, or a Laplacian pyramid with every band
  normalised to the same strength, so coarse structure grows as fast as fine detail;
- a total-variation penalty on the frame, which makes neighbouring pixels agree;
- colour decorrelation: climbing as if the image were stored in ImageNet's decorrelated colours.

This room also owns how :class:`~dreamzoom.presets.PriorSettings` become parts of a dream step
(:class:`ImagePrior`): the views a step draws, what the network sees of them, the chain of gradient
transforms that turns the objective's gradient into the direction a step climbs, and how the frame
moves along it. The parts are chosen once, from the settings; the dream step only applies them. A
new prior option is a field of ``PriorSettings`` (and of the config's ``Prior``) and a part here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from . import autodiff
from .backend import Tensor, ops
from .presets import PriorSettings

if TYPE_CHECKING:  # for annotations only: ``fourier`` itself builds on this room's colour basis
    from .fourier import Moments

_BINOMIAL = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).astype(np.float32) / 256.0


def _depthwise_kernel(kernel2d: np.ndarray) -> Tensor:
    return ops.convert_to_tensor(np.tile(kernel2d[:, :, None, None], (1, 1, 3, 1)))


def gaussian_kernel(sigma: float) -> np.ndarray:
    """A normalised 2-D Gaussian of standard deviation ``sigma`` pixels."""
    radius = max(1, math.ceil(2.5 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    line = np.exp(-(x**2) / (2 * sigma**2))
    line /= line.sum()
    return np.outer(line, line).astype(np.float32)


def gaussian_blur(image: Tensor, sigma: float) -> Tensor:
    """Blur an ``(H, W, 3)`` image, mirroring its borders."""
    kernel = gaussian_kernel(sigma)
    pad = kernel.shape[0] // 2
    # Padded as a batch of one: PyTorch mirrors only the last three axes of a four-axis tensor.
    padded = ops.pad(image[None], ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    return ops.depthwise_conv(padded, _depthwise_kernel(kernel), strides=1, padding="valid")[0]


def _downsample(x: Tensor) -> Tensor:
    return ops.depthwise_conv(x, _depthwise_kernel(_BINOMIAL), strides=2, padding="same")


def _spread(x: Tensor, length: Tensor, axis: int) -> Tensor:
    """``x`` (``ceil(length / 2)`` long along ``axis``) with zeros between its values, ``length`` long:
    each value back where :func:`_downsample`'s strided 'same' convolution centred it. That pads one
    row before an even ``length`` and two before an odd one, so the values sit at odd positions of
    an even length and at even positions of an odd one.

    ``length`` is a scalar tensor where TensorFlow traces for frames of any size: no Python ``if``
    can read its parity, so the positions are picked by arithmetic."""
    doubled = ops.repeat(x, 2, axis=axis)  # x0 x0 x1 x1 …: the centres' values, at both parities
    index = ops.arange(length, dtype="int32")
    keep = ops.cast((index + length) % 2, x.dtype)
    if axis == 1:
        return doubled[:, :length] * keep[None, :, None, None]
    return doubled[:, :, :length] * keep[None, None, :, None]


def _upsample(x: Tensor, like: Tensor) -> Tensor:
    """The adjoint of :func:`_downsample` onto ``like``'s size (with 4 times its kernel: the pyramid's
    expansion): the values spread back onto the grid they were read from, then blurred in place.

    Blurred end for end (both axes reversed, and back): the kernel is symmetric, so only the order
    of each pixel's sum changes, to that of TensorFlow's transposed convolution, which this replaced;
    on TensorFlow the pyramid then gives the same bits as before."""
    height, width = ops.shape(like)[1], ops.shape(like)[2]
    spread = ops.flip(_spread(_spread(x, height, axis=1), width, axis=2), axis=(1, 2))
    blurred = ops.depthwise_conv(spread, _depthwise_kernel(4 * _BINOMIAL), strides=1, padding="same")
    return ops.flip(blurred, axis=(1, 2))


def laplacian_normalize(gradient: Tensor, levels: int) -> Tensor:
    """Split an ``(H, W, 3)`` gradient into ``levels`` Laplacian bands plus a residual, scale every
    band to unit RMS, and merge them again: coarse structure then grows as fast as fine detail."""
    low = gradient[None]
    bands = []
    for _ in range(levels):
        smaller = _downsample(low)
        bands.append(low - _upsample(smaller, low))
        low = smaller
    bands.append(low)
    bands = [band / (ops.sqrt(ops.mean(ops.square(band))) + 1e-8) for band in bands]
    merged = bands[-1]
    for band in reversed(bands[:-1]):
        merged = _upsample(merged, band) + band
    return merged[0]


# Square root of ImageNet's colour covariance (lucid's ``color_correlation_svd_sqrt``): mixing the
# gradient through it (times its transpose) climbs in a decorrelated colour space, where natural
# colours are cheap and the neon hues of plain gradient ascent are expensive.
COLOUR_SQRT = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], np.float32)
COLOUR_SQRT /= np.linalg.norm(COLOUR_SQRT, axis=0).max()
_COLOUR_MIX = COLOUR_SQRT @ COLOUR_SQRT.T


def decorrelate_colour(gradient: Tensor) -> Tensor:
    """Precondition an ``(H, W, 3)`` gradient as if the image were parameterised in decorrelated colour."""
    return ops.tensordot(gradient, ops.convert_to_tensor(_COLOUR_MIX.T), axes=1)


@dataclass(frozen=True)
class View:
    """One view of the frame that the network sees in a step: a window ``crop`` times the frame's
    size, its centre moved by ``(dy, dx)`` (fractions of the frame), mirrored if ``flip``, turned by
    ``angle`` radians and enlarged by ``scale / crop`` to fill the frame's size. The defaults show the
    frame as it is."""

    scale: float = 1.0
    angle: float = 0.0
    crop: float = 1.0
    dy: float = 0.0
    dx: float = 0.0
    flip: bool = False


#: The frame as it is.
FRAME = View()


def draw_view(settings: PriorSettings, rng: np.random.Generator) -> View:
    """One random view under ``settings``: its scale and angle first (always drawn, even when the
    settings allow none), then its crop and centre and its mirroring where the settings ask for them,
    in this order so that a seed gives the same dream as before crops and mirrors existed."""
    scale = 1.0 + rng.uniform(-settings.scale, settings.scale)
    angle = math.radians(rng.uniform(-settings.rotate, settings.rotate))
    crop = rng.uniform(settings.crop, 1.0) if settings.crop < 1 else 1.0
    dy, dx = rng.uniform(-(1 - crop) / 2, (1 - crop) / 2, size=2) if crop < 1 else (0.0, 0.0)
    flip = bool(settings.flip and rng.random() < 0.5)
    return View(float(scale), angle, float(crop), float(dy), float(dx), flip)


def view_transforms(height: int, width: int, views: Sequence[View]) -> np.ndarray:
    """The projective transforms (Keras' ``affine_transform``'s eight numbers, in TensorFlow's
    ``ImageProjectiveTransformV3`` convention: output pixel to input pixel) of ``views`` of a
    ``height × width`` frame (see :class:`View`)."""
    cy, cx = (height - 1) / 2, (width - 1) / 2
    transforms = []
    for view in views:
        cos, sin = np.cos(view.angle) * view.crop / view.scale, np.sin(view.angle) * view.crop / view.scale
        sign = -1.0 if view.flip else 1.0
        a0, a1, b0, b1 = sign * cos, -sin, sign * sin, cos
        ty, tx = cy + view.dy * height, cx + view.dx * width
        transforms.append([a0, a1, tx - a0 * cx - a1 * cy, b0, b1, ty - b0 * cx - b1 * cy, 0.0, 0.0])
    return np.asarray(transforms, np.float32)


def _warped(images: Tensor, transforms: Tensor, fill_mode: str) -> Tensor:
    # A copy: Keras' PyTorch affine transform rewrites the transforms it is given in place.
    return ops.image.affine_transform(
        images, ops.copy(transforms), interpolation="bilinear", fill_mode=fill_mode, fill_value=0
    )


def _inverted(transforms: Tensor) -> tuple[Tensor, Tensor]:
    """The inverse of each transform (input pixel to output pixel), and how many output pixels each
    input pixel feeds (the inverse's determinant: 4 for a view of half the frame's side)."""
    rows = ops.reshape(ops.concatenate([transforms, ops.ones_like(transforms[:, :1])], axis=1), (-1, 3, 3))
    inverse = ops.linalg.inv(rows)
    inverse = inverse / inverse[:, 2:3, 2:3]  # not in place: PyTorch refuses a division by its own slice
    return ops.reshape(inverse, (-1, 9))[:, :8], ops.abs(ops.linalg.det(inverse))


def views(image: Tensor, transforms: Tensor) -> Tensor:
    """The ``(H, W, 3)`` image as the network sees it this step: one view per transform (see
    :func:`view_transforms`), each of the image's size, borders mirrored, bilinear.

    Differentiable with respect to ``image``, with a gradient of its own: the warp's derived gradient
    carries the views' gradients back with the same mirrored borders, so a view of a window would also
    pull on mirrored copies of it all over the rest of the frame. Here each view's gradient goes back
    to its window only (what falls outside the frame is dropped), weighted by how many view pixels each
    frame pixel feeds."""

    @autodiff.custom_gradient
    def sampled(frame: Tensor) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
        seen = _warped(ops.repeat(frame[None], ops.shape(transforms)[0], axis=0), transforms, "reflect")

        def gradient(upstream: Tensor) -> Tensor:
            inverse, density = _inverted(transforms)
            back = _warped(upstream, inverse, "constant")
            return ops.sum(back * density[:, None, None, None], axis=0)

        return seen, gradient

    return sampled(image)


def total_variation(image: Tensor) -> Tensor:
    """Mean absolute difference between neighbouring pixels of an ``(H, W, 3)`` image."""
    dy = ops.mean(ops.abs(image[1:] - image[:-1]))
    dx = ops.mean(ops.abs(image[:, 1:] - image[:, :-1]))
    return dx + dy


def total_variation_gradient(image: Tensor) -> Tensor:
    """The direction in which the image's total variation grows fastest: :func:`total_variation`'s
    gradient, written out rather than derived, because backends differ on ``|x|``'s slope at 0
    (TensorFlow and PyTorch take 0, JAX 1), and flat patches, where neighbours are equal, are
    common (clipped highlights, skies)."""
    return _pushed_apart(image, axis=0) + _pushed_apart(image, axis=1)


def _pushed_apart(image: Tensor, axis: int) -> Tensor:
    """The gradient of the mean absolute difference between neighbours along ``axis``: each pixel
    pulled away from the neighbour before it and the one after it, ``sign(0) = 0`` where equal."""
    length = ops.shape(image)[axis]
    after = ops.take(image, ops.arange(1, length), axis=axis)
    before = ops.take(image, ops.arange(0, length - 1), axis=axis)
    sign = ops.sign(after - before)
    count = ops.cast(ops.size(sign), image.dtype)
    padding = [[0, 0], [0, 0], [0, 0]]
    leading, trailing = [list(p) for p in padding], [list(p) for p in padding]
    leading[axis], trailing[axis] = [1, 0], [0, 1]
    return (ops.pad(sign, leading) - ops.pad(sign, trailing)) / count


def unit_mean(direction: Tensor) -> Tensor:
    """Scale a direction to a mean absolute value of 1 (zero stays zero)."""
    return direction / (ops.mean(ops.abs(direction)) + 1e-8)


# -- the prior as parts of a dream step ------------------------------------------------------------

#: How close to black or white a pixel may come when climbed through its logit (``bounded``).
_EDGE = 1e-3

#: A link of the chain from the objective's gradient to the direction a step climbs: ``(gradient,
#: image, moments) → (gradient, moments)``, where ``image`` is the frame as the gradient was taken
#: and ``moments`` are Adam's, which only Fourier steps read and change.
GradientTransform = Callable[[Tensor, Tensor, "Moments"], tuple[Tensor, "Moments"]]


@dataclass(frozen=True)
class OnGradient:
    """A link that changes the gradient alone (a smoothing, decorrelated colour, the normalising)."""

    change: Callable[[Tensor], Tensor]

    def __call__(self, gradient: Tensor, image: Tensor, moments: Moments) -> tuple[Tensor, Moments]:
        return self.change(gradient), moments


def through_logit(gradient: Tensor, image: Tensor, moments: Moments) -> tuple[Tensor, Moments]:
    """The chain rule through the sigmoid that maps each pixel's logit to it (``bounded``): the
    gradient with respect to the logits the step climbs."""
    inside = _inside(image)
    return gradient * inside * (1.0 - inside), moments


@dataclass(frozen=True)
class FourierStep:
    """Adam's step in the 1/f-scaled spectrum of decorrelated colour (``fourier``), in place of the
    smoothing and the colour it replaces; its moments come back updated."""

    def __call__(self, gradient: Tensor, image: Tensor, moments: Moments) -> tuple[Tensor, Moments]:
        from . import fourier  # not at the top: ``fourier`` builds on this room's colour basis

        return fourier.direction(gradient, moments)


@dataclass(frozen=True)
class TotalVariation:
    """The total-variation penalty of ``strength``, weighed against the normalised dream (it follows
    :func:`unit_mean` in the chain), so that ``tv`` means the same for any objective."""

    strength: float

    def __call__(self, gradient: Tensor, image: Tensor, moments: Moments) -> tuple[Tensor, Moments]:
        return gradient - self.strength * unit_mean(total_variation_gradient(image)), moments


#: The gradient smoothings ``PriorSettings.gradient`` names, as links made from the settings.
_SMOOTHING: dict[str, Callable[[PriorSettings], list[GradientTransform]]] = {
    "none": lambda settings: [],
    "gaussian": lambda settings: [OnGradient(partial(gaussian_blur, sigma=settings.sigma))],
    "laplacian": lambda settings: [OnGradient(partial(laplacian_normalize, levels=settings.levels))],
}


def gradient_transforms(settings: PriorSettings) -> tuple[GradientTransform, ...]:
    """The chain from the objective's gradient to a step's direction, in order: through each pixel's
    logit (``bounded``); Fourier steps, or else the smoothing and decorrelated colour they replace;
    scaled to a mean absolute value of 1, so that ``step_size`` is the mean pixel change whatever the
    objective's scale; and the total-variation penalty."""
    chain: list[GradientTransform] = [through_logit] if settings.bounded else []
    if settings.fourier:
        chain.append(FourierStep())
    else:
        chain += _SMOOTHING[settings.gradient](settings)
        chain += [OnGradient(decorrelate_colour)] if settings.colour else []
    chain.append(OnGradient(unit_mean))
    chain += [TotalVariation(settings.tv)] if settings.tv else []
    return tuple(chain)


class ImagePrior:
    """The prior's parts of a dream step, chosen once from ``settings``: the compiled step applies
    them and branches on none of the settings.

    - :meth:`draw_views`: a step's random views, drawn on the host;
    - :meth:`seen`: the batch the network sees: the views (or the frame alone, where the settings
      transform nothing), with Gaussian noise where they ask for it;
    - :meth:`direction`: the gradient through the chain of :func:`gradient_transforms`;
    - :meth:`moved`: the frame moved along the direction: clipped to [0, 1], or through each
      pixel's logit (``bounded``).
    """

    def __init__(self, settings: PriorSettings) -> None:
        self.settings = settings
        self.transforms = gradient_transforms(settings)
        #: Whether a step keeps Adam's moments (Fourier steps): they belong to the frame's own pixel grid.
        self.uses_moments = settings.fourier
        #: Whether the views need a seed of their own each step (for their noise).
        self.seeded = bool(settings.noise)
        #: The narrowest frame the prior works on: a Gaussian blur's mirrored padding must fit in it.
        self.min_side = 1
        if settings.gradient == "gaussian" and not settings.fourier:
            self.min_side = gaussian_kernel(settings.sigma).shape[0] // 2 + 1
        self._batch = views if _transformed(settings) else _frame_alone
        self._noise = partial(_noisy, strength=settings.noise) if settings.noise else _noiseless
        self._move = _moved_through_logit if settings.bounded else _moved_clipped

    def draw_views(self, rng: np.random.Generator) -> list[View]:
        """A step's random views (see :func:`draw_view`)."""
        return [draw_view(self.settings, rng) for _ in range(self.settings.views)]

    def seen(self, image: Tensor, transforms: Tensor, seed: Tensor) -> Tensor:
        """What the network sees of an ``(H, W, 3)`` image in a step: a batch of its views
        (``transforms``, see :func:`view_transforms`), with Gaussian noise drawn from ``seed``."""
        return self._noise(self._batch(image, transforms), seed)

    def direction(self, gradient: Tensor, image: Tensor, moments: Moments) -> tuple[Tensor, Moments]:
        """The direction a step climbs from ``gradient`` (taken at ``image``), and Adam's moments after it."""
        for transform in self.transforms:
            gradient, moments = transform(gradient, image, moments)
        return gradient, moments

    def moved(self, image: Tensor, direction: Tensor, step_size: Tensor) -> Tensor:
        """``image`` moved along ``direction`` by about ``step_size`` a pixel."""
        return self._move(image, direction, step_size)


def _transformed(settings: PriorSettings) -> bool:
    """Whether the network sees anything but the frame itself."""
    return (
        settings.scale > 0 or settings.rotate > 0 or settings.views > 1 or settings.crop < 1 or settings.flip
    )


def _frame_alone(image: Tensor, transforms: Tensor) -> Tensor:
    return image[None]


def _noisy(batch: Tensor, seed: Tensor, strength: float) -> Tensor:
    return batch + strength * autodiff.stateless_normal(ops.shape(batch), seed)


def _noiseless(batch: Tensor, seed: Tensor) -> Tensor:
    return batch


def _inside(image: Tensor) -> Tensor:
    """The image kept where each pixel's logit exists."""
    return ops.clip(image, _EDGE, 1.0 - _EDGE)


def _moved_clipped(image: Tensor, direction: Tensor, step_size: Tensor) -> Tensor:
    return ops.clip(image + step_size * direction, 0.0, 1.0)


def _moved_through_logit(image: Tensor, direction: Tensor, step_size: Tensor) -> Tensor:
    """4: the sigmoid's slope at mid-grey, where a step in the logit still moves a pixel ``step_size``."""
    inside = _inside(image)
    logit = ops.log(inside) - ops.log1p(-inside)
    return ops.sigmoid(logit + 4.0 * step_size * direction)
