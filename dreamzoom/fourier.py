"""Climbing in a decorrelated, spectrum-scaled Fourier basis (lucid's ``fft_image`` parameterisation).

Natural images have most of their energy at low spatial frequencies (amplitude falling as 1/f) and
their colours are strongly correlated. Plain gradient ascent on pixels ignores both: every pixel
and every colour is an equally cheap direction, so the fastest way up a class score is fine,
saturated, high-frequency pattern, which the network that made it loves and other networks do not.

Olah et al. ("Feature Visualization", Distill 2017) instead store the image as the spectrum of its
decorrelated colour channels, each frequency scaled by 1/f, and climb with Adam. The image here
stays in pixels (so a zoomed frame feeds back in unchanged), but each step climbs exactly as that
parameterisation would: the pixel gradient is carried into the scaled spectrum, Adam's moments are
kept per frequency and colour, and its step is carried back. Adam's per-frequency normalisation is
what matters: every frequency then moves about equally in the scaled basis, so the image's changes
have a natural 1/f spectrum. The dream step scales each change to ``step_size`` (mean pixel change),
so of Adam's step it keeps the shape and the momentum's direction, not the length. The functions are
pure TensorFlow, used inside the compiled dream step.
"""

from __future__ import annotations

from typing import NamedTuple

from .backend import tf
from .prior import COLOUR_SQRT

#: Adam's decay rates for the mean and the power of the gradient (Kingma and Ba's defaults).
BETA_MEAN, BETA_POWER = 0.9, 0.999
_EPSILON = 1e-8


class Moments(NamedTuple):
    """Adam's running mean and power of the scaled spectrum's gradient, per colour and frequency,
    and how many steps they have seen. Each octave of each frame starts afresh."""

    mean: tf.Tensor  # complex64, (3, height, width // 2 + 1)
    power: tf.Tensor  # float32, same shape
    count: tf.Tensor  # float32 scalar


def fresh(height: int, width: int) -> Moments:
    """Moments for an image of ``height × width`` that has taken no step yet."""
    shape = (3, height, width // 2 + 1)
    return Moments(tf.zeros(shape, tf.complex64), tf.zeros(shape, tf.float32), tf.constant(0.0))


def _frequencies(length: tf.Tensor) -> tf.Tensor:
    """Cycles per pixel of each DFT bin of a signal of ``length`` (numpy's ``fftfreq``)."""
    k = tf.range(length)
    return tf.cast(tf.where(k < (length + 1) // 2, k, k - length), tf.float32) / tf.cast(length, tf.float32)


def spectrum_scale(height: tf.Tensor, width: tf.Tensor) -> tf.Tensor:
    """1/f for each bin of a ``height × width`` real FFT, the lowest frequency clamped to
    one cycle per image, scaled to at most 1: the basis in which every frequency is equally cheap.

    The zero frequency, the frame's mean colour, gets 0: it is no part of an object, and climbing it
    (1/f's largest weight) washed class pictures out to white or blue within a hundred steps."""
    fy = _frequencies(height)[:, None]
    fx = tf.cast(tf.range(width // 2 + 1), tf.float32)[None, :] / tf.cast(width, tf.float32)
    floor = 1.0 / tf.cast(tf.maximum(height, width), tf.float32)
    scale = 1.0 / tf.maximum(tf.sqrt(fy**2 + fx**2), floor)
    scale = tf.tensor_scatter_nd_update(scale, [[0, 0]], [0.0])  # the mean colour is not climbed
    return scale / tf.reduce_max(scale)


def direction(gradient: tf.Tensor, moments: Moments) -> tuple[tf.Tensor, Moments]:
    """The pixel change of one Adam step up ``gradient`` (an ``(H, W, 3)`` pixel gradient) taken in
    the scaled spectrum of decorrelated colour, and the moments after it."""
    height, width = tf.shape(gradient)[0], tf.shape(gradient)[1]
    scale = tf.cast(spectrum_scale(height, width), tf.complex64)
    colour = tf.constant(COLOUR_SQRT)
    # The adjoint of (spectrum → pixels) carries the pixel gradient to the scaled spectrum.
    decorrelated = tf.transpose(tf.tensordot(gradient, colour, axes=1), [2, 0, 1])
    spectrum = tf.signal.rfft2d(decorrelated) * scale
    count = moments.count + 1.0
    mean = BETA_MEAN * moments.mean + (1.0 - BETA_MEAN) * spectrum
    power = BETA_POWER * moments.power + (1.0 - BETA_POWER) * tf.abs(spectrum) ** 2
    unbiased_mean = mean / tf.cast(1.0 - BETA_MEAN**count, tf.complex64)
    unbiased_power = power / (1.0 - BETA_POWER**count)
    step = unbiased_mean / tf.cast(tf.sqrt(unbiased_power) + _EPSILON, tf.complex64) * scale
    change = tf.signal.irfft2d(step, fft_length=tf.stack([height, width]))
    return tf.tensordot(tf.transpose(change, [1, 2, 0]), tf.transpose(colour), axes=1), Moments(
        mean, power, count
    )
