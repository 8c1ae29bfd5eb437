"""The config schema: a tree of pydantic sections whose field names are the YAML keys, whose
constraints are the checks, and whose descriptions are the reference (``docs/reference.md``, JSON Schema).

Everything a value must satisfy on its own, or with its neighbours, is checked here, as the config
is validated; what needs the disk (input files) is checked by loading, after.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from .. import schedule
from ..presets import PRIOR_PRESETS, PriorSettings
from ._inputs import VIDEO_SUFFIXES
from ._messages import SHORT, printable
from ._paths import FRAMES_ROOM, VIDEO_ROOM, InputPath, fits, output_name, video_file
from ._schedulable import Bounds, Keyframes, Schedulable, check_schedules
from ._walk import Section

#: The most frames one render may have: a guard against typos like ``seconds: 1e9``, which would
#: otherwise pass and make every schedule check run for hours.
MAX_FRAMES = 1_000_000
#: How deeply lists and mappings may nest in a config. The schema needs four levels; data nested
#: thousands deep (or a YAML alias that contains itself) would exhaust Python's recursion in the
#: checks that walk it, so it is refused first.
MAX_NESTING = 32
#: The sides a frame may have, in pixels: the config's ``size``, and a source video's frames.
MIN_SIDE, MAX_SIDE = 32, 16384
#: The furthest into a video or a song (seconds) that a start, an end or an offset may point: a day,
#: a bound (like :data:`MAX_FRAMES`) that no real song or video reaches.
MAX_OFFSET = 86400.0
#: The most objective terms, and channels in one term: far beyond a useful dream, far below a
#: generated list that would make the step's graph enormous.
MAX_TERMS, MAX_CHANNELS = 64, 4096


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
        48.0, ge=1.0, le=1024.0, description="`smooth` only: size of the largest blobs, in pixels."
    )
    colour: bool = Field(True, description="Independent noise per channel; `false` gives grey noise.")


class Video(Section):
    """A video to dream, frame by frame: each of its frames is a source frame."""

    path: InputPath = Field(
        description="The video: any file the bundled ffmpeg reads (MP4, MOV, WebM, GIF, …)."
    )
    start: float = Field(
        0.0, ge=0.0, le=MAX_OFFSET, description="Seconds into the video where the render starts."
    )
    end: float | None = Field(
        None, gt=0.0, le=MAX_OFFSET, description="Seconds into the video where it ends; default its end."
    )
    carry: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="How much of the last frame's dream is carried along the video's motion onto the "
        "next frame: 0 dreams every frame afresh (and flickers), 1 keeps it all (and it keeps growing).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Video:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end: {self.end:g} s must come after start ({self.start:g} s)")
        return self


def expanded_source(data: Any) -> Any:
    """A source's shorthands spelt out: ``source: photo.jpg`` (or ``clip.mp4``) and ``video: clip.mp4``."""
    if isinstance(data, str | Path):
        video = Path(data).suffix.lower() in VIDEO_SUFFIXES
        data = {"video": {"path": data}} if video else {"image": data}
    if isinstance(data, dict) and isinstance(data.get("video"), str | Path):
        data = {**data, "video": {"path": data["video"]}}
    return data


class Source(Section):
    """Where frames come from: a photo or seeded noise for frame 0, or a video (exactly one)."""

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
        None, description="Seeded noise (see `source.noise.*`); the default when no image or video is given."
    )
    video: Video | None = Field(
        None,
        description="A video to dream (see `source.video.*`; `video: clip.mp4` is short for "
        "`video: {path: clip.mp4}`): its size, rate, length and sound are the render's unless the "
        "config sets them, and the dream follows its motion.",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: Any) -> Any:
        data = expanded_source(data)
        if isinstance(data, dict):
            given = [name for name in ("image", "noise", "video") if data.get(name) is not None]
            if len(given) > 1:
                raise ValueError(f"give one of image, noise or video, not {' and '.join(given)}")
            if not given:
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
    precision: Literal["float32", "bfloat16", "float16", "auto"] = Field(
        "auto",
        description="Compute precision of a named model: `auto` uses bfloat16 on CPUs with AVX-512 BF16 "
        "or AMX and on CUDA GPUs of compute capability 8.0 or more, float32 elsewhere. `float16` is "
        "for GPUs with float16 tensor cores but no bfloat16 (Volta, Turing): it climbs with dynamic "
        "loss scaling so gradients do not underflow. The video records the precision used.",
    )
    backend: Literal["auto", "tensorflow", "jax", "torch"] = Field(
        "auto",
        description="The Keras backend that runs the network: `tensorflow` (the default, fastest "
        "measured on CPUs), `jax` or `torch` (each reaching GPUs TensorFlow does not: PyTorch on "
        "Windows and Apple silicon, JAX on TPUs). `auto` keeps the one already running, else "
        "`KERAS_BACKEND`, else the first installed of TensorFlow, JAX and PyTorch. One process runs "
        "one backend; the video records the one used.",
    )
    class_layer: str | None = Field(
        None,
        description="The layer holding the class scores (before softmax) that `class` objectives "
        "raise. Default: the named model's own (`logits` for InceptionV3, `avgpool10` for "
        "SqueezeNet); required for a `model.path` model.",
    )
    classifier: Literal["auto", "own"] = Field(
        "auto",
        description="What scores classes for `class` objectives and exploration's things: `auto` uses "
        "the model's own classifier, or, for a network without one (the bundled InceptionV3 ends at "
        "`mixed5`), the bundled SqueezeNet beside it, a second, small network that sees what the "
        "dream step sees; `own` uses only the model's own.",
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
        raise ValueError(f"expected a class name like banana or a number like 954, got {SHORT.repr(value)}")
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


class Prior(Section):
    """What keeps dreams looking like pictures: a preset, and any of its settings overridden."""

    preset: Literal["auto", "dream", "object", "none"] = Field(
        "auto",
        description="`dream` (gentle gradient blur, small random rescale and rotation: classic "
        "DeepDream detail without speckle), `object` (Fourier steps through four strongly varied "
        "views a step: class pictures that other networks recognise), `none`, or "
        "`auto`: `object` when a `class` objective is present, else `dream`.",
    )
    gradient: Literal["none", "gaussian", "laplacian"] | None = Field(
        None,
        description="Gradient smoothing: `laplacian` normalises every band of a Laplacian pyramid "
        "(coarse structure grows as fast as fine detail), `gaussian` blurs it, `none` leaves it.",
    )
    levels: int | None = Field(None, ge=1, le=8, description="`laplacian`: pyramid bands.")
    sigma: float | None = Field(
        None, ge=0.1, le=16.0, description="`gaussian`: blur radius (standard deviation, pixels)."
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
        description="Climb in decorrelated colour (lucid's trick): natural colours instead of neon speckle. On in the `dream` preset.",
    )
    fourier: bool | None = Field(
        None,
        description="Climb as if the image were stored as the 1/f-scaled spectrum of its decorrelated "
        "colours, with Adam per frequency (lucid's Fourier parameterisation): changes with a natural "
        "image's spectrum, so objects other networks recognise. Replaces `gradient` and `colour`. On "
        "in the `object` preset.",
    )
    views: int | None = Field(
        None,
        ge=1,
        le=16,
        description="Random views of the frame the network sees each step (a batch; the dream climbs "
        "their mean): more is steadier and more robust, and costs in proportion (time and memory).",
    )
    crop: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="Each view shows a random window of between this fraction of the frame's side and "
        "all of it, enlarged to the frame's size: what is dreamed must read at several scales.",
    )
    flip: bool | None = Field(None, description="Mirror half of the views at random.")
    noise: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Gaussian noise (standard deviation, 0–1 pixel scale) added to each view.",
    )
    bounded: bool | None = Field(
        None,
        description="Climb each pixel's logit instead of the pixel (lucid's sigmoid): a pixel nearing "
        "black or white slows down instead of clipping, so colours stay vivid and backgrounds do not "
        "wash out.",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data is None or data is False or isinstance(data, str):
            return {"preset": "none" if data in (None, False) else data}
        return data

    @model_validator(mode="after")
    def _fourier_alone(self) -> Prior:
        smoothing = [
            name for name in ("gradient", "levels", "sigma", "colour") if getattr(self, name) is not None
        ]
        fourier = (
            self.fourier
            if self.fourier is not None
            else PRIOR_PRESETS.get(self.preset, PriorSettings()).fourier
        )
        if fourier and smoothing:
            raise ValueError(
                f"fourier steps replace {' and '.join(smoothing)}: leave them out, or set fourier: false"
            )
        return self

    def settings(self, has_class: bool) -> PriorSettings:
        """The preset (``auto`` resolved by whether a class objective is present) with overrides applied."""
        preset = ("object" if has_class else "dream") if self.preset == "auto" else self.preset
        chosen = {name: value for name, value in self if name != "preset" and value is not None}
        return replace(PRIOR_PRESETS[preset], **chosen)


#: Dream every other frame unless a config says otherwise (measured on ``configs/default.yaml``:
#: half the dream steps, and the warped frames between keep the zoom smooth).
DEFAULT_CADENCE = 2

#: The layers a dream amplifies when it names no objective and turns exploring off (`explore: null`).
DEFAULT_LAYERS: dict[str, int | float | str | Keyframes] = {"mixed3": 1.0, "mixed5": 1.5}

#: What a dream that names nothing to raise (no `layers`, `objectives` or `explore`) dreams: the
#: measured default of ``configs/default.yaml`` (``benchmarks/things.py``), a little of mixed3 under
#: a path of channel motifs, each with a thing of five broad categories raised through a classifier.
DEFAULT_DREAM: dict[str, Any] = {
    "layers": {"mixed3": 0.2},
    "explore": {
        "seconds": 2.5,
        "crossfade": 0.5,
        "classes": ["animals", "food", "buildings", "vehicles", "instruments"],
        "class_weight": 3000.0,
    },
}
#: The keys that name what a dream raises; a dream with none of them gets :data:`DEFAULT_DREAM`.
NAMING_KEYS = ("layers", "objectives", "explore")


def names_nothing(dream: object) -> bool:
    """Whether a raw ``dream`` section (a mapping, or absent) leaves what to raise to the default."""
    return dream is None or (isinstance(dream, dict) and not any(key in dream for key in NAMING_KEYS))


def with_default_dream(dream: dict[str, Any] | None) -> dict[str, Any]:
    """A raw ``dream`` section that names nothing, with :data:`DEFAULT_DREAM` written into it (a
    copy, so that no config's edits reach the default)."""
    return {**copy.deepcopy(DEFAULT_DREAM), **(dream or {})}


def _prior_schema(schema: dict[str, Any]) -> None:
    """``prior`` in the JSON Schema: the section, or its shorthands (``prior: object``, ``prior: none``,
    ``prior: null``), which :meth:`Prior._shorthand` accepts, so that editors do not flag them."""
    presets = list(get_args(Prior.model_fields["preset"].annotation))
    schema["anyOf"] = [{"$ref": schema.pop("$ref")}, {"enum": presets}, {"type": "null"}, {"const": False}]


class Explore(Section):
    """A seeded path through what the network knows: each motif, some channels of one layer, leads
    for a few seconds, then hands over smoothly to the next (see ``explore.py``)."""

    layers: list[str] = Field(
        default_factory=lambda: ["mixed3", "mixed4", "mixed5"],
        min_length=1,
        max_length=MAX_TERMS,
        description="Layers whose channels motifs are drawn from, each equally likely; "
        "`dreamzoom layers` lists them.",
    )
    channels: int = Field(
        3,
        ge=1,
        le=MAX_CHANNELS,
        description="Channels in each motif (a group: fewer is purer, more is richer).",
    )
    seconds: float = Field(
        3.0, gt=0.0, le=3600.0, description="Seconds each motif leads, its hand-over to the next included."
    )
    crossfade: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="The part of each motif's time spent handing over to the next (smoothly); 1: always "
        "on the move, 0: a cut.",
    )
    weight: Annotated[Schedulable, Bounds(0.0, 1000.0)] = Field(
        1.0,
        description="The motif's pull, on the scale of a layer's weight in `dream.layers` (which it is "
        "added to). Schedulable: fade exploring in or out.",
    )
    classes: list[Annotated[str | int, BeforeValidator(_class_shape)]] = Field(
        default_factory=list,
        max_length=1000,
        description="ImageNet classes (names or numbers) or categories of them (`animals`, `birds`, "
        "`fish`, `insects`, `food`, `buildings`, `vehicles`, `instruments`, …) the path passes through "
        "as things: each motif "
        "also raises one, by its score before softmax at the model's classifier (the bundled SqueezeNet, "
        "InceptionV3 with `weights: imagenet`, or a saved model's `class_layer`), each once per cycle "
        "through the list in an order drawn from the seed, never twice in a row. Empty: channels only.",
    )
    pick: Literal["order", "resemblance"] = Field(
        "order",
        description="How each motif's thing is picked: `order`, each of `classes` once a cycle in a "
        "seeded order; `resemblance` (pareidolia), drawn from the classes the classifier already sees "
        "most in the frame when the hand-over to it begins (among `classes`, or all of them without a "
        "list), leaving out the last two.",
    )
    class_weight: float = Field(
        1000.0,
        ge=0.0,
        le=1e6,
        description="The things' pull beside the channels': each motif's class score (before softmax) "
        "is multiplied by this. Channels' squared activations run to thousands where class scores run "
        "to tens: on the bundled SqueezeNet, 1000 let each thing lead in its turn where 30 and 300 "
        "showed none or two of three.",
    )


class Dream(Section):
    """The dream step: gradient ascent on the chosen layers, over octaves."""

    layers: dict[str, Annotated[Schedulable, Bounds()]] = Field(
        default_factory=lambda: dict(DEFAULT_LAYERS),
        max_length=MAX_TERMS,
        description="Layers to amplify and their weights, each adding its mean squared activation "
        "(a negative weight suppresses a layer). Low layers give strokes and ornaments, high "
        "layers eyes and animals; `dreamzoom layers` lists them. Weights are schedulable (crossfade "
        "one layer into another). This default applies to a dream with no `objectives` and `explore: null`; "
        "a dream that names none of `layers`, `objectives` and `explore` gets `{mixed3: 0.2}` under "
        "the default exploration (see `explore`).",
    )
    objectives: list[Term] = Field(
        default_factory=list,
        max_length=MAX_TERMS,
        description="More terms, summed with `layers`: `{layer: mixed4, channels: [97, 120]}`, "
        "`{class: banana}`, `{guide: guide.jpg, layer: mixed3}`, each with an optional `weight`.",
    )
    explore: Explore | None = Field(
        None,
        description="Move the objective along a seeded path of motifs over time (see `dream.explore.*`), "
        "so that a long zoom keeps discovering instead of settling on one motif; with it, "
        "`layers` apply only where given. A dream that names none of `layers`, `objectives` and "
        "`explore` explores things: `layers: {mixed3: 0.2}` and `explore: {seconds: 2.5, crossfade: 0.5, "
        "classes: [animals, food, buildings, vehicles, instruments], class_weight: 3000}`, as "
        "`configs/default.yaml` does; `explore: null` turns it off.",
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
        4, description="Gradient-ascent steps per octave, for every frame after the first. Schedulable."
    )
    first_frame_steps: int | None = Field(
        None,
        ge=0,
        le=3000,
        description="Steps per octave for frame 0: from noise, which needs more work, default 3 × "
        "`steps`; from a photo or video, default `steps`, so the picture stays recognisable while "
        "the dream grows out of it.",
    )
    step_size: Annotated[Schedulable, Bounds(0.0, 1.0, low_open=True)] = Field(
        "0.003 + 0.007*smoothstep(s/3)",
        description="Mean pixel change per step (0–1 scale); the gradient is normalised. Schedulable: "
        "the default is gentle at first and at full strength after 3 s.",
    )
    octaves: Annotated[Schedulable, Bounds(1, 12, integer=True)] = Field(
        2,
        description="Scales dreamed, coarse to fine; the detail each adds is carried to the next. Schedulable.",
    )
    coarse_every: int = Field(
        1,
        ge=1,
        le=1000,
        description="Dream the coarser octaves on every Nth dreamed frame only; the others dream just "
        "the finest, since a slightly zoomed frame already holds the coarse structure. Opt-in: 2 "
        "saves about a sixth of the work at 2 octaves, and coarse shapes grow more slowly.",
    )
    octave_scale: Annotated[Schedulable, Bounds(1.0, 4.0, low_open=True)] = Field(
        1.5, description="Size ratio between successive octaves. Schedulable."
    )
    jitter: Annotated[Schedulable, Bounds(0, 4096, integer=True)] = Field(
        32,
        description="Random shift (pixels, each axis) before each step, so the dream has no fixed grid. Schedulable.",
    )

    @model_validator(mode="before")
    @classmethod
    def _measured_default(cls, data: Any) -> Any:
        """A dream that names nothing to raise gets :data:`DEFAULT_DREAM`, written into it, so that
        the resolved config (and a re-render from it) says what was dreamed."""
        return with_default_dream(data) if names_nothing(data) else data

    @model_validator(mode="after")
    def _some_objective(self) -> Dream:
        if not self.terms() and self.explore is None:
            raise ValueError("layers: give at least one layer, objective or explore")
        return self

    def terms(self) -> list[Term]:
        """Every objective term: the ``layers`` shorthand (unless only ``objectives`` were given) and ``objectives``."""
        use_layers = "layers" in self.model_fields_set or (not self.objectives and self.explore is None)
        shorthand = (
            [Term(layer=name, weight=weight) for name, weight in self.layers.items()] if use_layers else []
        )
        return shorthand + list(self.objectives)

    def classifies(self) -> bool:
        """Whether the dream needs a classifier: a class objective, or things to explore."""
        explore = self.explore
        things = explore is not None and (bool(explore.classes) or explore.pick == "resemblance")
        return things or any(term.kind == "class" for term in self.terms())


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
        0.7,
        description="Each dreamed frame's colour statistics (mean and spread in Lab) move this "
        "fraction of the way back to frame 0's; 0 turns anchoring off. Schedulable.",
    )


class Music(Section):
    """Timing for music videos: schedules can use `beat`."""

    bpm: float | None = Field(None, gt=0.0, le=1000.0, description="Tempo: `beat` counts beats (fractional).")
    offset: float = Field(0.0, description="Seconds into the video of beat 0.")


#: The rate ``audio.py`` decodes songs at (librosa's default), and the highest frequency it sees.
ANALYSIS_RATE = 22050
NYQUIST = ANALYSIS_RATE / 2
#: The narrowest band: one bin of the analysis's 2048-sample spectrum.
NARROWEST_BAND = ANALYSIS_RATE / 2048


class Smoothing(Section):
    """How fast an envelope follows the sound: a peak is reached within ``attack`` and fades over
    ``release`` (each a time constant in seconds; 0 follows at once)."""

    attack: float | None = Field(
        None, ge=0.0, le=10.0, description="Rise time constant in seconds; default `audio.attack`."
    )
    release: float | None = Field(
        None, ge=0.0, le=10.0, description="Fall time constant in seconds; default `audio.release`."
    )


def _band(default: tuple[float, float], what: str) -> Any:
    return Field(default, description=f"{what}: `[low, high]` in Hz, within 0–{NYQUIST:g}.")


class Bands(Section):
    """The frequency bands whose energies are the ``bass``, ``mid`` and ``high`` envelopes."""

    bass: tuple[float, float] = _band((20.0, 250.0), "Kick drums and bass lines")
    mid: tuple[float, float] = _band((250.0, 4000.0), "Voices, guitars, snares")
    high: tuple[float, float] = _band((4000.0, NYQUIST), "Hi-hats, cymbals, air")

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        for name in ("bass", "mid", "high"):
            low, high = getattr(self, name)
            if not 0.0 <= low < high <= NYQUIST:
                raise ValueError(f"{name}: [{low:g}, {high:g}] must rise within 0–{NYQUIST:g} Hz")
            if high - low < NARROWEST_BAND:
                raise ValueError(
                    f"{name}: [{low:g}, {high:g}] is narrower than the {NARROWEST_BAND:.1f} Hz the analysis resolves"
                )
        return self


class Audio(Section):
    """A song that drives the render and plays in the video: its beats give `beat`, and its
    envelopes (`onset`, `loudness`, `bass`, `mid`, `high`, each 0–1) can be used in any schedule."""

    path: InputPath = Field(
        description="The track: any file the bundled ffmpeg reads (MP3, WAV, FLAC, AAC, a video's sound, …)."
    )
    offset: float = Field(
        0.0, ge=0.0, le=MAX_OFFSET, description="Seconds into the track where the video starts."
    )
    bpm: float | None = Field(
        None,
        gt=0.0,
        le=1000.0,
        description="Track the beats at this tempo instead of detecting it (when detection finds half or "
        "double the tempo you hear).",
    )
    attack: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="Time constant in seconds with which an envelope rises (63 % of the way; 0: at once).",
    )
    release: float = Field(
        0.15, ge=0.0, le=10.0, description="Time constant in seconds with which an envelope falls back."
    )
    smoothing: dict[Literal[schedule.ENVELOPES], Smoothing] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        description="`attack`/`release` for single envelopes, e.g. `{loudness: {release: 0.5}}`.",
    )
    bands: Bands = Field(default_factory=Bands, description="The bands of `bass`, `mid` and `high`.")

    def smoothing_of(self, envelope: str) -> tuple[float, float]:
        """``(attack, release)`` in seconds for ``envelope``."""
        own = self.smoothing.get(envelope, Smoothing())
        return (
            self.attack if own.attack is None else own.attack,
            self.release if own.release is None else own.release,
        )


class Output(Section):
    """Where frames go."""

    path: (
        Annotated[Path, BeforeValidator(output_name), fits(VIDEO_ROOM), AfterValidator(video_file)] | None
    ) = Field(
        None,
        description="The video to write (relative to the current folder); default "
        "`renders/<config name>.mp4`. Its extension picks the format: `.mp4` (H.264), `.webm` (VP9), "
        "`.gif` (one palette, loops forever), `.mov` (ProRes 422 HQ); a folder (`frames/`, or "
        "`frames/%05d.png`) gets numbered PNGs and the song as `sound.wav`. Any other name is a "
        "one-line error.",
    )
    # ffmpeg takes the rate as a fraction with a denominator of at most 1001: 0.001 is about the least.
    fps: float = Field(24.0, ge=0.001, le=240.0, description="Frames per second of the video.")
    crf: int = Field(
        18,
        ge=0,
        le=51,
        description="H.264 constant rate factor: 0 lossless, 18 visually clean, 28 small files. A WebM "
        "uses VP9's scale, 13 higher (31 by default); GIF, ProRes and PNG ignore it.",
    )
    preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
    ] = Field("medium", description="x264 speed/size trade-off; slower presets make smaller files.")
    frames_dir: Annotated[Path, fits(FRAMES_ROOM)] | None = Field(
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
    source: Source = Field(
        default_factory=Source,
        description="Frame 0: a photo or noise, or a video; `source: photo.jpg` (or `clip.mp4`) is short "
        "for `source: {image: photo.jpg}` (or `{video: clip.mp4}`).",
    )
    model: Model = Field(default_factory=Model, description="The network.")
    dream: Dream = Field(default_factory=Dream, description="The dream step.")
    motion: Motion = Field(default_factory=Motion, description="The camera move between frames.")
    output: Output = Field(default_factory=Output, description="Video and frame files.")
    cadence: int = Field(
        DEFAULT_CADENCE,
        ge=1,
        le=32,
        description="Dream every k-th frame and fill the frames between by warping the dreamed "
        "neighbours with the known motion and blending them: k times fewer dream steps. Default 2, "
        "or 1 with a video source (each of its frames is new).",
    )
    loop: Loop | None = Field(None, description="Make the video loop seamlessly (see `loop.frames`).")
    colour: Colour = Field(default_factory=Colour, description="Colour-drift control.")
    music: Music = Field(default_factory=Music, description="Tempo for `beat` in schedules.")
    audio: Audio | None = Field(
        None,
        description="A song that sets the length, drives `beat` and the envelopes, and plays in the video.",
    )

    @model_validator(mode="before")
    @classmethod
    def _not_too_deep(cls, data: Any) -> Any:
        too_deep = _deeper_than(data, MAX_NESTING)
        if too_deep is not None:
            raise ValueError(f"{too_deep}: nested more than {MAX_NESTING} levels deep")
        return data

    @model_validator(mode="before")
    @classmethod
    def _video_cadence(cls, data: Any) -> Any:
        """A video source dreams every frame: its default cadence is 1, not :data:`DEFAULT_CADENCE`."""
        if isinstance(data, dict) and "cadence" not in data:
            source = expanded_source(data.get("source"))
            if isinstance(source, dict) and source.get("video") is not None:
                return {**data, "cadence": 1}
        return data

    @model_validator(mode="after")
    def _check(self) -> Config:
        self._verify()
        return self

    def _verify(self) -> None:
        """The checks across keys: sizes, lengths, a song's keys, and every schedule at every frame."""
        width, height = self.size
        for axis, value in (("width", width), ("height", height)):
            if not MIN_SIDE <= value <= MAX_SIDE:
                raise ValueError(f"size: {axis} {value} is outside {MIN_SIDE}–{MAX_SIDE} pixels")
            if value % 2:
                raise ValueError(
                    f"size: {axis} {value} is odd; H.264 video (yuv420p) needs even sizes, "
                    f"use {value + 1} or {value - 1}"
                )
        if self.frames is not None and self.seconds is not None:
            raise ValueError("frames/seconds: give one, not both")
        if self.audio is not None and self.music.bpm is not None:
            raise ValueError(
                "music.bpm: a config with audio counts beats from the track; fix its tempo with audio.bpm"
            )
        if self.source.video is not None and self.loop is not None:
            raise ValueError("loop: a video source ends where the video does; it cannot loop back")
        if self.source.video is not None and self.cadence > 1:
            raise ValueError("cadence: with a video source every frame is dreamed (each is a new frame)")
        if self.audio is not None and self.music.offset:
            raise ValueError("music.offset: a config with audio starts the song at audio.offset")
        if self.audio is None or self.length_given:
            self.check_timing(self.frame_count, self.time)
        else:  # a song sets the length: checked again once it is analysed (resolve.plan)
            check_schedules(self, self.frame_count, self.time)

    def check_timing(self, frames: int, time: Callable[[float], schedule.Time]) -> None:
        """The checks that need the render's length and clock: at most :data:`MAX_FRAMES` frames, a
        loop shorter than the render, every schedule in its range at every frame. Run on the config
        alone, and again by ``resolve.plan`` on a song's length and envelopes, which only it knows."""
        if frames > MAX_FRAMES:
            if self.frames is not None:
                asked = f"frames: {self.frames} is"
            elif self.seconds is not None:
                asked = f"seconds: {self.seconds:g} is"
            else:
                asked = f"audio.path: the song's {frames:,} frames are"
            raise ValueError(
                f"{asked} more than the {MAX_FRAMES:,} frames one render may have (about 11 hours at 24 fps)"
            )
        if self.loop is not None and self.loop.frames >= frames:
            raise ValueError(
                f"loop.frames: {self.loop.frames} must be fewer than the render's "
                f"{frames:,} frame{'' if frames == 1 else 's'}"
            )
        check_schedules(self, frames, time, needs_audio=self.audio is None)

    def time(self, frame: float) -> schedule.Time:
        """The moment of frame ``frame`` as the config alone knows it: its tempo's beats, no song's
        envelopes (``resolve.Plan.time`` has those)."""
        return schedule.Time.at(frame, self.output.fps, self.music.bpm, self.music.offset)

    @property
    def frame_count(self) -> int:
        """Frames the config asks for: ``frames``, else ``seconds × fps``, else 96. A song without
        either sets the length, known once it is analysed: ``resolve.Plan.frames`` is what renders."""
        if self.frames is not None:
            return self.frames
        if self.seconds is not None:
            # Capped before rounding: seconds: 1e308 overflows, and is refused as too long anyway.
            return max(1, round(min(self.seconds * self.output.fps, MAX_FRAMES + 1)))
        return 96

    @property
    def length_given(self) -> bool:
        """Whether ``frames`` or ``seconds`` sets the length (else a song's length does)."""
        return self.frames is not None or self.seconds is not None


def _deeper_than(data: Any, limit: int) -> str | None:
    """The top-level key under which ``data`` nests lists and mappings more than ``limit`` levels
    deep, or ``None``. Walked level by level without recursion, each shared (aliased) node once. It
    walks the raw data, before any of it is known to fit the schema, so not along the schema's walk."""
    level = [("the config", data)]
    for _ in range(limit + 1):
        below: dict[int, tuple[str, Any]] = {}
        for key, node in level:
            for name, child in _children(node):
                if isinstance(child, (dict, list)):
                    below.setdefault(id(child), (printable(name) if node is data else key, child))
        if not below:
            return None
        level = list(below.values())
    return level[0][0]


def _children(node: Any) -> Iterable[tuple[Any, Any]]:
    """``(key, value)`` of a mapping, ``(index, item)`` of a list, nothing for anything else."""
    if isinstance(node, dict):
        return node.items()
    return enumerate(node) if isinstance(node, list) else ()
