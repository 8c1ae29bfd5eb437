"""What the tests share: one bundled model per session, small photos, the one small-config factory,
renders through the command line (started, killed at a checkpoint, resumed) and decoded videos."""

from __future__ import annotations

import copy
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: The photos the tests read (credits in ``samples/CREDITS.md``): inside the checkout, so that the
#: suite runs on a fresh clone. Nothing here may read the project's sibling folder of reference
#: material, which only developers have (``tests/test_standalone.py`` holds the suite to that).
SAMPLES = ROOT / "samples"
SAMPLE_PHOTO = SAMPLES / "astronaut.png"
#: The four sample photos: different pictures, for runs that keep changing.
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"]

# The suite checks the configs it writes: a developer's DREAMZOOM_SET (draft overrides) must not leak in.
os.environ.pop("DREAMZOOM_SET", None)


@pytest.fixture(scope="session")
def bundled():
    """The bundled InceptionV3 (ImageNet weights up to mixed5), built once for the whole run."""
    from dreamzoom import config, models

    return models.load(config.Model())


@pytest.fixture(scope="session")
def pinned() -> Callable[[str, str], Any]:
    """``pinned(name, precision)``: a bundled network (``inception_v3``, ``squeezenet``) computing in
    that precision whatever ``auto`` picks on this machine, built once for the whole run. Tests that
    check numbers hold them in a known precision."""
    from dreamzoom import config, models

    return functools.cache(lambda name, precision: models.load(config.Model(name=name, precision=precision)))


@pytest.fixture(scope="session")
def bundled_float32(pinned):
    """The bundled InceptionV3 computing in float32 (the default model itself where auto is float32)."""
    return pinned("inception_v3", "float32")


@pytest.fixture(scope="session")
def squeezenet_float32(pinned):
    """The bundled SqueezeNet computing in float32."""
    return pinned("squeezenet", "float32")


@pytest.fixture(scope="session")
def squeezenet(pinned):
    """The bundled SqueezeNet classifier in the precision ``auto`` picks here."""
    return pinned("squeezenet", "auto")


def top_class(model, frame: np.ndarray) -> int:
    """The ImageNet class a classifier ranks first for a frame."""
    from dreamzoom import models
    from dreamzoom.backend import ops

    scores = model.network(models.preprocess(ops.convert_to_tensor(frame[None]), model.preprocess_mode))
    return int(np.argmax(ops.convert_to_numpy(scores)[0]))


def smooth_noise(size: int = 128, seed: int = 0) -> np.ndarray:
    """Faint smooth noise, ``size`` × ``size``: a start that holds no picture of its own."""
    from dreamzoom import config, source

    return source.noise(
        config.Noise(kind="smooth", std=0.1, scale=24), (size, size), np.random.default_rng(seed)
    )


def visualise(model, index: int, prior: str | dict[str, Any], seed: int = 0, steps: int = 40) -> np.ndarray:
    """Class ``index`` dreamed from :func:`smooth_noise` with ``prior`` (a preset, or a prior section)."""
    from dreamzoom import classes, config, objectives
    from dreamzoom.dream import Dreamer, Params

    dreamer = Dreamer(
        model,
        objectives.class_score(model.class_layer, index, classes.name(index)),
        config.Prior.model_validate(prior).settings(has_class=True),
    )
    frame, _ = dreamer.dream(
        smooth_noise(seed=seed), Params(steps, 0.008, 3, 1.4, 8), np.random.default_rng(seed)
    )
    return frame


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """The sample photo as a float RGB frame, 128×128."""
    from dreamzoom import source

    return source.fit(source.read_image(SAMPLE_PHOTO), (128, 128), "cover")


def sample(name: str, side: int = 128) -> np.ndarray:
    """The photo ``samples/NAME`` as a float RGB frame, ``side`` × ``side`` (cropped to fill)."""
    from dreamzoom import source

    return source.fit(source.read_image(SAMPLES / name), (side, side), "cover")


def zooming(frame: np.ndarray, count: int, rate: float = 1.01) -> list[np.ndarray]:
    """``frame`` zoomed a little more each frame: one picture throughout (a collapsed run)."""
    from dreamzoom.motion import resize

    side = frame.shape[0]
    result = []
    for index in range(count):
        crop = round(side / rate**index / 2) * 2
        edge = (side - crop) // 2
        result.append(resize(frame[edge : edge + crop, edge : edge + crop], side, side))
    return result


#: The frame rate of :func:`touring`'s runs, at which the novelty judge looks 4 times a second
#: (every other frame).
TOUR_FPS = 8


def touring(names: list[str], seconds_each: float, fps: int = TOUR_FPS) -> list[np.ndarray]:
    """Sample photos in turn, each zooming for ``seconds_each``: a run that keeps changing."""
    return [frame for name in names for frame in zooming(sample(name), round(seconds_each * fps))]


def small_config(folder: Path = Path(), **changes: Any) -> dict[str, Any]:
    """A config dict for a quick render: 96×96, 3 frames, light dreaming of two layers, every frame
    dreamed (cadence 1), the video at ``folder/out.mp4``.

    The suite's one config factory, so that a test says only how its render differs. ``changes``
    apply in order, spelt as :func:`dreamzoom.load_config` spells overrides: ``frames=12`` replaces a
    key (``None`` removes it, leaving the schema's default) and ``output__crf=12`` one key of a section.
    """
    raw: dict[str, Any] = {
        "size": [96, 96],
        "frames": 3,
        "seed": 3,
        "source": {"image": str(SAMPLE_PHOTO)},
        "dream": {
            "layers": {"mixed3": 1.0, "mixed5": 1.5},
            "steps": 2,
            "first_frame_steps": 3,
            "step_size": 0.005,
            "octaves": 1,
        },
        "motion": {"zoom": 1.05},
        "cadence": 1,
        "colour": {"strength": 0.5},
        "output": {"path": str(folder / "out.mp4"), "fps": 12, "crf": 10, "preset": "ultrafast"},
    }
    for key, value in changes.items():
        *sections, name = key.split("__")
        target = raw
        for section in sections:
            inner = dict(target.get(section) or {})  # a copy: a section given as a change stays as given
            target[section] = inner
            target = inner
        if value is None:
            target.pop(name, None)
        else:
            target[name] = copy.deepcopy(value)  # so that a test's edits never reach another's config
    return raw


def error_of(raw: Any, overrides: Any = ()) -> str:
    """The one-line error that loading ``raw`` with ``overrides`` gives (failing if it loads)."""
    from dreamzoom import config
    from dreamzoom.errors import DreamzoomError

    with pytest.raises(DreamzoomError) as caught:
        config.load(raw, overrides)
    message = str(caught.value)
    assert "\n" not in message, "config errors are one line"
    return message


def render_frames(**settings: Any) -> list[np.ndarray]:
    """The frames of a small render of the photo at seed 0, straight from the loop (no video);
    ``settings`` replace whole keys, and what they leave out is the schema's default (but for
    cadence 1, as in :func:`small_config`)."""
    from dreamzoom import assemble, config, resolve, timeline

    defaults = {
        "seed": 0,
        "frames": None,
        "dream": None,
        "motion": None,
        "colour": None,
        "output": {"path": "unused.mp4"},
    }
    loaded = config.load(small_config(**{**defaults, **settings}))
    return [frame for frame, _ in timeline.frames(assemble.prepare(resolve.plan(loaded)), loaded.frame_count)]


def decode(path: Path) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The video's metadata and its frames as uint8 RGB arrays, decoded by ffmpeg."""
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(data, np.uint8).reshape(height, width, 3) for data in reader]
    return meta, frames


# ----------------------------------------------------------------------------- sound

#: The rate the suite's tracks are written at, and decoded back at.
AUDIO_RATE = 22050


def write_wav(path: Path, samples: np.ndarray, rate: int = AUDIO_RATE) -> Path:
    """A real 16-bit mono WAV file of ``samples`` (floats in -1…1)."""
    import wave

    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes((np.clip(samples, -1, 1) * 32000).astype("<i2").tobytes())
    return path


def click_track(path: Path, seconds: float = 4.0, bpm: float = 120.0, first: float = 0.5) -> np.ndarray:
    """A WAV of short 1.5 kHz clicks at ``bpm`` from ``first`` seconds; returns the click times."""
    clicks = np.arange(first, seconds - 0.05, 60.0 / bpm)
    track = np.zeros(int(seconds * AUDIO_RATE))
    t = np.arange(int(0.01 * AUDIO_RATE)) / AUDIO_RATE
    click = np.sin(2 * np.pi * 1500.0 * t) * np.exp(-t * 400.0)
    for time in clicks:
        start = round(time * AUDIO_RATE)
        track[start : start + len(click)] += click
    write_wav(path, 0.9 * track)
    return clicks


def bursts(path: Path, seconds: float = 2.0, gap: float = 0.3, seed: int = 0) -> np.ndarray:
    """A WAV of short noise bursts at irregular times (at least ``gap`` apart), whose sound lines up
    with itself at one shift only (a periodic track would also at each period); returns the times."""
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.uniform(gap, 2 * gap, int(seconds / gap))) - gap / 2
    times = times[times < seconds - 0.05]
    track = np.zeros(int(seconds * AUDIO_RATE))
    t = np.arange(int(0.01 * AUDIO_RATE)) / AUDIO_RATE
    for time in times:
        start = round(time * AUDIO_RATE)
        track[start : start + len(t)] += rng.standard_normal(len(t)) * np.exp(-t * 400.0)
    write_wav(path, 0.5 * track)
    return times


#: How far decoded sound may sit from its source: a tenth of a millisecond over two samples.
IN_SYNC = 2.1 / AUDIO_RATE


def pcm(path: Path) -> np.ndarray:
    """The first sound stream of ``path`` decoded by ffmpeg: mono float32 at :data:`AUDIO_RATE`."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0"]
    command += ["-ac", "1", "-ar", str(AUDIO_RATE), "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, np.float32)


def lag(heard: np.ndarray, source: np.ndarray) -> float:
    """Seconds by which ``heard`` is late against ``source`` (the peak of their cross-correlation)."""
    size = 1 << int(np.ceil(np.log2(len(heard) + len(source))))
    spectrum = np.fft.rfft(heard, size) * np.conj(np.fft.rfft(source, size))
    correlation = np.fft.irfft(spectrum, size)
    shift = int(np.argmax(correlation))
    return (shift if shift < size // 2 else shift - size) / AUDIO_RATE


# ----------------------------------------------------------------------------- video sources

#: How a :func:`moving_crop` clip's content moves each frame: 3 px left and 1 px up (the crop window
#: moves right and down), so the flow from each frame back to the one before is (+3, +1).
CROP_STEP = (3, 1)


def moving_crop(
    path: Path, frames: int = 12, size: int = 96, fps: float = 12.0, sound: Path | None = None
) -> Path:
    """A real H.264 clip of the sample photo seen through a window moving :data:`CROP_STEP` a frame
    (the true motion known), with ``sound`` muxed in (AAC) if given."""
    from dreamzoom import source

    picture = source.read_image(SAMPLE_PHOTO)
    silent = path.with_name(f"{path.stem}.silent.mp4") if sound else path
    writer = imageio_ffmpeg.write_frames(
        str(silent), (size, size), fps=fps, quality=None, output_params=["-crf", "8"], macro_block_size=1
    )
    writer.send(None)
    for index in range(frames):
        x, y = 100 + CROP_STEP[0] * index, 150 + CROP_STEP[1] * index
        writer.send(
            np.ascontiguousarray((picture[y : y + size, x : x + size] * 255).round().astype(np.uint8))
        )
    writer.close()
    if sound:
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(silent), "-i", str(sound)]
        subprocess.run([*command, "-c:v", "copy", "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


# ----------------------------------------------------------------------------- renders on the command line

#: How a render that checkpoints differs from the small config: 12 frames in segments of 4, zooming
#: and turning, written to ``out/clip.mp4`` beside its ``clip.yaml``.
CHECKPOINTED = {
    "frames": 12,
    "seed": 5,
    "motion": {"zoom": 1.04, "rotate": 1.0},
    "output__path": "out/clip.mp4",
    "output__crf": 12,
    "output__checkpoint_frames": 4,
}


def checkpointed(**changes: Any) -> dict[str, Any]:
    """The small config as a render that checkpoints, with ``changes`` (as :func:`small_config` takes them)."""
    return small_config(**{**CHECKPOINTED, **changes})


def write_config(folder: Path, **changes: Any) -> Path:
    """``folder/clip.yaml``: :func:`checkpointed` with ``changes``."""
    path = folder / "clip.yaml"
    path.write_text(yaml.safe_dump(checkpointed(**changes)))
    return path


#: The command line as a user runs it, in a process of its own.
DREAMZOOM = [sys.executable, "-m", "dreamzoom"]


def dreamzoom_command(*arguments: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``python -m dreamzoom ARGUMENTS`` run to its end, its output captured as text (``options``:
    ``subprocess.run``'s, such as ``cwd``, ``env`` or ``timeout``)."""
    return subprocess.run([*DREAMZOOM, *arguments], check=False, capture_output=True, text=True, **options)


def start(folder: Path, *arguments: str, **popen: Any) -> subprocess.Popen[str]:
    """``dreamzoom render clip.yaml -q -v ARGUMENTS`` in ``folder``, stderr readable line by line."""
    return subprocess.Popen(
        [*DREAMZOOM, "render", "clip.yaml", "-q", "-v", *arguments],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def wait_for(process: subprocess.Popen[str], text: str) -> list[str]:
    """Read the process's stderr until a line containing ``text`` (no sleeping: reads block)."""
    seen = []
    assert process.stderr is not None
    for line in process.stderr:
        seen.append(line.rstrip())
        if text in line:
            return seen
    raise AssertionError(f"never saw {text!r}: {seen}")


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for the process: its exit code and the rest of its stderr."""
    _, rest = process.communicate()
    return process.returncode, rest


def kill_at_checkpoint(folder: Path, *arguments: str, checkpoint: str = "4/12") -> None:
    """Render ``folder/clip.yaml`` (with ``arguments``) and kill -9 it once it reports ``checkpoint``."""
    process = start(folder, *arguments)
    wait_for(process, f"checkpoint: {checkpoint}")
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="session")
def reference_folder(tmp_path_factory) -> Path:
    """The folder of an uninterrupted render of :func:`write_config`'s config (``out/clip.mp4`` and
    what lies beside it), made once for the whole run."""
    folder = tmp_path_factory.mktemp("reference")
    write_config(folder)
    code, errors = finish(start(folder))
    assert code == 0, errors
    return folder


@pytest.fixture(scope="session")
def reference(reference_folder) -> tuple[bytes, list[np.ndarray]]:
    """The uninterrupted render's bytes and decoded frames."""
    video = reference_folder / "out" / "clip.mp4"
    return video.read_bytes(), decode(video)[1]


#: Examples per hypothesis test under the ``ci`` profile; fuzz tests ask for multiples of it.
CI_EXAMPLES = 100


def _hypothesis_profiles() -> None:
    """``ci`` (the default) is reproducible: the same examples on every run and machine, no example
    database read or written, and a failure printed with the blob that replays it. ``dev`` explores:
    random examples, ten times as many, and failures kept in ``.hypothesis/`` to replay first.
    ``HYPOTHESIS_PROFILE=dev python -m pytest tests/test_fuzz.py`` picks it."""
    import os

    from hypothesis import HealthCheck, settings

    common = {"deadline": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
    settings.register_profile("ci", derandomize=True, database=None, max_examples=CI_EXAMPLES, **common)
    settings.register_profile("dev", max_examples=10 * CI_EXAMPLES, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()


@pytest.fixture(scope="module")
def clicks(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """8 s of clicks at 120 BPM from 0.5 s (a song whose beats are known): its path and click times."""
    path = tmp_path_factory.mktemp("clicks") / "clicks.wav"
    return path, click_track(path, seconds=8.0, bpm=120.0, first=0.5)
