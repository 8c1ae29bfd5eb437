#!/usr/bin/env bash
# Download, here, the wheels that benchmarks/device.sh installs on the GPU machine, into wheels/.
#
#     bash benchmarks/wheels.sh
#
# Why: the GPU machine the `device` tool lends (an NVIDIA H200) has PyTorch, JAX, CUDA, numpy,
# OpenCV, Pillow, PyYAML, click, tqdm, h5py, rich and ml-dtypes, but neither TensorFlow nor the
# packages below, and it reaches no registry; the working tree travels to it (64 MiB in all), and
# wheels/ travels with it when the run names it in `carry`. These are what dreamzoom's dream
# (dreamzoom.models, .dream, .assemble, .config) imports that the machine lacks: Keras and the two of
# its own dependencies missing there (namex, optree); pydantic, pydantic-core, annotated-types and
# typing-inspection (and typing-extensions, which pydantic needs at 4.14.1 or later); and
# imageio-ffmpeg, which dreamzoom.ffmpeg imports. Its wheel carries an ffmpeg binary (68 MB for
# 0.8.1, over the limit by itself); dreaming a frame encodes no video, so it travels as the wheel
# its source builds, without the binary (17 kB; it would use an ffmpeg on PATH). librosa (songs
# only) and the referee's weights (render summaries only) are not needed to dream a frame. Each is
# pinned to the version installed here, where the tests pass; the machine's Python is 3.12.
set -euo pipefail
cd "$(dirname "$0")/.."

# wheels/ is the benchmark's luggage, not the project's: git must not see it.
exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
grep -qxF /wheels/ "$exclude" 2>/dev/null || echo /wheels/ >>"$exclude"

pinned() {  # NAME==VERSION as installed here, or NAME alone
    python3 - "$1" <<'EOF'
import importlib.metadata, sys
try:
    print(f"{sys.argv[1]}=={importlib.metadata.version(sys.argv[1])}")
except importlib.metadata.PackageNotFoundError:
    print(sys.argv[1])
EOF
}

packages=()
for name in keras namex optree pydantic pydantic-core annotated-types typing-inspection typing-extensions; do
    packages+=("$(pinned "$name")")
done

rm -rf wheels
mkdir wheels
platforms=()
for platform in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 \
    manylinux2010_x86_64 manylinux1_x86_64; do
    platforms+=(--platform "$platform")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    "${platforms[@]}" -d wheels "${packages[@]}"
python3 -m pip wheel -q --no-deps --no-binary imageio-ffmpeg -w wheels "$(pinned imageio-ffmpeg)"

ls -l wheels
python3 - <<'EOF'
import subprocess
from pathlib import Path

wheels = sum(path.stat().st_size for path in Path("wheels").glob("*.whl"))
listed = subprocess.run(
    ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], capture_output=True, check=True
).stdout.split(b"\0")
tree = sum(Path(name.decode()).stat().st_size for name in listed if name and Path(name.decode()).is_file())
print(f"wheels: {wheels / 2**20:.1f} MiB; with the working tree that travels: {(wheels + tree) / 2**20:.1f} MiB")
if wheels + tree > 64 * 2**20:
    raise SystemExit("over the 64 MiB a device run may carry")
EOF
