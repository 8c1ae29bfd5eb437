"""Compute precision: what ``auto`` picks on each kind of machine (asked of the pure decision, so no
such machine is needed), bfloat16 against float32 on every machine (native where the CPU has
bfloat16 instructions, emulated elsewhere: the same rounding either way), and the precision a video
records and a resume keeps."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dreamzoom import config, metrics, models, objectives, precision, provenance, renderer, source
from dreamzoom.backend import keras, ops
from dreamzoom.checkpoint import Checkpoint
from dreamzoom.dream import Dreamer, Params
from dreamzoom.errors import DreamzoomError

from .conftest import ROOT, dreamzoom_command, small_config, smooth_noise


def machine(cpu: tuple[str, str], *gpus: precision.Gpu) -> precision.Hardware:
    """The hardware of a CPU ``(name, flags)`` with ``gpus``."""
    return precision.Hardware(cpu[0], frozenset(cpu[1].split()), gpus)


def cpuinfo(name: str, flags: str) -> str:
    """``/proc/cpuinfo`` text of a two-processor machine."""
    processor = "processor\t: {}\nvendor_id\t: GenuineIntel\nmodel name\t: {}\nflags\t\t: {}\n"
    return "\n".join(processor.format(index, name, flags) for index in range(2))


# Real CPUs' names and (the relevant part of) their flags.
AVX2_ONLY = ("AMD EPYC 7B13 64-Core Processor", "sse4_2 avx f16c fma avx2 bmi2 vaes")  # Zen 3
AVX512_NO_BF16 = ("Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", "avx2 fma avx512f avx512dq avx512bw avx512vl")
AVX512_BF16 = ("AMD EPYC 9654 96-Core Processor", "avx2 avx512f avx512_vnni avx512_bf16")  # Zen 4
AMX = ("Intel(R) Xeon(R) Platinum 8480+", "avx2 avx512f avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8")


@pytest.mark.parametrize(
    ("cpu", "expected"),
    [(AVX2_ONLY, "float32"), (AVX512_NO_BF16, "float32"), (AVX512_BF16, "bfloat16"), (AMX, "bfloat16")],
    ids=["avx2-only", "avx512f-without-bf16", "avx512-bf16", "amx"],
)
def test_auto_on_each_kind_of_cpu(cpu, expected):
    name, flags = precision.parse_cpuinfo(cpuinfo(*cpu))
    assert precision.Hardware(name, flags) == machine(cpu)
    assert precision.resolve_precision("auto", machine(cpu)) == expected


def test_auto_without_cpuinfo_is_float32():
    name, flags = precision.parse_cpuinfo("")
    assert name and flags == frozenset()
    assert precision.choose_precision(precision.Hardware(name, flags)) == "float32"
    assert precision.choose_precision(precision.Hardware()) == "float32"


@pytest.mark.parametrize("cpu", [AVX2_ONLY, AMX], ids=["avx2-host", "amx-host"])
@pytest.mark.parametrize(
    ("gpu", "capability", "expected"),
    [
        ("NVIDIA GeForce GTX 1080", (6, 1), "float32"),  # Pascal: no tensor cores
        ("Tesla V100-SXM2-16GB", (7, 0), "float32"),  # float16 only: its gradients underflow
        ("Tesla T4", (7, 5), "float32"),
        ("NVIDIA A100-SXM4-40GB", (8, 0), "bfloat16"),
        ("NVIDIA GeForce RTX 3090", (8, 6), "bfloat16"),
        ("NVIDIA L4", (8, 9), "bfloat16"),
        ("NVIDIA H100 80GB HBM3", (9, 0), "bfloat16"),
        ("a GPU that reports no compute capability", (0, 0), "float32"),
    ],
)
def test_auto_on_each_kind_of_gpu_whatever_the_cpu(cpu, gpu, capability, expected):
    hardware = machine(cpu, precision.Gpu(gpu, capability))
    assert precision.choose_precision(hardware) == expected
    assert hardware.device == gpu, "models run on the GPU"


def test_explicit_precisions_are_kept_on_any_machine():
    for hardware in (
        precision.Hardware(),
        machine(AMX),
        machine(AVX2_ONLY, precision.Gpu("Tesla T4", (7, 5))),
    ):
        assert precision.resolve_precision("float32", hardware) == "float32"
        assert precision.resolve_precision("bfloat16", hardware) == "bfloat16"


def test_this_machine_is_read_once_from_cpuinfo_and_the_backend():
    hardware = precision.detect_hardware()
    assert precision.detect_hardware() is hardware
    path = Path("/proc/cpuinfo")
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    assert (hardware.cpu, hardware.cpu_flags) == precision.parse_cpuinfo(text)
    assert len(hardware.gpus) == len(gpus_the_backend_lists())


def gpus_the_backend_lists() -> list[object]:
    """The GPUs the Keras backend in use lists, asked in its own words."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return [device for device in jax.devices() if device.platform == "gpu"]
    if backend == "torch":
        import torch

        return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


def test_a_gpu_capability_the_backend_cannot_read_is_none():
    assert precision._capability("9.0") == (9, 0) and precision._capability("12.1") == (12, 1)
    assert precision._capability("gfx90a") == (0, 0) and precision._capability("") == (0, 0)


def test_provenance_records_the_precision_the_device_and_the_flags_that_chose_it():
    stored = provenance.record({"seed": 1, "model": {"precision": "bfloat16"}}, "bfloat16", machine(AMX))
    assert stored["runtime"] == {
        "precision": "bfloat16",
        "backend": "tensorflow",  # the Keras backend that ran it (the suite runs TensorFlow)
        "device": AMX[0],
        "cpu": AMX[0],
        "cpu_flags": ["amx_bf16", "amx_tile", "avx2", "avx512_bf16", "avx512f"],
    }
    runtime = provenance.runtime("bfloat16", machine(AVX2_ONLY, precision.Gpu("NVIDIA L4", (8, 9))))
    assert json.loads(json.dumps(runtime)) == {
        "precision": "bfloat16",
        "backend": "tensorflow",
        "device": "NVIDIA L4",
        "cpu": AVX2_ONLY[0],
        "cpu_flags": ["avx2"],
        "compute_capability": "8.9",
    }


# bfloat16 against float32, measured on this project's AVX2 CPU (TensorFlow 2.21 emulates bfloat16
# there with the same numerics as native AVX-512 BF16 / AMX: bfloat16 inputs and outputs of each
# layer, float32 accumulation), 128×128, the sample photo and smooth noise; in brackets, the worst
# of the inputs tried beside the tests (the cat photo; uniform noise at 96 and 128 px). InceptionV3
# as it dreams: its normalisations folded into the convolutions, weights held in bfloat16.
#
#                                 InceptionV3 (mixed3, mixed5)    SqueezeNet (fire5, fire9, logits)
# features, max |Δ| / max |f32|   0.0085–0.0201 (0.0244)          0.0101–0.0225 (0.0195)
# features, mean |Δ| / mean |f32| 0.0099–0.0181 (0.0133)          0.0077–0.0235 (0.0194)
# one dream step, cosine of the   0.9654 photo, 0.9612 noise      0.9440 photo, 0.9183 noise
#   change it makes               (mixed3 + 1.5 mixed5)           (class "banana")
# one dream step, SSIM of results 0.9983, 0.9976                  0.9974, 0.9947
#
# Each tolerance allows about 2.5× the worst error measured on the inputs tested (for cosine and
# SSIM, 2.5× their distance from 1): room for native kernels' other summation order, none for a
# broken bfloat16 path. (Folding put InceptionV3's worst feature error up from 0.0161 to 0.0244, the
# normalisations now rounded into bfloat16 weights; its tolerance was kept.) For scale: the bundled
# InceptionV3 in float32, its weights stored in 8 bits, is within 0.00001 of its source network's
# output (test_models.py), over 1000× closer than bfloat16.
@dataclass(frozen=True)
class Tolerance:
    features: float  # largest allowed max |Δ| / max |f32| and mean |Δ| / mean |f32| of a layer
    step_cosine: float  # smallest allowed cosine between the changes one dream step makes
    step_ssim: float  # smallest allowed SSIM between the frames one dream step makes


TOLERANCES = {
    "inception_v3": Tolerance(features=0.04, step_cosine=0.91, step_ssim=0.995),
    "squeezenet": Tolerance(features=0.06, step_cosine=0.80, step_ssim=0.987),
}
LAYERS = {"inception_v3": ("mixed3", "mixed5"), "squeezenet": ("fire5_concat", "fire9_concat", "avgpool10")}
OBJECTIVES = {
    "inception_v3": objectives.layer("mixed3") + 1.5 * objectives.layer("mixed5"),
    "squeezenet": objectives.class_score("avgpool10", 954, "banana"),
}


@pytest.fixture(scope="module")
def frames(photo) -> dict[str, np.ndarray]:
    """The frames bfloat16 is checked on: the sample photo and smooth noise, 128×128."""
    return {"photo": photo, "noise": smooth_noise()}


def both(pinned, name: str) -> tuple[models.DreamModel, models.DreamModel]:
    """The network ``name`` in float32 and in bfloat16."""
    return pinned(name, "float32"), pinned(name, "bfloat16")


def activations(model: models.DreamModel, frame: np.ndarray, layers: tuple[str, ...]) -> list[np.ndarray]:
    images = models.preprocess(ops.convert_to_tensor(frame[None]), model.preprocess_mode)
    outputs = model.extractor(layers)(images, training=False)
    return [ops.convert_to_numpy(ops.cast(output, "float32")) for output in outputs]


@pytest.mark.parametrize("name", ["inception_v3", "squeezenet"])
def test_a_pinned_precision_is_what_the_layers_compute_in(pinned, name):
    """The network a user inspects keeps float32 weights; the one that dreams computes, and holds
    its weights, in the pinned precision (test_folding.py)."""
    full, half = both(pinned, name)
    assert (full.precision, half.precision) == ("float32", "bfloat16") and full is not half
    for model, policy, dreaming in ((full, "float32", "float32"), (half, "mixed_bfloat16", "bfloat16")):
        assert model.network.get_layer(LAYERS[name][0]).dtype_policy.name == policy
        assert model.extractor(LAYERS[name][:1]).layers[-1].dtype_policy.name == dreaming
    conv = next(layer for layer in half.network.layers if layer.weights)
    assert conv.weights[0].dtype == "float32", "the inspected network's weights stay float32"


@pytest.mark.parametrize("frame", ["photo", "noise"])
@pytest.mark.parametrize("name", ["inception_v3", "squeezenet"])
def test_bfloat16_features_match_float32(pinned, frames, name, frame):
    full, half = both(pinned, name)
    limit = TOLERANCES[name].features
    expected = activations(full, frames[frame], LAYERS[name])
    got = activations(half, frames[frame], LAYERS[name])
    for layer, want, have in zip(LAYERS[name], expected, got, strict=True):
        error = np.abs(have - want)
        assert error.max() < limit * np.abs(want).max(), f"{layer}: max error"
        assert error.mean() < limit * np.abs(want).mean(), f"{layer}: mean error"


@pytest.fixture(scope="module")
def dreamers(pinned) -> Callable[[str], list[Dreamer]]:
    """``dreamers(name)``: float32 and bfloat16 dreamers of the network's objective, each traced once."""
    return functools.cache(lambda name: [Dreamer(model, OBJECTIVES[name]) for model in both(pinned, name)])


@pytest.mark.parametrize("frame", ["photo", "noise"])
@pytest.mark.parametrize("name", ["inception_v3", "squeezenet"])
def test_a_bfloat16_dream_step_matches_float32(dreamers, frames, name, frame):
    start, one_step = frames[frame], Params(steps=1, step_size=0.005, octaves=1, octave_scale=1.5, jitter=8)
    stepped = [dreamer.dream(start, one_step, np.random.default_rng(0))[0] for dreamer in dreamers(name)]
    full, half = (result - start for result in stepped)
    cosine = float(np.sum(full * half) / (np.linalg.norm(full) * np.linalg.norm(half)))
    assert cosine > TOLERANCES[name].step_cosine
    assert metrics.ssim(*stepped) > TOLERANCES[name].step_ssim


CATS = {281, 282, 285}  # tabby, tiger cat, Egyptian cat


@pytest.mark.parametrize(("photo_name", "expected"), [("chelsea.png", CATS), ("astronaut.png", None)])
def test_bfloat16_squeezenet_sees_the_same_class(pinned, photo_name, expected):
    """Measured here: the cat is 285 (Egyptian cat) in both, 1.09 ahead of the next logit in float32;
    the astronaut 450 in both, 0.67 ahead; bfloat16 moved no logit by more than 0.39 (of up to 43)."""
    frame = source.fit(source.read_image(ROOT / "samples" / photo_name), (128, 128), "cover")
    full, half = (activations(model, frame, ("avgpool10",))[0] for model in both(pinned, "squeezenet"))
    assert np.argmax(half) == np.argmax(full)
    assert expected is None or np.argmax(full) in expected


def _resolved_in(raw: dict, precision: str) -> dict:
    return config.resolved(config.load({**raw, "model": {"precision": precision}}))


def test_a_resume_computes_in_its_checkpoints_precision_and_the_video_records_it(tmp_path):
    """A render interrupted where auto picked the other precision goes on in that one here, and
    its video names it, so --from-video renders in it too."""
    other = "bfloat16" if precision.resolve_precision("auto") == "float32" else "float32"
    raw = {**small_config(tmp_path), "frames": 2}
    settings = config.load(raw)
    assert settings.model.precision == "auto"
    Checkpoint(settings.output.path).start(_resolved_in(raw, other))  # stopped before its first frame
    report = renderer.run(settings, progress=False, resume=True)
    stored = provenance.read(report.path)
    assert stored["runtime"]["precision"] == other
    assert stored["config"]["model"]["precision"] == other
    assert config.load(stored["config"]).model.precision == other, "what --from-video renders with"


def test_a_resume_with_another_explicit_precision_is_one_line(tmp_path):
    raw = small_config(tmp_path)
    settings = config.load({**raw, "model": {"precision": "float32"}})
    Checkpoint(settings.output.path).start(_resolved_in(raw, "bfloat16"))
    changed = r"config changed since the checkpoint \(model.precision: bfloat16 → float32\)"
    with pytest.raises(DreamzoomError, match=changed):
        renderer.run(settings, progress=False, resume=True)


def test_a_quiet_bfloat16_render_prints_nothing_on_any_cpu(tmp_path):
    """Where bfloat16 is emulated (a --from-video or --resume of a video made on a BF16 machine),
    TensorFlow's native complaint about it must not reach the user: errors stay one line."""
    settings = tmp_path / "bf16.yaml"
    raw = small_config(tmp_path, size=[64, 64], frames=1, model={"precision": "bfloat16"})
    settings.write_text(json.dumps(raw))
    done = dreamzoom_command("render", str(settings), "-q")
    assert (done.returncode, done.stderr) == (0, "")
