"""Loss scaling: float16's tiny gradients survive scaled, an overflowed step is undone and the
scale halved, the scale doubles after a run of finite steps, and other precisions are left alone."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import scaling
from dreamzoom.backend import tf


def faint_gradient(loss: scaling.LossScaling) -> np.ndarray:
    """The gradient of a faint mean over 10⁴ values computed in float16, as a network's objective
    is, taken through ``loss``'s scaling and unscaled again: 1e-8 for each value."""
    pixels = tf.constant(np.full(10_000, 0.5, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(pixels)
        value = tf.cast(1e-4 * tf.reduce_mean(tf.cast(pixels, tf.float16)), tf.float32)
        scaled = loss.scaled(value)
    scale = float(loss.scale.numpy()) if isinstance(loss, scaling.DynamicLossScale) else 1.0
    return tape.gradient(scaled, pixels).numpy() / scale


def test_float16_gradients_that_underflow_survive_the_loss_scale():
    assert not faint_gradient(scaling.Unscaled()).any(), "1e-8 is below float16's smallest number"
    np.testing.assert_allclose(faint_gradient(scaling.DynamicLossScale()), 1e-8, rtol=1e-2)


def test_an_overflowed_step_is_undone_and_the_scale_halved():
    loss = scaling.DynamicLossScale()
    before, after = (tf.zeros(3), tf.zeros(2)), (tf.ones(3), tf.ones(2))
    kept = loss.kept(tf.constant([1.0, np.inf]), after, before)
    assert all(not part.numpy().any() for part in kept) and float(loss.scale.numpy()) == 2.0**14
    kept = loss.kept(tf.constant([1.0, np.nan]), after, before)
    assert not kept[0].numpy().any() and float(loss.scale.numpy()) == 2.0**13
    kept = loss.kept(tf.constant([1.0, 2.0]), after, before)
    assert all(part.numpy().all() for part in kept) and float(loss.scale.numpy()) == 2.0**13


def test_the_scale_doubles_after_a_run_of_finite_steps():
    loss, finite = scaling.DynamicLossScale(), tf.constant([1.0])
    for _ in range(loss.GROWTH - 1):
        loss.kept(finite, tf.ones(1), tf.zeros(1))
    assert float(loss.scale.numpy()) == loss.START
    loss.kept(finite, tf.ones(1), tf.zeros(1))
    assert float(loss.scale.numpy()) == 2 * loss.START
    loss.kept(tf.constant([np.inf]), tf.ones(1), tf.zeros(1))  # an overflow starts the count again
    for _ in range(loss.GROWTH - 1):
        loss.kept(finite, tf.ones(1), tf.zeros(1))
    assert float(loss.scale.numpy()) == loss.START


@pytest.mark.parametrize("precision", ["float32", "bfloat16", "float16"])
def test_only_float16_scales_its_loss(precision):
    loss = scaling.for_precision(precision)
    scaled = float(loss.scaled(tf.constant(0.25)))
    kept = loss.kept(tf.constant([np.inf]), tf.ones(2), tf.zeros(2)).numpy()
    if precision == "float16":
        assert scaled == 0.25 * 2.0**15 and not kept.any()
    else:
        assert scaled == 0.25 and kept.all(), "every step kept, the objective as it is"
