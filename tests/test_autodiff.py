"""The seam with the backend: gradients equal the analytic ones (also compiled, also two-stage and
custom), a compiled function traces once for every shape its signature admits, seeded noise repeats
for a seed and only for it, and deterministic operations stay on."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import autodiff
from dreamzoom.backend import tf

X = np.array([-1.5, -0.25, 0.0, 0.5, 2.0], np.float32)


def cubes(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """∑x³, whose gradient is 3x², with the mean carried along undifferentiated."""
    return tf.reduce_sum(x**3), tf.reduce_mean(x)


def test_value_and_grad_gives_the_value_the_analytic_gradient_and_the_aux():
    (value, mean), gradient = autodiff.value_and_grad(cubes)(tf.constant(X))
    assert float(value) == pytest.approx(float(np.sum(X**3)))
    assert float(mean) == pytest.approx(float(np.mean(X)))
    np.testing.assert_allclose(gradient.numpy(), 3 * X**2, rtol=1e-6)


def test_value_and_grad_inside_a_compiled_function_is_the_eager_one():
    compiled = autodiff.compile(autodiff.value_and_grad(cubes), [autodiff.spec([None], "float32")])
    (value, mean), gradient = compiled(tf.constant(X))
    assert float(value) == pytest.approx(float(np.sum(X**3)))
    assert float(mean) == pytest.approx(float(np.mean(X)))
    np.testing.assert_allclose(gradient.numpy(), 3 * X**2, rtol=1e-6)


def test_grad_of_a_scalar_function():
    gradient = autodiff.grad(lambda x: tf.reduce_sum(tf.sin(x)))(tf.constant(X))
    np.testing.assert_allclose(gradient.numpy(), np.cos(X), rtol=1e-6)


def test_vjp_gives_the_value_and_carries_a_cotangent_back():
    """For y = x²: the pullback of a cotangent c is 2·x·c, known only after y is."""
    y, pullback = autodiff.vjp(lambda x: x * x, tf.constant(X))
    np.testing.assert_allclose(y.numpy(), X**2)
    cotangent = np.arange(1, 6, dtype=np.float32)
    np.testing.assert_allclose(pullback(tf.constant(cotangent)).numpy(), 2 * X * cotangent, rtol=1e-6)


def test_a_custom_gradient_replaces_the_derived_one():
    """The identity, whose own gradient would be 1, made to send back 5× its upstream."""

    @autodiff.custom_gradient
    def amplified(x: tf.Tensor) -> tuple[tf.Tensor, object]:
        return tf.identity(x), lambda upstream: 5.0 * upstream

    gradient = autodiff.grad(lambda x: tf.reduce_sum(amplified(x) * tf.constant(X)))(tf.constant(X))
    np.testing.assert_allclose(gradient.numpy(), 5 * X, rtol=1e-6)


def test_a_compiled_function_traces_once_for_every_shape_its_signature_admits():
    frame = autodiff.spec([None, None, 3], "float32")
    pair = (autodiff.spec([], "float32"), autodiff.spec([2], "int32"))  # a nest of tensors, as Moments are
    compiled = autodiff.compile(
        lambda image, nest: image * nest[0] + tf.cast(nest[1][0], tf.float32), [frame, pair]
    )
    for height, width in ((4, 6), (9, 2), (4, 6), (31, 17)):
        image = np.ones((height, width, 3), np.float32)
        result = compiled(tf.constant(image), (tf.constant(2.0), tf.constant([3, 0], np.int32)))
        np.testing.assert_array_equal(result.numpy(), np.full((height, width, 3), 5.0, np.float32))
    assert autodiff.traces(compiled) == 1
    with pytest.raises((TypeError, ValueError)):  # not what the signature admits: refused, not retraced
        compiled(tf.ones((4, 4)), (tf.constant(2.0), tf.constant([3, 0], np.int32)))
    assert autodiff.traces(compiled) == 1


def test_stateless_noise_repeats_for_a_seed_and_differs_for_another():
    def noise(seed: list[int]) -> np.ndarray:
        return autodiff.stateless_normal(tf.constant([100, 100]), tf.constant(seed, tf.int32)).numpy()

    first, again, other = noise([3, 5]), noise([3, 5]), noise([3, 6])
    assert first.dtype == np.float32 and first.shape == (100, 100)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert abs(first.mean()) < 0.05 and first.std() == pytest.approx(1.0, abs=0.05)  # standard normal
    compiled = autodiff.compile(
        lambda seed: autodiff.stateless_normal(tf.constant([100, 100]), seed), [autodiff.spec([2], "int32")]
    )
    np.testing.assert_array_equal(compiled(tf.constant([3, 5], tf.int32)).numpy(), first)


def test_deterministic_turns_deterministic_operations_on():
    from tensorflow.python.framework import config  # TF's own check; it has no public one

    autodiff.deterministic()  # as every render does, so the other tests in this session run under it too
    assert config.is_op_determinism_enabled()


def test_jit_compiles_with_xla_to_the_same_result():
    compiled = autodiff.compile(
        autodiff.grad(lambda x: tf.reduce_sum(x**3)), [autodiff.spec([None], "float32")], jit=True
    )
    np.testing.assert_allclose(compiled(tf.constant(X)).numpy(), 3 * X**2, rtol=1e-6)
