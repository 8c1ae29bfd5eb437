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
written in ``keras.ops`` alone, used inside the compiled dream step on any backend; complex numbers,
which not every backend's compiled step carries, are pairs of float32 tensors (real, imaginary).
"""

from __future__ import annotations

from typing import NamedTuple

from .backend import Tensor, ops
from .prior import COLOUR_SQRT

#: Adam's decay rates for the mean and the power of the gradient (Kingma and Ba's defaults).
BETA_MEAN, BETA_POWER = 0.9, 0.999
_EPSILON = 1e-8


class Moments(NamedTuple):
    """Adam's running mean and power of the scaled spectrum's gradient, per colour and frequency,
    and how many steps they have seen. Each octave of each frame starts afresh. The mean is complex,
    kept as its real and imaginary parts: every tensor here is float32 on every backend."""

    mean_real: Tensor  # float32, (3, height, width // 2 + 1)
    mean_imag: Tensor  # float32, same shape
    power: Tensor  # float32, same shape
    count: Tensor  # float32 scalar


def fresh(height: int, width: int) -> Moments:
    """Moments for an image of ``height × width`` that has taken no step yet."""
    shape = (3, height, width // 2 + 1)
    mean_real, mean_imag, power = (ops.zeros(shape, "float32") for _ in range(3))
    return Moments(mean_real, mean_imag, power, ops.zeros((), "float32"))


def _frequencies(length: Tensor) -> Tensor:
    """Cycles per pixel of each DFT bin of a signal of ``length`` (numpy's ``fftfreq``)."""
    k = ops.arange(length, dtype="int32")
    bins = ops.where(k < (length + 1) // 2, k, k - length)
    return ops.cast(bins, "float32") / ops.cast(length, "float32")


def spectrum_scale(height: Tensor, width: Tensor) -> Tensor:
    """1/f for each bin of a ``height × width`` real FFT, the lowest frequency clamped to
    one cycle per image, scaled to at most 1: the basis in which every frequency is equally cheap.

    The zero frequency, the frame's mean colour, gets 0: it is no part of an object, and climbing it
    (1/f's largest weight) washed class pictures out to white or blue within a hundred steps."""
    fy = _frequencies(height)[:, None]
    columns = ops.arange(width // 2 + 1, dtype="int32")
    fx = ops.cast(columns, "float32")[None, :] / ops.cast(width, "float32")
    floor = 1.0 / ops.cast(ops.maximum(height, width), "float32")
    scale = 1.0 / ops.maximum(ops.sqrt(fy**2 + fx**2), floor)
    mean_colour = ops.logical_and(ops.arange(height, dtype="int32")[:, None] == 0, columns[None, :] == 0)
    scale = ops.where(mean_colour, 0.0, scale)  # the mean colour is not climbed
    return scale / ops.max(scale)


def _fft_rows(real: Tensor, imag: Tensor, inverse: bool = False) -> tuple[Tensor, Tensor]:
    """The (inverse) DFT of a ``(3, H, W')`` complex tensor along its rows' axis ``H``: Keras' FFT
    runs along the last axis, and its inverse is the forward one of the conjugate, conjugated."""
    real, imag = ops.transpose(real, (0, 2, 1)), ops.transpose(imag, (0, 2, 1))
    real, imag = ops.fft((real, -imag if inverse else imag))
    if inverse:
        length = ops.cast(ops.shape(real)[-1], "float32")
        real, imag = real / length, -imag / length
    return ops.transpose(real, (0, 2, 1)), ops.transpose(imag, (0, 2, 1))


def direction(gradient: Tensor, moments: Moments) -> tuple[Tensor, Moments]:
    """The pixel change of one Adam step up ``gradient`` (an ``(H, W, 3)`` pixel gradient) taken in
    the scaled spectrum of decorrelated colour, and the moments after it."""
    height, width = ops.shape(gradient)[0], ops.shape(gradient)[1]
    scale = spectrum_scale(height, width)
    colour = ops.convert_to_tensor(COLOUR_SQRT)
    # The adjoint of (spectrum → pixels) carries the pixel gradient to the scaled spectrum.
    decorrelated = ops.transpose(ops.tensordot(gradient, colour, axes=1), (2, 0, 1))
    real, imag = _fft_rows(*ops.rfft(decorrelated))
    real, imag = real * scale, imag * scale
    count = moments.count + 1.0
    mean_real = BETA_MEAN * moments.mean_real + (1.0 - BETA_MEAN) * real
    mean_imag = BETA_MEAN * moments.mean_imag + (1.0 - BETA_MEAN) * imag
    power = BETA_POWER * moments.power + (1.0 - BETA_POWER) * (real**2 + imag**2)  # |spectrum|²
    unbiased_power = power / (1.0 - BETA_POWER**count)
    rms = ops.sqrt(unbiased_power) + _EPSILON
    # Adam's step, the real and the imaginary part alike: the unbiased mean over the RMS, rescaled.
    debias = 1.0 - BETA_MEAN**count
    unbiased_real, unbiased_imag = mean_real / debias, mean_imag / debias
    step_real, step_imag = _fft_rows(unbiased_real / rms * scale, unbiased_imag / rms * scale, inverse=True)
    change = ops.irfft((step_real, step_imag), fft_length=width)
    return ops.tensordot(ops.transpose(change, (1, 2, 0)), ops.transpose(colour), axes=1), Moments(
        mean_real, mean_imag, power, count
    )
