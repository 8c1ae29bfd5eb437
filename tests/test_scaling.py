"""Loss scaling: float16's tiny gradients survive scaled, an overflowed step is undone and the
scale halved, the scale doubles after a run of finite steps, and other precisions are left alone."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import autodiff, scaling
from dreamzoom.backend import ops


def faint_gradient(loss: scaling.LossScaling) -> np.ndarray:
    """The gradient of a faint mean over 10⁴ values computed in float16, as a network's objective
    is, taken through ``loss``'s scaling and unscaled again: 1e-8 for each value."""
    pixels = ops.convert_to_tensor(np.full(10_000, 0.5, np.float32))

    def scaled(pixels):
        return loss.scaled(ops.cast(1e-4 * ops.mean(ops.cast(pixels, "float16")), "float32"))

    scale = scale_of(loss) if isinstance(loss, scaling.DynamicLossScale) else 1.0
    return ops.convert_to_numpy(autodiff.grad(scaled)(pixels)) / scale


def scale_of(loss: scaling.DynamicLossScale) -> float:
    return float(ops.convert_to_numpy(loss.scale))


def numpy(tensor) -> np.ndarray:
    return ops.convert_to_numpy(tensor)


def test_float16_gradients_that_underflow_survive_the_loss_scale():
    assert not faint_gradient(scaling.Unscaled()).any(), "1e-8 is below float16's smallest number"
    np.testing.assert_allclose(faint_gradient(scaling.DynamicLossScale()), 1e-8, rtol=1e-2)


def test_an_overflowed_step_is_undone_and_the_scale_halved():
    loss = scaling.DynamicLossScale()
    before, after = (ops.zeros(3), ops.zeros(2)), (ops.ones(3), ops.ones(2))
    kept = loss.kept(ops.convert_to_tensor([1.0, np.inf]), after, before)
    assert all(not numpy(part).any() for part in kept) and scale_of(loss) == 2.0**14
    kept = loss.kept(ops.convert_to_tensor([1.0, np.nan]), after, before)
    assert not numpy(kept[0]).any() and scale_of(loss) == 2.0**13
    kept = loss.kept(ops.convert_to_tensor([1.0, 2.0]), after, before)
    assert all(numpy(part).all() for part in kept) and scale_of(loss) == 2.0**13


def test_the_scale_doubles_after_a_run_of_finite_steps():
    loss, finite = scaling.DynamicLossScale(), ops.convert_to_tensor([1.0])
    for _ in range(loss.GROWTH - 1):
        loss.kept(finite, ops.ones(1), ops.zeros(1))
    assert scale_of(loss) == loss.START
    loss.kept(finite, ops.ones(1), ops.zeros(1))
    assert scale_of(loss) == 2 * loss.START
    loss.kept(
        ops.convert_to_tensor([np.inf]), ops.ones(1), ops.zeros(1)
    )  # an overflow starts the count again
    for _ in range(loss.GROWTH - 1):
        loss.kept(finite, ops.ones(1), ops.zeros(1))
    assert scale_of(loss) == loss.START


@pytest.mark.parametrize("precision", ["float32", "bfloat16", "float16"])
def test_only_float16_scales_its_loss(precision):
    loss = scaling.for_precision(precision)
    scaled = float(loss.scaled(ops.convert_to_tensor(0.25)))
    kept = numpy(loss.kept(ops.convert_to_tensor([np.inf]), ops.ones(2), ops.zeros(2)))
    if precision == "float16":
        assert scaled == 0.25 * 2.0**15 and not kept.any()
    else:
        assert scaled == 0.25 and kept.all(), "every step kept, the objective as it is"
