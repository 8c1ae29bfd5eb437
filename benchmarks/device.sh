#!/usr/bin/env bash
# Issue 27's GPU benchmark as one prepared run on the machine the `device` tool lends (an NVIDIA
# H200 with PyTorch, JAX, CUDA, numpy and OpenCV, but no TensorFlow and no network).
#
#     bash benchmarks/wheels.sh     # here, first: wheels/ (about 5 MiB, ignored by git)
#     # then through the device tool: run(command="bash benchmarks/device.sh", carry=["wheels"],
#     #                                   timeout_s=600)
#
# Why one script: the machine starts bare, each start costs minutes of a session's 15, and a
# command may run 10 minutes at most, so the install, the GPU's description and the whole benchmark
# go in one call. What comes back under $OUT: backends.json (rewritten after each subprocess, so a
# run cut short keeps what it measured), backends.log, nvidia-smi.txt and versions.txt.
#
# It measures dreamzoom on JAX and PyTorch (TensorFlow is not there, so neither is the keras.io
# recipe: the torch recipe is the peer) at 512x512 and 1920x1080, in float32 and bfloat16, on the
# fixed and the default configs. Nine subprocesses: JAX compiles each octave's size once, so a JAX
# job may take a minute or two, and the whole may not fit in one call: the parts left over by
# --budget are listed as "not run" in the JSON. Narrow a run with the variables below
# (e.g. BACKENDS=jax CONFIGS=default for the issue's goal: the default config at 1920x1080).
set -uo pipefail
cd "$(dirname "$0")/.."

out="${OUT:-/tmp/dreamzoom-device}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python="${PYTHON:-python3}"

if ! ls wheels/*.whl >/dev/null 2>&1; then
    echo "no wheels/: run 'bash benchmarks/wheels.sh' here first and name wheels in carry" >&2
    exit 2
fi
"$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir wheels/*.whl || exit 1
# dreamzoom itself, editable; where the machine's setuptools cannot build it, from the checkout.
if ! "$python" -m pip install -q --no-index --no-deps --no-build-isolation -e .; then
    echo "editable install failed: importing dreamzoom from the checkout instead" >&2
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi

nvidia-smi 2>&1 | tee "$out/nvidia-smi.txt"
"$python" - <<'EOF' 2>&1 | tee "$out/versions.txt"
import importlib.metadata as metadata
import platform

print("python", platform.python_version())
for name in ("torch", "jax", "jaxlib", "keras", "numpy", "pydantic", "opencv-python-headless", "dreamzoom"):
    try:
        print(name, metadata.version(name))
    except metadata.PackageNotFoundError:
        print(name, "not installed")
EOF

# The benchmark stops starting jobs when BUDGET_S is spent, each job cut at JOB_S; the whole is
# cut at the command's own limit, less a margin for the files to come back. EXTRA takes more flags
# (EXTRA=--quick SIZES=128x128 FRAMES=1: a smoke test of the machine in a minute or two).
sizes=()
for size in ${SIZES:-512x512 1920x1080}; do
    sizes+=(--size "$size")
done
# shellcheck disable=SC2086  # EXTRA is split into flags on purpose
timeout --signal=INT "$((${BUDGET_S:-540} + 30))" "$python" benchmarks/backends.py \
    --backends "${BACKENDS:-torch,jax}" \
    --configs "${CONFIGS:-default,fixed}" \
    --peers "${PEERS:-kerasio,torch}" \
    "${sizes[@]}" \
    --precision "${PRECISIONS:-float32,bfloat16}" \
    --frames "${FRAMES:-5}" \
    --budget "${BUDGET_S:-540}" --timeout "${JOB_S:-180}" \
    --json "$out/backends.json" ${EXTRA:-} 2>&1 | tee "$out/backends.log"
