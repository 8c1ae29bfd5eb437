"""Keras and its backend (TensorFlow, JAX or PyTorch: ``engine`` chooses), imported once and quietly.

TensorFlow's native code prints CUDA probing messages straight to file descriptor 2 while it loads,
before any log level applies, which would bury the progress bar under lines about drivers a CPU
user does not have. Importing through this module sends those to /dev/null; Python errors raised
during the import still propagate normally.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from . import engine

# 3: not even TensorFlow's native ERROR lines, such as the one oneDNN prints on every bfloat16 model
# built on a CPU without AVX-512 (a render there in a video's recorded bfloat16 is still right).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# oneDNN's fused convolutions are not on by default on every CPU (AMD's, for one); they were about
# 10 % faster per dream step on the 2-core AMD EPYC this project is developed on (benchmarks/run.py).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


#: The Keras backend this process runs (``engine``: ``model.backend``, ``KERAS_BACKEND`` or the
#: first installed), fixed before Keras loads.
NAME = engine.use("auto")

with _native_stderr_silenced():
    import keras

    # TensorFlow itself, where it is the backend: only ``autodiff._tensorflow`` and the GPU query use it.
    tf: Any = None
    if NAME == "tensorflow":
        import tensorflow

        tf = tensorflow
        tf.config.list_physical_devices()  # device discovery prints its driver probes here, silenced

#: Keras' backend-neutral operations: the dream step's code is written in them, once.
ops = keras.ops

#: A tensor of the backend in use (TensorFlow's, JAX's or PyTorch's), as the step's code sees it.
Tensor = Any

__all__ = ["NAME", "Tensor", "keras", "ops", "tf"]
