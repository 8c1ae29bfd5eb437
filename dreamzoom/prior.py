"""The natural-image prior: what keeps a dream looking like a picture rather than like noise.

Gradient ascent alone finds high-frequency patterns that excite a network but look like static.
Three remedies, each a pure TensorFlow function used inside the compiled dream step (after lucid's
``transform`` and ``param`` modules and the Laplacian-pyramid normalisation of the DeepDream notebook):

- transformation robustness: the network sees the frame slightly rescaled and rotated at random, so
  only features that survive such changes are reinforced;
- gradient smoothing: a Gaussian blur of the gradient, or a Laplacian pyramid with every band
  normalised to the same strength, so coarse structure grows as fast as fine detail;
- a total-variation penalty on the frame, which makes neighbouring pixels agree;
- colour decorrelation: climbing as if the image were stored in ImageNet's decorrelated colours.
"""

from __future__ import annotations

import math

import numpy as np

from .backend import tf

_BINOMIAL = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).astype(np.float32) / 256.0


def _depthwise_kernel(kernel2d: np.ndarray) -> tf.Tensor:
    return tf.constant(np.tile(kernel2d[:, :, None, None], (1, 1, 3, 1)))


def gaussian_kernel(sigma: float) -> np.ndarray:
    """A normalised 2-D Gaussian of standard deviation ``sigma`` pixels."""
    radius = max(1, math.ceil(2.5 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    line = np.exp(-(x**2) / (2 * sigma**2))
    line /= line.sum()
    return np.outer(line, line).astype(np.float32)


def gaussian_blur(image: tf.Tensor, sigma: float) -> tf.Tensor:
    """Blur an ``(H, W, 3)`` image, mirroring its borders."""
    kernel = gaussian_kernel(sigma)
    pad = kernel.shape[0] // 2
    padded = tf.pad(image[None], [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
    return tf.nn.depthwise_conv2d(padded, _depthwise_kernel(kernel), [1, 1, 1, 1], "VALID")[0]


def _downsample(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.depthwise_conv2d(x, _depthwise_kernel(_BINOMIAL), [1, 2, 2, 1], "SAME")


def _upsample(x: tf.Tensor, like: tf.Tensor) -> tf.Tensor:
    return tf.nn.depthwise_conv2d_backprop_input(
        tf.shape(like), _depthwise_kernel(4 * _BINOMIAL), x, [1, 2, 2, 1], "SAME"
    )


def laplacian_normalize(gradient: tf.Tensor, levels: int) -> tf.Tensor:
    """Split an ``(H, W, 3)`` gradient into ``levels`` Laplacian bands plus a residual, scale every
    band to unit RMS, and merge them again: coarse structure then grows as fast as fine detail."""
    low = gradient[None]
    bands = []
    for _ in range(levels):
        smaller = _downsample(low)
        bands.append(low - _upsample(smaller, low))
        low = smaller
    bands.append(low)
    bands = [band / (tf.sqrt(tf.reduce_mean(tf.square(band))) + 1e-8) for band in bands]
    merged = bands[-1]
    for band in reversed(bands[:-1]):
        merged = _upsample(merged, band) + band
    return merged[0]


def smooth_gradient(gradient: tf.Tensor, kind: str, sigma: float, levels: int) -> tf.Tensor:
    """Apply the configured gradient smoothing (``none``, ``gaussian`` or ``laplacian``)."""
    if kind == "gaussian":
        return gaussian_blur(gradient, sigma)
    if kind == "laplacian":
        return laplacian_normalize(gradient, levels)
    return gradient


# Square root of ImageNet's colour covariance (lucid's ``color_correlation_svd_sqrt``): mixing the
# gradient through it (times its transpose) climbs in a decorrelated colour space, where natural
# colours are cheap and the neon hues of plain gradient ascent are expensive.
COLOUR_SQRT = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], np.float32)
COLOUR_SQRT /= np.linalg.norm(COLOUR_SQRT, axis=0).max()
_COLOUR_MIX = COLOUR_SQRT @ COLOUR_SQRT.T


def decorrelate_colour(gradient: tf.Tensor) -> tf.Tensor:
    """Precondition an ``(H, W, 3)`` gradient as if the image were parameterised in decorrelated colour."""
    return tf.tensordot(gradient, tf.constant(_COLOUR_MIX.T), axes=1)


#: One view of a step: scale, angle (radians), crop, centre offset (rows, columns) and mirroring.
View = tuple[float, float, float, float, float, bool]


def view_transforms(height: int, width: int, draws: list[View]) -> np.ndarray:
    """The projective transforms (``ImageProjectiveTransformV3``'s eight numbers, output pixel to
    input pixel) of views of a ``height × width`` frame, one per draw ``(scale, angle, crop, dy,
    dx, flip)``: a window ``crop`` times the frame's size, its centre moved by ``(dy, dx)`` (fractions
    of the frame), mirrored if ``flip``, turned by ``angle`` radians and enlarged by ``scale / crop``
    to fill the frame's size."""
    cy, cx = (height - 1) / 2, (width - 1) / 2
    transforms = []
    for scale, angle, crop, dy, dx, flip in draws:
        cos, sin = np.cos(angle) * crop / scale, np.sin(angle) * crop / scale
        sign = -1.0 if flip else 1.0
        a0, a1, b0, b1 = sign * cos, -sin, sign * sin, cos
        ty, tx = cy + dy * height, cx + dx * width
        transforms.append([a0, a1, tx - a0 * cx - a1 * cy, b0, b1, ty - b0 * cx - b1 * cy, 0.0, 0.0])
    return np.asarray(transforms, np.float32)


def _warped(images: tf.Tensor, transforms: tf.Tensor, shape: tf.Tensor, fill_mode: str) -> tf.Tensor:
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=shape,
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode=fill_mode,
    )


def _inverted(transforms: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The inverse of each transform (input pixel to output pixel), and how many output pixels each
    input pixel feeds (the inverse's determinant: 4 for a view of half the frame's side)."""
    rows = tf.reshape(tf.concat([transforms, tf.ones_like(transforms[:, :1])], axis=1), [-1, 3, 3])
    inverse = tf.linalg.inv(rows)
    inverse /= inverse[:, 2:3, 2:3]
    return tf.reshape(inverse, [-1, 9])[:, :8], tf.abs(tf.linalg.det(inverse))


def views(image: tf.Tensor, transforms: tf.Tensor) -> tf.Tensor:
    """The ``(H, W, 3)`` image as the network sees it this step: one view per transform (see
    :func:`view_transforms`), each of the image's size, borders mirrored, bilinear.

    Differentiable with respect to ``image``, with a gradient of its own: TensorFlow's warps the
    views' gradients back with the same mirrored borders, so a view of a window would also pull on
    mirrored copies of it all over the rest of the frame. Here each view's gradient goes back to its
    window only (what falls outside the frame is dropped), weighted by how many view pixels each frame
    pixel feeds."""

    @tf.custom_gradient
    def sampled(frame: tf.Tensor) -> tuple[tf.Tensor, object]:
        shape = tf.shape(frame)[:2]
        seen = _warped(tf.repeat(frame[None], tf.shape(transforms)[0], axis=0), transforms, shape, "REFLECT")

        def gradient(upstream: tf.Tensor) -> tf.Tensor:
            inverse, density = _inverted(transforms)
            back = _warped(upstream, inverse, shape, "CONSTANT")
            return tf.reduce_sum(back * density[:, None, None, None], axis=0)

        return seen, gradient

    return sampled(image)


def total_variation(image: tf.Tensor) -> tf.Tensor:
    """Mean absolute difference between neighbouring pixels of an ``(H, W, 3)`` image."""
    dy = tf.reduce_mean(tf.abs(image[1:] - image[:-1]))
    dx = tf.reduce_mean(tf.abs(image[:, 1:] - image[:, :-1]))
    return dx + dy


def total_variation_gradient(image: tf.Tensor) -> tf.Tensor:
    """The direction in which the image's total variation grows fastest."""
    with tf.GradientTape() as tape:
        tape.watch(image)
        variation = total_variation(image)
    return tape.gradient(variation, image)


def unit_mean(direction: tf.Tensor) -> tf.Tensor:
    """Scale a direction to a mean absolute value of 1 (zero stays zero)."""
    return direction / (tf.reduce_mean(tf.abs(direction)) + 1e-8)
