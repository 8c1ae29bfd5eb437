"""Render configs: the schema, safe YAML loading, ``--set`` overrides and every config error.

The schema is a tree of pydantic models; their field names are the YAML keys, and their
descriptions are the reference documentation (``README.md`` lists them). Loading never touches
TensorFlow: a config can be checked without importing it.

Paths: a file the render reads (``source.image``, ``model.path``, …) is resolved against the
config file's folder when written in the file, and against the current folder when given as an
override, so a config renders the same from wherever it is run. Files the render writes
(``output.path``, ``output.frames_dir``) are relative to the current folder.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import reprlib
import shlex
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from . import schedule
from .errors import DreamzoomError


class _InputFile:
    """Marks a field that names a file the render reads (resolved and checked at load time)."""


INPUT_FILE = _InputFile()
InputPath = Annotated[Path, INPUT_FILE]


def _os_limit(name: str, fallback: int) -> int:
    """A file-name limit of this system (``PC_NAME_MAX``, ``PC_PATH_MAX``), or the usual value."""
    try:
        return os.pathconf("/", name)
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no such limit
        return fallback


#: The longest file name and path, in bytes, that this system takes (255 and 4096 on Linux).
NAME_MAX, PATH_MAX = _os_limit("PC_NAME_MAX", 255), _os_limit("PC_PATH_MAX", 4096)
#: Bytes dreamzoom may add to a path it writes: an atomic write's temporary name
#: (``.NAME.XXXXXXXX.tmp``); a frame in ``output.frames_dir``; a video's checkpoint folder and the
#: files in it (``.NAME.mp4.dreamzoom/.state_000000.npz.XXXXXXXX.tmp``).
FILE_ROOM = len("..XXXXXXXX.tmp")
FRAMES_ROOM = len("/frame_00000.png") + FILE_ROOM
VIDEO_ROOM = len("..dreamzoom/state_000000.npz") + FILE_ROOM


def path_problem(path: str | Path, room: int = 0) -> str | None:
    """Why the operating system would refuse ``path``, as a phrase quoting it, or ``None``.

    Checked before any work starts, so that a null byte or an over-long name (a generated name, a
    pasted path) is one line naming the value, not an exception when the file is first opened,
    perhaps hours into a render. ``room``: bytes dreamzoom adds to the name for its own files.
    """
    text = str(path)
    shown = _SHORT.repr(text)
    if "\x00" in text:
        return f"{shown} holds a null byte, which no file name may"
    try:
        full = os.fsencode(os.path.abspath(text))
    except (UnicodeError, ValueError):
        return f"{shown} holds characters that file names on this system cannot"
    *folders, name = full.split(os.fsencode(os.sep))
    over = [(len(part), NAME_MAX) for part in folders if len(part) > NAME_MAX]
    over += [(len(name), NAME_MAX - room)] if len(name) + room > NAME_MAX else []
    if over:
        return f"{shown} has a name of {over[0][0]} bytes, more than the {over[0][1]} that fit"
    if len(full) + room >= PATH_MAX:
        return f"{shown} is {len(full)} bytes as a full path, more than the {PATH_MAX - 1 - room} that fit"
    return None


def _fits(room: int) -> AfterValidator:
    """The check of a path dreamzoom writes (adding up to ``room`` bytes of its own names)."""

    def check(path: Path) -> Path:
        problem = path_problem(path, room)
        if problem:
            raise ValueError(problem)
        return path

    return AfterValidator(check)


def _video_file(path: Path) -> Path:
    """``output.path`` must name a file: its partial, sidecar and checkpoint names derive from it."""
    folder = path.name in ("", ".", "..")
    with contextlib.suppress(OSError):  # an unreadable parent folder is reported when writing
        folder = folder or path.is_dir()
    if folder:
        raise ValueError(f"{_SHORT.repr(str(path))} is a folder: name the video file in it, like clip.mp4")
    return path


@dataclass(frozen=True)
class Bounds:
    """Marks a schedulable field and the range its values must stay in, at every frame."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    integer: bool = False

    def problem(self, value: float) -> str | None:
        """Why ``value`` is out of range, or ``None``."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return f"must be {'>' if self.low_open else '≥'} {self.low:g}"
        if self.high is not None and value > self.high:
            return f"must be ≤ {self.high:g}"
        return None


class Keyframes(BaseModel):
    """The explicit form of a keyframed schedule, to choose its interpolation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keyframes: str = Field(description="Keyframes like `0:(1.04), 120:(1.01)`.")
    interpolation: Literal["linear", "smooth"] = Field("linear", description="`smooth`: monotone cubic.")


def _parses(value: Any, info: ValidationInfo) -> Any:
    spec = value.model_dump() if isinstance(value, Keyframes) else value
    try:
        schedule.parse(spec)
    except schedule.ScheduleError as error:
        raise ValueError(f"bad schedule: {error}") from None
    return value


def _schedule_shape(value: Any) -> Any:
    if isinstance(value, dict):
        try:
            return Keyframes.model_validate(value)
        except ValidationError as error:
            problem = error.errors(include_url=False)[0]
            where = ".".join(map(str, problem["loc"]))
            raise ValueError(f"keyframes mapping: {where}: {problem['msg']}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Keyframes)):
        raise ValueError(  # noqa: TRY004 — pydantic reports ValueError as a config error, not TypeError
            'expected a number, maths like "1 + 0.1*sin(t)", or keyframes like "0:(1), 10:(2)"'
            f", got {_SHORT.repr(value)}"
        )
    return value


#: A config value that may change over time (see ``schedule.py``): a number, an expression in ``t``,
#: or keyframes. Each field adds its :class:`Bounds`: ``Annotated[Schedulable, Bounds(0, 1000)]``.
Schedulable = Annotated[
    int | float | str | Keyframes,
    BeforeValidator(_schedule_shape),
    AfterValidator(_parses),
]


#: The most frames one render may have: a guard against typos like ``seconds: 1e9``, which would
#: otherwise pass and make every schedule check run for hours.
MAX_FRAMES = 1_000_000
#: How deeply lists and mappings may nest in a config. The schema needs four levels; data nested
#: thousands deep (or a YAML alias that contains itself) would exhaust Python's recursion in the
#: checks that walk it, so it is refused first.
MAX_NESTING = 32
#: The most objective terms, and channels in one term: far beyond a useful dream, far below a
#: generated list that would make the step's graph enormous.
MAX_TERMS, MAX_CHANNELS = 64, 4096


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


class Noise(Section):
    """Seeded noise to dream from, instead of a photo."""

    kind: Literal["smooth", "gaussian", "uniform"] = Field(
        "smooth",
        description="`smooth`: fractal value noise with soft blobs (the usual start for pure "
        "dreams); `gaussian`: per-pixel normal noise; `uniform`: per-pixel uniform noise.",
    )
    mean: float = Field(0.5, ge=0.0, le=1.0, description="Mean grey level, 0 (black) to 1 (white).")
    std: float = Field(0.15, ge=0.0, le=1.0, description="Standard deviation of the noise (0–1 scale).")
    scale: float = Field(
        48.0, gt=0.0, le=1024.0, description="`smooth` only: size of the largest blobs, in pixels."
    )
    colour: bool = Field(True, description="Independent noise per channel; `false` gives grey noise.")


class Source(Section):
    """Where frame 0 comes from: a photo or seeded noise (exactly one)."""

    image: InputPath | None = Field(
        None,
        description="Photo to start from: JPEG, PNG, WebP, TIFF or BMP; greyscale, RGBA, 16-bit "
        "and EXIF-rotated images are handled.",
    )
    fit: Literal["cover", "contain", "stretch"] = Field(
        "cover",
        description="How the photo fills `size`: `cover` crops to fill, `contain` letterboxes "
        "(black bars), `stretch` ignores the aspect ratio.",
    )
    noise: Noise | None = Field(
        None, description="Seeded noise (see `source.noise.*`); the default when no image is given."
    )

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if data.get("image") is not None and data.get("noise") is not None:
                raise ValueError("give either image or noise, not both")
            if data.get("image") is None and data.get("noise") is None:
                return {**data, "noise": {}}
        return data


class Model(Section):
    """The network whose features are dreamed."""

    name: Literal["inception_v3", "squeezenet"] = Field(
        "inception_v3",
        description="Named network: `inception_v3` (the DeepDream classic) or `squeezenet` (a small "
        "ImageNet classifier, bundled whole, for class objectives offline).",
    )
    weights: Literal["bundled", "imagenet", "random"] | InputPath = Field(
        "bundled",
        description="`bundled`: shipped with dreamzoom, no network (InceptionV3 up to `mixed5`; "
        "SqueezeNet whole); `imagenet`: the full InceptionV3 with its classifier through Keras' "
        "one-time download; `random`: untrained (tests, timing); or the path of a Keras weights "
        "file for InceptionV3.",
    )
    path: InputPath | None = Field(
        None,
        description="A saved Keras model (`.keras`) to dream with instead of a named one; its "
        "layer names become dreamable.",
    )
    preprocess: Literal["inception", "caffe", "torch", "unit", "raw"] | None = Field(
        None,
        description="How RGB in [0, 1] is mapped to the model's input: `inception` [-1, 1], "
        "`caffe` (BGR, ImageNet mean subtracted, 0–255), `torch` (ImageNet mean/std), `unit` "
        "[0, 1], `raw` [0, 255]. Default: the named model's own (`inception`; `caffe` for "
        "SqueezeNet).",
    )
    precision: Literal["float32", "bfloat16", "auto"] = Field(
        "auto",
        description="Compute precision of a named model: `auto` uses bfloat16 on CPUs with AVX-512 BF16 "
        "or AMX and on CUDA GPUs of compute capability 8.0 or more, float32 elsewhere; weights stay "
        "float32. The video records the precision used.",
    )
    class_layer: str | None = Field(
        None,
        description="The layer holding the class scores (before softmax) that `class` objectives "
        "raise. Default: the named model's own (`logits` for InceptionV3, `avgpool10` for "
        "SqueezeNet); required for a `model.path` model.",
    )

    @field_validator("weights", mode="before")
    @classmethod
    def _weights_kind(cls, value: Any) -> Any:
        if not isinstance(value, (str, Path)):
            raise ValueError(  # noqa: TRY004 — pydantic turns ValueError into a config error
                f"expected bundled, imagenet, random or the path of a weights file, got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _path_excludes_name(self) -> Model:
        if self.path is not None and ({"name", "weights"} & self.model_fields_set):
            raise ValueError("path loads a whole saved model: drop name and weights")
        if self.name == "squeezenet" and self.weights not in ("bundled", "random"):
            raise ValueError(
                "weights: squeezenet comes bundled (or random); imagenet and files are for inception_v3"
            )
        return self


def _class_shape(value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
        raise ValueError(f"expected a class name like banana or a number like 954, got {_SHORT.repr(value)}")
    return value


class Term(Section):
    """One objective term: a layer, some channels of a layer, a class, or a guide image."""

    model_config = ConfigDict(populate_by_name=True)

    layer: str | None = Field(
        None,
        description='The layer: alone, "more of whatever it sees"; with `channels` or `guide`, where they apply.',
    )
    channels: list[Annotated[int, Field(ge=0)]] | None = Field(
        None,
        min_length=1,
        max_length=MAX_CHANNELS,
        description="Feature maps of `layer` to raise (their mean activation).",
    )
    class_: Annotated[str | int | None, BeforeValidator(_class_shape)] = Field(
        None,
        alias="class",
        description="An ImageNet class, by name (`banana`) or index (954): its score before softmax "
        "at `model.class_layer`. `dreamzoom classes QUERY` finds names.",
    )
    guide: InputPath | None = Field(
        None,
        description="An image whose `layer` features the frame is pulled toward (original DeepDream's guide).",
    )
    weight: Annotated[Schedulable, Bounds()] = Field(
        1.0, description="Multiplies the term; negative weights suppress. Schedulable."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Term:
        if self.class_ is not None:
            if self.layer is not None or self.channels is not None or self.guide is not None:
                raise ValueError("a class term takes only class and weight")
        elif self.layer is None:
            raise ValueError("give layer (with channels or guide if wanted) or class")
        elif self.channels is not None and self.guide is not None:
            raise ValueError("give channels or guide, not both")
        return self

    @property
    def kind(self) -> str:
        """``layer``, ``channel``, ``class`` or ``guide``."""
        if self.class_ is not None:
            return "class"
        return "guide" if self.guide is not None else "channel" if self.channels is not None else "layer"


@dataclass(frozen=True)
class PriorSettings:
    """Concrete prior settings, after a preset and its overrides are combined (see ``prior.py``)."""

    gradient: str = "none"
    levels: int = 4
    sigma: float = 1.0
    scale: float = 0.0
    rotate: float = 0.0
    tv: float = 0.0
    colour: bool = False


#: Starting points: ``dream`` keeps the detail of classic DeepDream while damping its speckle;
#: ``object`` makes class visualisations from noise show object parts rather than texture.
PRIOR_PRESETS = {
    "dream": PriorSettings(gradient="gaussian", sigma=0.7, scale=0.02, rotate=2.0),
    "object": PriorSettings(gradient="laplacian", levels=4, scale=0.1, rotate=10.0, tv=0.2),
    "none": PriorSettings(),
}


class Prior(Section):
    """What keeps dreams looking like pictures: a preset, and any of its settings overridden."""

    preset: Literal["auto", "dream", "object", "none"] = Field(
        "auto",
        description="`dream` (gentle gradient blur, small random rescale and rotation: classic "
        "DeepDream detail without speckle), `object` (Laplacian-normalised gradient, larger random "
        "transforms, total variation: recognisable objects from class objectives), `none`, or "
        "`auto`: `object` when a `class` objective is present, else `dream`.",
    )
    gradient: Literal["none", "gaussian", "laplacian"] | None = Field(
        None,
        description="Gradient smoothing: `laplacian` normalises every band of a Laplacian pyramid "
        "(coarse structure grows as fast as fine detail), `gaussian` blurs it, `none` leaves it.",
    )
    levels: int | None = Field(None, ge=1, le=8, description="`laplacian`: pyramid bands.")
    sigma: float | None = Field(
        None, gt=0.0, le=16.0, description="`gaussian`: blur radius (standard deviation, pixels)."
    )
    scale: float | None = Field(
        None,
        ge=0.0,
        le=0.5,
        description="Transformation robustness: random rescale by up to ± this fraction each step.",
    )
    rotate: float | None = Field(
        None,
        ge=0.0,
        le=45.0,
        description="Transformation robustness: random rotation by up to ± this many degrees each step.",
    )
    tv: float | None = Field(
        None,
        ge=0.0,
        description="Total-variation penalty, relative to the dream's own pull (0.2: a fifth as strong).",
    )
    colour: bool | None = Field(
        None,
        description="Climb in decorrelated colour (lucid's trick): muted, natural colours instead of neon ones.",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data is None or data is False or isinstance(data, str):
            return {"preset": "none" if data in (None, False) else data}
        return data

    def settings(self, has_class: bool) -> PriorSettings:
        """The preset (``auto`` resolved by whether a class objective is present) with overrides applied."""
        preset = ("object" if has_class else "dream") if self.preset == "auto" else self.preset
        chosen = {name: value for name, value in self if name != "preset" and value is not None}
        return replace(PRIOR_PRESETS[preset], **chosen)


#: The layers a dream amplifies when the config names no objective.
DEFAULT_LAYERS: dict[str, int | float | str | Keyframes] = {"mixed3": 1.0, "mixed5": 1.5}


def _prior_schema(schema: dict[str, Any]) -> None:
    """``prior`` in the JSON Schema: the section, or its shorthands (``prior: object``, ``prior: none``,
    ``prior: null``), which :meth:`Prior._shorthand` accepts, so that editors do not flag them."""
    presets = list(get_args(Prior.model_fields["preset"].annotation))
    schema["anyOf"] = [{"$ref": schema.pop("$ref")}, {"enum": presets}, {"type": "null"}, {"const": False}]


class Dream(Section):
    """The dream step: gradient ascent on the chosen layers, over octaves."""

    layers: dict[str, Annotated[Schedulable, Bounds()]] = Field(
        default_factory=lambda: dict(DEFAULT_LAYERS),
        max_length=MAX_TERMS,
        description="Layers to amplify and their weights, each adding its mean squared activation "
        "(a negative weight suppresses a layer). Low layers give strokes and ornaments, high "
        "layers eyes and animals; `dreamzoom layers` lists them. Weights are schedulable (crossfade "
        "one layer into another). The default applies only when `objectives` is empty.",
    )
    objectives: list[Term] = Field(
        default_factory=list,
        max_length=MAX_TERMS,
        description="More terms, summed with `layers`: `{layer: mixed4, channels: [97, 120]}`, "
        "`{class: banana}`, `{guide: guide.jpg, layer: mixed3}`, each with an optional `weight`.",
    )
    prior: Prior = Field(
        default_factory=Prior,
        json_schema_extra=_prior_schema,
        description="The natural-image prior: `prior: object` picks a preset, `prior: none` turns it off.",
    )
    tile_size: int = Field(
        1024,
        ge=0,
        description="Frames (and octaves) wider or taller than this are dreamed in tiles of about "
        "this size, with random offsets so no seams show; bounds memory at 4K. 0: never tile.",
    )
    steps: Annotated[Schedulable, Bounds(0, 1000, integer=True)] = Field(
        6, description="Gradient-ascent steps per octave, for every frame after the first. Schedulable."
    )
    first_frame_steps: int | None = Field(
        None,
        ge=0,
        le=3000,
        description="Steps per octave for frame 0, which starts from a plain photo or noise and "
        "needs more work; default 3 × `steps`.",
    )
    step_size: Annotated[Schedulable, Bounds(0.0, 1.0, low_open=True)] = Field(
        0.005, description="Mean pixel change per step (0–1 scale); the gradient is normalised. Schedulable."
    )
    octaves: Annotated[Schedulable, Bounds(1, 12, integer=True)] = Field(
        3,
        description="Scales dreamed, coarse to fine; the detail each adds is carried to the next. Schedulable.",
    )
    octave_scale: Annotated[Schedulable, Bounds(1.0, 4.0, low_open=True)] = Field(
        1.5, description="Size ratio between successive octaves. Schedulable."
    )
    jitter: Annotated[Schedulable, Bounds(0, 4096, integer=True)] = Field(
        32,
        description="Random shift (pixels, each axis) before each step, so the dream has no fixed grid. Schedulable.",
    )

    @model_validator(mode="after")
    def _some_objective(self) -> Dream:
        if not self.terms():
            raise ValueError("layers: give at least one layer or objective")
        return self

    def terms(self) -> list[Term]:
        """Every objective term: the ``layers`` shorthand (unless only ``objectives`` were given) and ``objectives``."""
        use_layers = "layers" in self.model_fields_set or not self.objectives
        shorthand = (
            [Term(layer=name, weight=weight) for name, weight in self.layers.items()] if use_layers else []
        )
        return shorthand + list(self.objectives)


class Motion(Section):
    """The camera move applied between frames, about the frame centre."""

    zoom: Annotated[Schedulable, Bounds(0.1, 10.0)] = Field(
        1.02, description="Scale per frame: 1 keeps the size, > 1 zooms in, < 1 zooms out. Schedulable."
    )
    rotate: Annotated[Schedulable, Bounds(-180.0, 180.0)] = Field(
        0.0, description="Degrees per frame, counter-clockwise. Schedulable."
    )
    pan: tuple[
        Annotated[Schedulable, Bounds(-10000.0, 10000.0)], Annotated[Schedulable, Bounds(-10000.0, 10000.0)]
    ] = Field(
        (0.0, 0.0),
        description="Camera move per frame in pixels, `[x, y]`: +x looks right, +y looks down. Each schedulable.",
    )


class Loop(Section):
    """A seamless loop: the last frames lead back into the first."""

    frames: int = Field(
        ge=1,
        description="Over this many final frames, the dream is pulled toward the first frame as the "
        "camera would see it then, so the video loops with no visible seam.",
    )


class Colour(Section):
    """Keeps long feedback runs from drifting darker and more saturated."""

    strength: Annotated[Schedulable, Bounds(0.0, 1.0)] = Field(
        0.25,
        description="Each dreamed frame's colour statistics (mean and spread in Lab) move this "
        "fraction of the way back to frame 0's; 0 turns anchoring off. Schedulable.",
    )


class Music(Section):
    """Timing for music videos: schedules can use `beat`."""

    bpm: float | None = Field(None, gt=0.0, le=1000.0, description="Tempo: `beat` counts beats (fractional).")
    offset: float = Field(0.0, description="Seconds into the video of beat 0.")


class Output(Section):
    """Where frames go."""

    path: Annotated[Path, _fits(VIDEO_ROOM), AfterValidator(_video_file)] | None = Field(
        None,
        description="The MP4 to write (relative to the current folder); default `renders/<config name>.mp4`.",
    )
    # ffmpeg takes the rate as a fraction with a denominator of at most 1001: 0.001 is about the least.
    fps: float = Field(24.0, ge=0.001, le=240.0, description="Frames per second of the video.")
    crf: int = Field(
        18,
        ge=0,
        le=51,
        description="H.264 constant rate factor: 0 lossless, 18 visually clean, 28 small files.",
    )
    preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
    ] = Field("medium", description="x264 speed/size trade-off; slower presets make smaller files.")
    frames_dir: Annotated[Path, _fits(FRAMES_ROOM)] | None = Field(
        None, description="Also write every frame as a numbered PNG (`frame_00000.png`, …) into this folder."
    )
    checkpoint_frames: int = Field(
        48,
        ge=1,
        le=100000,
        description="Save a checkpoint (and close a video segment) about every this many frames; "
        "`--resume` continues from the last one.",
    )


class Config(Section):
    """A whole render."""

    size: tuple[int, int] = Field(
        (512, 512), description="Frame size `[width, height]` in pixels; both even."
    )
    frames: int | None = Field(
        None,
        ge=1,
        description="Number of frames (at most 1,000,000); default 96, or `seconds` × `output.fps`.",
    )
    seconds: float | None = Field(None, gt=0.0, description="Length in seconds, instead of `frames`.")
    seed: int = Field(
        0, ge=0, description="Seeds the noise and the jitter: the same config and seed give the same frames."
    )
    source: Source = Field(default_factory=Source, description="Frame 0: a photo or noise.")
    model: Model = Field(default_factory=Model, description="The network.")
    dream: Dream = Field(default_factory=Dream, description="The dream step.")
    motion: Motion = Field(default_factory=Motion, description="The camera move between frames.")
    output: Output = Field(default_factory=Output, description="Video and frame files.")
    cadence: int = Field(
        1,
        ge=1,
        le=32,
        description="Dream every k-th frame and fill the frames between by warping the dreamed "
        "neighbours with the known motion and blending them: k times fewer dream steps.",
    )
    loop: Loop | None = Field(None, description="Make the video loop seamlessly (see `loop.frames`).")
    colour: Colour = Field(default_factory=Colour, description="Colour-drift control.")
    music: Music = Field(default_factory=Music, description="Tempo for `beat` in schedules.")

    @model_validator(mode="before")
    @classmethod
    def _not_too_deep(cls, data: Any) -> Any:
        too_deep = _deeper_than(data, MAX_NESTING)
        if too_deep is not None:
            raise ValueError(f"{too_deep}: nested more than {MAX_NESTING} levels deep")
        return data

    @model_validator(mode="after")
    def _check(self) -> Config:
        width, height = self.size
        for axis, value in (("width", width), ("height", height)):
            if not 32 <= value <= 16384:
                raise ValueError(f"size: {axis} {value} is outside 32–16384 pixels")
            if value % 2:
                raise ValueError(
                    f"size: {axis} {value} is odd; H.264 video (yuv420p) needs even sizes, "
                    f"use {value + 1} or {value - 1}"
                )
        if self.frames is not None and self.seconds is not None:
            raise ValueError("frames/seconds: give one, not both")
        if self.frame_count > MAX_FRAMES:
            asked = (
                f"frames: {self.frames} is" if self.frames is not None else f"seconds: {self.seconds:g} is"
            )
            raise ValueError(
                f"{asked} more than the {MAX_FRAMES:,} frames one render may have (about 11 hours at 24 fps)"
            )
        if self.loop is not None and self.loop.frames >= self.frame_count:
            raise ValueError(
                f"loop.frames: {self.loop.frames} must be fewer than the {self.frame_count} frames"
            )
        for key, value, bounds in _schedules(self):
            _check_schedule(key, value, bounds, self)
        return self

    def time(self, frame: float) -> schedule.Time:
        """The moment of frame ``frame`` for evaluating schedules."""
        return schedule.Time.at(frame, self.output.fps, self.music.bpm, self.music.offset)

    def value(self, spec: float | str | Keyframes, frame: float) -> float:
        """A schedulable value at frame ``frame``."""
        return schedule.parse(spec.model_dump() if isinstance(spec, Keyframes) else spec)(self.time(frame))

    @property
    def frame_count(self) -> int:
        """Frames to render: ``frames``, else ``seconds × fps``, else 96."""
        if self.frames is not None:
            return self.frames
        if self.seconds is not None:
            # Capped before rounding: seconds: 1e308 overflows, and is refused as too long anyway.
            return max(1, round(min(self.seconds * self.output.fps, MAX_FRAMES + 1)))
        return 96


def _schedules(section: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any, Bounds]]:
    """Every schedulable value in a config: ``(key, value, bounds)``."""
    for name, info in type(section).model_fields.items():
        value, key = getattr(section, name), prefix + (info.alias or name)
        bounds = _bounds(info.annotation, info.metadata)
        if isinstance(value, Section):
            yield from _schedules(value, key + ".")
        elif isinstance(value, list) and any(isinstance(item, Section) for item in value):
            for index, item in enumerate(value):
                yield from _schedules(item, f"{key}.{index}.")
        elif bounds is not None:
            yield key, value, bounds
        elif isinstance(value, dict):
            inner = _bounds(get_args(info.annotation)[1], []) if get_args(info.annotation) else None
            if inner is not None:
                for item_key, item in value.items():
                    yield f"{key}.{item_key}", item, inner
        elif isinstance(value, tuple):
            for index, (item, annotation) in enumerate(zip(value, get_args(info.annotation), strict=False)):
                inner = _bounds(annotation, [])
                if inner is not None:
                    yield f"{key}.{index}", item, inner


def _bounds(annotation: Any, metadata: list[Any]) -> Bounds | None:
    found = [m for m in metadata if isinstance(m, Bounds)]
    if get_origin(annotation) is Annotated:
        found += [m for m in get_args(annotation)[1:] if isinstance(m, Bounds)]
    return found[0] if found else None


def _check_schedule(key: str, value: Any, bounds: Bounds, config: Config) -> None:
    """Evaluate a schedule at every frame; raise (as a validation error) where it leaves its range."""
    spec = value.model_dump() if isinstance(value, Keyframes) else value
    compiled = schedule.parse(spec)
    if bounds.integer and compiled.constant is not None and not float(compiled.constant).is_integer():
        raise ValueError(f"{key}: must be a whole number, not {compiled.constant:g} (schedules are rounded)")
    frames = [0] if compiled.constant is not None else range(config.frame_count)
    for frame in frames:
        try:
            result = compiled(config.time(frame))
        except schedule.ScheduleError as error:
            raise ValueError(f"{key}: {error}") from None
        problem = bounds.problem(round(result) if bounds.integer else result)
        if problem:
            where = "" if compiled.constant is not None else f" at frame {frame}"
            raise ValueError(f"{key}: {problem}, but is {result:g}{where}")


# ----------------------------------------------------------------------------- loading


def load(
    source: str | Path | Mapping[str, Any] | Config | None = None,
    overrides: Iterable[tuple[str, Any]] = (),
) -> Config:
    """Build a validated :class:`Config` from a YAML file, a mapping or a ``Config``.

    ``overrides`` are ``(dotted key, value)`` pairs, each replacing one key's value (``("motion.zoom",
    1.03)``), after those of the ``DREAMZOOM_SET`` environment variable. Every problem is raised as a
    one-line :class:`DreamzoomError` naming the key.
    """
    overrides = environment_overrides() + list(overrides)
    if isinstance(source, Config):
        raw: dict[str, Any] = source.model_dump(exclude_unset=True)
        base, stem = Path.cwd(), "dreamzoom"
    elif isinstance(source, Mapping):
        raw, base, stem = dict(source), Path.cwd(), "dreamzoom"
    elif source is None:
        raw, base, stem = {}, Path.cwd(), "dreamzoom"
    else:
        path = Path(source)
        raw, base, stem = read_yaml(path), path.resolve().parent, path.stem
    for key, value in overrides:
        _drop_replaced_length(raw, key)
        _set_dotted(raw, key, value)
    try:
        config = Config.model_validate(raw)
    except ValidationError as error:
        raise DreamzoomError(_describe(error)) from None
    overridden = {key for key, _ in overrides}
    config = _resolve_inputs(config, base, overridden)
    if config.output.path is None:
        video = Path("renders") / f"{stem}.mp4"
        # Named after the config file, so checked only now (batch and the Python API too).
        problem = path_problem(video, VIDEO_ROOM)
        if problem:
            raise DreamzoomError(problem, key="output.path")
        config = config.model_copy(update={"output": config.output.model_copy(update={"path": video})})
    return config


#: The environment variable whose ``KEY=VALUE`` words apply to every config loaded (before ``--set``).
ENVIRONMENT = "DREAMZOOM_SET"


def environment_overrides() -> list[tuple[str, Any]]:
    """``DREAMZOOM_SET="size=[128,128] frames=12"``: overrides for every config a process loads, so
    that a script's renders (a batch, the README's examples in the test suite) can be drafted small
    without editing each config or command."""
    text = os.environ.get(ENVIRONMENT, "")
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise DreamzoomError(f"{ENVIRONMENT}: cannot split {text!r} into KEY=VALUE words: {error}") from None
    try:
        return [parse_set(word) for word in words]
    except DreamzoomError as error:
        raise DreamzoomError(f"{ENVIRONMENT}: {error}") from None


#: Keys that each state a render's length; an override of one replaces whichever the config gave.
_LENGTH_KEYS = ("frames", "seconds")


def _drop_replaced_length(raw: dict[str, Any], key: str) -> None:
    """``frames`` and ``seconds`` are two spellings of one setting: ``--set frames=60`` on a config
    that says ``seconds: 4`` means "60 frames instead", not a conflict, and of several length
    overrides the last wins. Both written in one file stay an error (the validator reports it)."""
    if key in _LENGTH_KEYS:
        for other in _LENGTH_KEYS:
            if other != key:
                raw.pop(other, None)


def resolved(config: Config) -> dict[str, Any]:
    """The config as a self-contained, JSON-safe mapping that loads back to the same render: every
    value explicit (a later change of defaults cannot change a re-render), input paths absolute."""
    raw = config.model_dump(mode="json", by_alias=True)
    if config.model.path is not None:
        del raw["model"]["name"], raw["model"]["weights"]
    if config.dream.objectives and "layers" not in config.dream.model_fields_set:
        raw["dream"]["layers"] = {}  # the default layers were not in use
    return raw


def with_objectives(config: Config, terms: list[Term]) -> Config:
    """The same config dreaming ``terms`` alone (its ``layers`` shorthand dropped)."""
    raw = config.model_dump(by_alias=True, exclude_unset=True)
    dream = raw.setdefault("dream", {})
    dream.pop("layers", None)
    dream["objectives"] = [term.model_dump(by_alias=True, exclude_none=True) for term in terms]
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise DreamzoomError(_describe(error)) from None


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a config file with the safe YAML loader; it must hold a mapping (or nothing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DreamzoomError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DreamzoomError(f"cannot read config file {path}: {error}") from None
    try:
        data = _safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise DreamzoomError(f"{path}{where}: invalid YAML: {_yaml_problem(error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DreamzoomError(f"{path}: a config must be a mapping of keys, not a {type(data).__name__}")
    return data


def parse_set(assignment: str) -> tuple[str, Any]:
    """Parse one ``--set key.sub=value`` (the value is read as YAML: ``[256, 256]``, ``1.5``, ``null``)."""
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise DreamzoomError(f"--set expects KEY=VALUE (like motion.zoom=1.03), got {assignment!r}")
    try:
        return key, _safe_load(text)
    except yaml.YAMLError as error:
        raise DreamzoomError(
            f"--set {key}: cannot read {_SHORT.repr(text)} as a value: {_yaml_problem(error)}"
        ) from None


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What a YAML error says went wrong, without its multi-line context."""
    return getattr(error, "problem", None) or str(error).splitlines()[0]


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing collections nested more than :data:`MAX_NESTING` deep as soon as it
    scans them: PyYAML's scanner slows quadratically with the depth of ``[`` and ``{`` (a line of
    10,000 ``[`` takes a minute), and its composer recurses through every level."""

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # PyYAML's spelling
        self._check_nesting(self.flow_level)
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        self._check_nesting(len(self.indents))
        return super().add_indent(column)

    def _check_nesting(self, depth: int) -> None:
        if depth > MAX_NESTING:
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_NESTING} levels deep", problem_mark=self.get_mark()
            )


def _safe_load(text: str) -> Any:
    """Safe YAML loading, its other failures raised as ``YAMLError`` like any syntax error: nesting
    beyond Python's recursion (the composer recurses), a date like 2024-02-30, a 5,000-digit integer."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except RecursionError:
        raise yaml.YAMLError("nested too deeply to read") from None
    except ValueError as error:
        raise yaml.YAMLError(str(error).splitlines()[0] if str(error) else "unreadable value") from None


def _deeper_than(data: Any, limit: int) -> str | None:
    """The top-level key under which ``data`` nests lists and mappings more than ``limit`` levels
    deep, or ``None``. Walked level by level without recursion, each shared (aliased) node once."""
    level = [("the config", data)]
    for _ in range(limit + 1):
        below: dict[int, tuple[str, Any]] = {}
        for key, node in level:
            for name, child in _children(node):
                if isinstance(child, (dict, list)):
                    below.setdefault(id(child), (_printable(name) if node is data else key, child))
        if not below:
            return None
        level = list(below.values())
    return level[0][0]


def _children(node: Any) -> Iterable[tuple[Any, Any]]:
    """``(key, value)`` of a mapping, ``(index, item)`` of a list, nothing for anything else."""
    if isinstance(node, dict):
        return node.items()
    return enumerate(node) if isinstance(node, list) else ()


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        if node.get(part) is None:
            # A mapping-valued key the config leaves at its default (dream.layers) is extended, not
            # replaced: --set dream.layers.mixed4=1 adds mixed4 to the default layers.
            field = _schema_field(tuple(parts[: depth + 1]))
            default = field.get_default(call_default_factory=True) if field else None
            if parts[: depth + 1] == ["dream", "layers"] and node.get("objectives"):
                default = None  # the default layers apply only to a dream without objectives
            node[part] = dict(default) if isinstance(default, dict) else {}
        child = node[part]
        if not isinstance(child, dict):
            where = ".".join(parts[: depth + 1])
            raise DreamzoomError(f"cannot set {key}: {where} is a value, not a section", key=key)
        node = child
    node[parts[-1]] = value


def _resolve_inputs(section: Section, base: Path, overridden: set[str], prefix: str = "") -> Any:
    """Make every input-file path absolute and check that the file exists."""
    updates: dict[str, Any] = {}
    for name, info in type(section).model_fields.items():
        value, key = getattr(section, name), prefix + (info.alias or name)
        if isinstance(value, Section):
            updates[name] = _resolve_inputs(value, base, overridden, key + ".")
        elif isinstance(value, list) and any(isinstance(item, Section) for item in value):
            updates[name] = [
                _resolve_inputs(item, base, overridden, f"{key}.{index}.") for index, item in enumerate(value)
            ]
        elif isinstance(value, Path) and _reads_file(info.annotation, info.metadata):
            from_cli = any(key == done or key.startswith(done + ".") for done in overridden)
            updates[name] = _input_file(value, Path.cwd() if from_cli else base, key)
    return section.model_copy(update=updates)


def _input_file(value: Path, base: Path, key: str) -> Path:
    """``value`` made absolute against ``base``, once it is known to name a readable file: each way
    it can fail (a name the system refuses, a folder, ``~nobody``, a missing file) is one line."""
    try:
        path = value.expanduser()
    except RuntimeError:  # ~user for an unknown user
        raise DreamzoomError(f"cannot find the home folder in {_SHORT.repr(str(value))}", key=key) from None
    path = path if path.is_absolute() else base / path
    problem = path_problem(path)
    if problem:
        raise DreamzoomError(problem, key=key)
    try:
        kind = "folder" if path.is_dir() else "file" if path.is_file() else None
    except OSError as error:
        raise DreamzoomError(f"cannot read {path}: {error.strerror}", key=key) from None
    if kind is None:
        raise DreamzoomError(f"file not found: {path}", key=key)
    if kind == "folder":
        raise DreamzoomError(f"{path} is a folder, not a file", key=key)
    return path


def _reads_file(annotation: Any, metadata: list[Any]) -> bool:
    """Whether a field is marked :data:`INPUT_FILE`, directly or inside a union."""
    if INPUT_FILE in metadata:
        return True
    args = get_args(annotation)
    if get_origin(annotation) is Annotated:
        return INPUT_FILE in args[1:]
    return any(_reads_file(arg, []) for arg in args)


def _schema_field(loc: tuple[Any, ...]) -> FieldInfo | None:
    """The schema field found by following ``loc`` (config keys; list indices skipped) from :class:`Config`."""
    cls: type[BaseModel] | None = Config
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = cls.model_fields if cls else {}
        field = fields.get(str(part)) or next((f for f in fields.values() if f.alias == part), None)
        if field is None:
            return None
        cls = next((a for a in _flatten(field.annotation) if _is_section(a)), None)
    return field


def _section_class(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The section class at ``loc`` (``()`` is the whole :class:`Config`), if it is a section."""
    if not loc:
        return Config
    field = _schema_field(loc)
    return next((a for a in _flatten(field.annotation) if _is_section(a)), None) if field else None


def _flatten(annotation: Any) -> list[Any]:
    """The plain types inside an annotation (``Noise | None`` gives ``[Noise, NoneType]``)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for arg in get_args(annotation) for a in _flatten(arg)]
    if get_origin(annotation) in (Annotated, list):
        return _flatten(get_args(annotation)[0])
    return [annotation]


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Section)


def _short_repr() -> reprlib.Repr:
    """A ``repr`` that stays short for any value (a YAML alias bomb included)."""
    short = reprlib.Repr()
    short.maxlevel, short.maxlist, short.maxdict, short.maxstring, short.maxother = 2, 4, 4, 40, 40
    return short


_SHORT = _short_repr()
_UNION_TAG = re.compile(r"[a-z-]+\[.*\]|int|float|str|bool|Keyframes")


def _printable(part: Any) -> str:
    """A key as the user wrote it, or its repr when it holds control characters or spaces."""
    text = str(part)
    plain = text.isprintable() and text.strip() == text and text and len(text) <= _SHORT.maxstring
    return text if plain else _SHORT.repr(text)


def _describe(error: ValidationError) -> str:
    """One line for a pydantic error: the first problem, naming its key, and how many more."""
    problems = error.errors(include_url=False)
    first = problems[0]
    # Drop pydantic's names for union members ("literal['a','b']", "int"), which are not config keys.
    raw_loc = first["loc"]
    last = len(raw_loc) - 1 if first["type"] == "extra_forbidden" else len(raw_loc)
    loc = tuple(
        p
        for i, p in enumerate(raw_loc)
        if not (0 < i < last and isinstance(p, str) and _UNION_TAG.fullmatch(p))
    )
    key = ".".join(_printable(p) for p in loc)
    if first["type"] == "extra_forbidden":
        section = _section_class(loc[:-1])
        known = [info.alias or name for name, info in section.model_fields.items()] if section else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f" (did you mean '{'.'.join(map(_printable, (*loc[:-1], close[0])))}'?)" if close else ""
        where = ".".join(map(_printable, loc[:-1])) or "the top level"
        message = f"unknown key '{key}'{hint}; {where} takes: {', '.join(known)}"
    else:
        message = first["msg"].removeprefix("Value error, ")
        # A section's own check may blame one of its keys as "key: problem": name it in full.
        field, sep, rest = message.partition(": ")
        section = _section_class(loc) if first["type"] == "value_error" and sep else None
        if section is not None and field in section.model_fields:
            key, message = f"{key}.{field}" if key else field, rest
        if first["type"] != "value_error" and "input" in first:
            message += f" (got {_SHORT.repr(first['input'])})"
        if key:
            message = f"{key}: {message}"
    more = len(problems) - 1
    return message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


def json_schema() -> dict[str, Any]:
    """The config's JSON Schema (draft 2020-12), made from the same models that check configs: YAML
    language servers read it (``dreamzoom schema``; ``dreamzoom.schema.json`` in the repository),
    so editors complete keys, show their descriptions and flag mistakes as they are typed."""
    schema = Config.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "dreamzoom config"}


def reference() -> list[tuple[str, str, str]]:
    """``(key, default, description)`` for every config key, in schema order (for the README)."""
    rows: list[tuple[str, str, str]] = []

    def walk(cls: type[BaseModel], prefix: str) -> None:
        for name, info in cls.model_fields.items():
            key = prefix + (info.alias or name)
            sections = [a for a in _flatten(info.annotation) if _is_section(a)]
            if sections:
                many = get_origin(info.annotation) is list
                if many:
                    rows.append((key, "[]", info.description or ""))
                walk(sections[0], f"{key}[]." if many else f"{key}.")
                continue
            shown = (
                "(required)" if info.is_required() else _plain(info.get_default(call_default_factory=True))
            )
            rows.append((key, shown if isinstance(shown, str) else json.dumps(shown), info.description or ""))

    walk(Config, "")
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return value
