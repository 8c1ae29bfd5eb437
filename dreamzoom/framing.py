"""What a classifier beside the dreaming network sees of a batch of frames: the frames shrunk to
ImageNet's size, or seeded square crops of them resized to it; written once in ``keras.ops``, so that
both run, and carry gradients back to the frames, on every Keras backend.

TensorFlow's ``crop_and_resize`` has no twin in ``keras.ops``. Bilinear resampling is separable, so
a crop here is two matrix products, one over its rows and one over its columns, with weights that
sample where ``crop_and_resize`` samples: on TensorFlow the crops match it to float32 rounding. A
dense matrix spends more arithmetic than picking the four pixels around each sample would, but a
matrix product is fast and deterministic on every device, where the gradient of picking pixels (a
scatter-add) is neither on GPUs. (Nor was ``crop_and_resize``'s own on CPUs without TensorFlow's op
determinism: for several images at once, repeated calls gave gradients off by up to 1.1 where they
were at most 6, where the products here agree with a float64 sum to 3e-6.)
"""

from __future__ import annotations

import numpy as np

from . import autodiff
from .backend import NAME, Tensor, ops, tf


def at_most(images: Tensor, side: int) -> Tensor:
    """Images shrunk (area-averaged, so the gradient back reaches every pixel) until their shorter
    side is at most ``side``; smaller ones as they are."""
    height, width = ops.shape(images)[1:3]
    if not (isinstance(height, int) and isinstance(width, int)):
        return _at_most_any_size(images, side)
    # In float32, as TensorFlow computed it for frames of any size, so that sizes round the same.
    shape = np.array([height, width], np.float32)
    scale = np.minimum(np.float32(1.0), np.float32(side) / shape.min())
    size = tuple(int(length) for length in np.round(shape * scale))
    return ops.image.resize(images, size, antialias=True)


def _at_most_any_size(images: Tensor, side: int) -> Tensor:
    """:func:`at_most` inside a TensorFlow step traced once for frames of any size, the one place
    where a frame's height and width are tensors: ``keras.ops`` resizes only to sizes known when the
    step is traced (JAX's are, as it compiles once per size), so TensorFlow resizes it itself."""

    shape = tf.cast(tf.shape(images)[1:3], tf.float32)
    scale = tf.minimum(1.0, side / tf.reduce_min(shape))
    return tf.image.resize(images, tf.cast(tf.round(shape * scale), tf.int32), antialias=True)


def crops(images: Tensor, seed: Tensor, views: int, share: float, side: int) -> Tensor:
    """``views`` square crops of each image (those of the first image first), each side a uniform
    share of the shorter side between ``share`` and 1, placed uniformly, resized (bilinear,
    differentiable) to ``side`` px; drawn from the pair ``seed`` (and ``seed + 1``), so that the same
    step sees the same crops (on TensorFlow, those its ``crop_and_resize`` cut from the same draws)."""
    height, width = ops.shape(images)[1:3]
    count = ops.shape(images)[0] * views
    shape = ops.cast(ops.stack([height, width]), "float32")
    drawn = autodiff.stateless_uniform([count, 1], seed, share, 1.0)
    # ``divide_no_nan`` divides exactly where TensorFlow's graph optimiser would turn a division by a
    # known number into a product with its rounded reciprocal (the divisors are never zero).
    extent = ops.divide_no_nan(drawn * ops.min(shape), shape)  # each crop's height and width, as shares
    start = autodiff.stateless_uniform([count, 2], seed + 1) * (1.0 - extent)
    if NAME == "tensorflow":
        # TensorFlow's own kernel: 3–6× faster on a CPU than the products of ``windows``, which cost
        # the default config's bfloat16 frame 23 % (1.24 s against 1.01 at 512 px, 2-core AMD EPYC);
        # renders turn op determinism on, which its gradient needs.
        boxes = ops.concatenate([start, start + extent], axis=1)
        owners = ops.repeat(ops.arange(ops.shape(images)[0], dtype="int32"), views)
        return tf.image.crop_and_resize(images, boxes, owners, (side, side))
    return windows(ops.repeat(images, views, axis=0), start, start + extent, side)


def windows(images: Tensor, start: Tensor, stop: Tensor, side: int) -> Tensor:
    """Each image's window from ``start`` to ``stop`` (``(images, 2)``: shares of its height and
    width, each in [0, 1]) resized (bilinear) to ``side`` × ``side`` px: TensorFlow's
    ``crop_and_resize`` with one box per image, in ``keras.ops``."""
    height, width = ops.shape(images)[1:3]
    start, stop = ops.convert_to_tensor(start, "float32"), ops.convert_to_tensor(stop, "float32")
    rows = _bilinear(start[:, :1], stop[:, :1], height, side)
    columns = _bilinear(start[:, 1:], stop[:, 1:], width, side)
    tall = ops.einsum("ksh,khwc->kswc", rows, images)
    return ops.einsum("kswc,ktw->kstc", tall, columns)


def _bilinear(start: Tensor, stop: Tensor, length: int | Tensor, side: int) -> Tensor:
    """``(crops, side, length)`` weights that resample ``length`` pixels along one axis to ``side``,
    from ``start`` to ``stop`` (``(crops, 1)`` shares of the axis): sample ``i`` lies at
    ``start·(length − 1) + i·(stop − start)·(length − 1)/(side − 1)``, as in ``crop_and_resize``,
    and takes ``1 − distance`` of each of the two pixels either side of it."""
    last = ops.cast(length - 1, "float32")
    spacing = ops.divide_no_nan((stop - start) * last, float(side - 1))
    where = start * last + ops.arange(side, dtype="float32")[None, :] * spacing
    # A crop ending at the frame's edge may land a rounding error past the last pixel: kept on it.
    where = ops.clip(where, 0.0, last)
    pixels = ops.arange(length, dtype="float32")
    return ops.maximum(0.0, 1.0 - ops.abs(where[:, :, None] - pixels[None, None, :]))
