"""The seam with the backend: gradients equal the analytic ones (also compiled, also two-stage and
custom), a compiled function reads and writes its state variables live (JAX would freeze them),
traces as its backend promises, seeded noise repeats for a seed and only for it, and deterministic
operations stay on. Written in ``keras.ops``, so that the same tests run on every installed backend
(:func:`test_the_seam_holds_on_every_installed_backend` runs this file again under JAX and PyTorch)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from dreamzoom import autodiff
from dreamzoom.backend import NAME, keras, ops

from .conftest import ROOT

X = np.array([-1.5, -0.25, 0.0, 0.5, 2.0], np.float32)


def numpy(tensor) -> np.ndarray:
    return ops.convert_to_numpy(tensor)


def cubes(x):
    """∑x³, whose gradient is 3x², with the mean carried along undifferentiated."""
    return ops.sum(x**3), ops.mean(x)


def test_value_and_grad_gives_the_value_the_analytic_gradient_and_the_aux():
    (value, mean), gradient = autodiff.value_and_grad(cubes)(ops.convert_to_tensor(X))
    assert float(numpy(value)) == pytest.approx(float(np.sum(X**3)))
    assert float(numpy(mean)) == pytest.approx(float(np.mean(X)))
    np.testing.assert_allclose(numpy(gradient), 3 * X**2, rtol=1e-6)


def test_value_and_grad_inside_a_compiled_function_is_the_eager_one():
    compiled = autodiff.compile(autodiff.value_and_grad(cubes), [autodiff.spec([None], "float32")])
    (value, mean), gradient = compiled(X)
    assert float(numpy(value)) == pytest.approx(float(np.sum(X**3)))
    assert float(numpy(mean)) == pytest.approx(float(np.mean(X)))
    np.testing.assert_allclose(numpy(gradient), 3 * X**2, rtol=1e-6)


def test_grad_of_a_scalar_function():
    gradient = autodiff.grad(lambda x: ops.sum(ops.sin(x)))(ops.convert_to_tensor(X))
    np.testing.assert_allclose(numpy(gradient), np.cos(X), rtol=1e-6)


def test_vjp_gives_the_value_and_carries_a_cotangent_back():
    """For y = x²: the pullback of a cotangent c is 2·x·c, known only after y is."""
    y, pullback = autodiff.vjp(lambda x: x * x, ops.convert_to_tensor(X))
    np.testing.assert_allclose(numpy(y), X**2)
    cotangent = np.arange(1, 6, dtype=np.float32)
    np.testing.assert_allclose(
        numpy(pullback(ops.convert_to_tensor(cotangent))), 2 * X * cotangent, rtol=1e-6
    )


def test_a_custom_gradient_replaces_the_derived_one():
    """The identity, whose own gradient would be 1, made to send back 5× its upstream."""

    @autodiff.custom_gradient
    def amplified(x):
        return x * 1.0, lambda upstream: 5.0 * upstream

    compiled = autodiff.compile(
        autodiff.grad(lambda x: ops.sum(ops.multiply(amplified(x), X))), [autodiff.spec([None], "float32")]
    )
    np.testing.assert_allclose(numpy(compiled(X)), 5 * X, rtol=1e-6)


def test_a_compiled_function_reads_and_writes_its_state_as_it_is_now():
    """A weight assigned between calls is read by the next call, and what a call assigns persists:
    under ``jax.jit`` a variable not named as state would stay at its value when traced."""
    weight = keras.Variable(1.0, trainable=False)

    def doubled_weight(x):
        weight.assign(weight.value * 2.0)
        return x * weight.value

    compiled = autodiff.compile(doubled_weight, [autodiff.spec([None], "float32")], state=[weight])
    assert numpy(compiled(X))[-1] == 4.0 and numpy(compiled(X))[-1] == 8.0
    weight.assign(10.0)
    assert numpy(compiled(X))[-1] == 40.0 and float(numpy(weight)) == 20.0
    assert autodiff.traces(compiled) == 1, "assigning a variable never retraces"


def test_a_compiled_function_traces_as_its_backend_promises():
    """TensorFlow traces once for every shape its signature admits; JAX once per shape (a frame
    size is compiled once and reused); PyTorch runs eagerly."""
    frame = autodiff.spec([None, None, 3], "float32")
    pair = (autodiff.spec([], "float32"), autodiff.spec([2], "int32"))  # a nest of tensors, as Moments are
    compiled = autodiff.compile(
        lambda image, nest: image * nest[0] + ops.cast(nest[1][0], "float32"), [frame, pair]
    )
    sizes = ((4, 6), (9, 2), (4, 6), (31, 17))
    for height, width in sizes:
        image = np.ones((height, width, 3), np.float32)
        result = compiled(image, (np.float32(2.0), np.array([3, 0], np.int32)))
        np.testing.assert_array_equal(numpy(result), np.full((height, width, 3), 5.0, np.float32))
    assert autodiff.traces(compiled) == {"tensorflow": 1, "jax": len(set(sizes)), "torch": 1}[NAME]


def test_stateless_noise_repeats_for_a_seed_and_differs_for_another():
    def noise(seed: list[int]) -> np.ndarray:
        return numpy(autodiff.stateless_normal((100, 100), np.array(seed, np.int32)))

    first, again, other = noise([3, 5]), noise([3, 5]), noise([3, 6])
    assert first.dtype == np.float32 and first.shape == (100, 100)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert abs(first.mean()) < 0.05 and first.std() == pytest.approx(1.0, abs=0.05)  # standard normal
    compiled = autodiff.compile(
        lambda seed: autodiff.stateless_normal((100, 100), seed), [autodiff.spec([2], "int32")]
    )
    np.testing.assert_array_equal(numpy(compiled(np.array([3, 5], np.int32))), first)
    uniform = numpy(autodiff.stateless_uniform((10_000,), np.array([3, 5], np.int32), 0.6, 1.0))
    assert uniform.min() >= 0.6 and uniform.max() < 1.0 and uniform.mean() == pytest.approx(0.8, abs=0.01)


def test_deterministic_turns_deterministic_operations_on():
    autodiff.deterministic()  # as every render does, so the other tests in this session run under it too
    if NAME == "tensorflow":
        from tensorflow.python.framework import config  # TF's own check; it has no public one

        assert config.is_op_determinism_enabled()
    elif NAME == "torch":
        import torch

        assert torch.are_deterministic_algorithms_enabled()
    else:
        assert "--xla_gpu_deterministic_ops=true" in os.environ["XLA_FLAGS"]


def test_jit_compiles_to_the_same_result():
    """XLA on TensorFlow (JAX always compiles); PyTorch's ``torch.compile`` is left to the benchmark:
    its first compile takes minutes on a small CPU."""
    jit = NAME != "torch"
    compiled = autodiff.compile(
        autodiff.grad(lambda x: ops.sum(x**3)), [autodiff.spec([None], "float32")], jit=jit
    )
    np.testing.assert_allclose(numpy(compiled(X)), 3 * X**2, rtol=1e-6)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_seam_holds_on_every_installed_backend(backend):
    """This file's tests, again, in a process whose Keras runs on ``backend``."""
    if NAME != "tensorflow":
        pytest.skip("run from the TensorFlow session only")
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (pip install 'dreamzoom[{backend}]')")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        __file__,
        "-k",
        "not every_installed",
    ]
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout
