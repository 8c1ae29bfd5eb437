"""Fuzzing: thousands of generated configs, command lines and broken photos each give a valid plan
or a one-line error — never a traceback."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from dreamzoom import config, source
from dreamzoom.cli import main
from dreamzoom.config import Config
from dreamzoom.errors import DreamzoomError

from .conftest import CI_EXAMPLES, SAMPLE_PHOTO


def examples(ci: int) -> int:
    """``ci`` examples under the ``ci`` profile, as many times more as the loaded profile asks (the
    ``dev`` profile: ten times as many; see ``conftest.py``)."""
    return ci * settings.default.max_examples // CI_EXAMPLES


KEYS = [key for key, _, _ in config.reference()]
NAMES = sorted(
    {part for key in KEYS for part in key.replace("[]", "").split(".")} | {"mixed3", "mixed9", "class"}
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**400, -(2**64), 1e308, 5e-324]),  # past float, past int64, the float edges
    st.text(max_size=12),
    st.sampled_from(
        [
            "0:(1.02), 10:(1.1)",
            "1 + sin(t)",
            "__import__('os')",
            "banana",
            "mixed4",
            "smooth",
            "none",
            "[1, 2]",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=8,
)


def nested(key: str, value: object) -> dict:
    result: object = value
    for part in reversed(key.replace("[]", "").split(".")):
        result = {part: result}
    assert isinstance(result, dict)
    return result


def merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


configs = st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=6).map(
    lambda pairs: merge({}, {k: v for pair in pairs for k, v in nested(*pair).items()})
) | st.dictionaries(st.text(max_size=8), values, max_size=4)


def plan_or_one_line_error(raw: object, overrides: list[tuple[str, object]] = ()) -> None:
    try:
        loaded = config.load(raw if isinstance(raw, dict) else {"value": raw}, overrides)
    except DreamzoomError as error:
        message = str(error)
        assert message and "\n" not in message and "Traceback" not in message
    else:
        assert isinstance(loaded, Config) and loaded.frame_count >= 1


@settings(max_examples=examples(2500))
@given(configs)
def test_generated_configs_load_or_fail_in_one_line(raw):
    plan_or_one_line_error(raw)


@settings(max_examples=examples(1000))
@given(st.lists(st.text(max_size=30), max_size=4))
def test_generated_set_overrides_load_or_fail_in_one_line(assignments):
    try:
        overrides = [config.parse_set(item) for item in assignments]
    except DreamzoomError as error:
        assert "\n" not in str(error)
        return
    plan_or_one_line_error({}, overrides)


COMMANDS = ["render", "validate", "preview", "sweep", "layers", "classes", "batch", "dance"]
OPTIONS = [
    "-o",
    "--set",
    "--frame",
    "--layers",
    "--channels",
    "--columns",
    "--resume",
    "--overwrite",
    "-q",
    "--all",
    "--config",
    "--from-video",
    "--bogus",
    "-h",
]


#: The exit codes each command may end a fuzzed command line with (the config never validates, so
#: nothing renders): 2, a usage error or a one-line error, for every command; 0 where the command has
#: nothing to render and the words asked for nothing wrong (``layers`` lists the default model's
#: layers, ``classes`` all 1000, ``schema`` prints or writes the schema); 1 for ``classes`` whose
#: query matches no class; 3 for ``batch``, whose summary ends with a failed render (the config's).
#: Never 130 (nothing is interrupted) nor 3 elsewhere (no render starts).
EXIT_CODES = {"layers": {0, 2}, "classes": {0, 1, 2}, "schema": {0, 2}, "batch": {2, 3}}
#: Words that ask for help: whichever command they follow may then end with 0, having printed it
#: (unless a word before them was already an error).
HELP = {"-h", "--help"}

#: Paths the operating system refuses: a null byte, a name over 255 bytes, a path over PATH_MAX.
REFUSED_PATHS = ["\x00", "clip\x00.mp4", "x" * 300, "é" * 200, "d/" * 2100]


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from([*COMMANDS, "schema"]),
    rest=st.lists(
        st.one_of(
            st.sampled_from(OPTIONS),
            st.text(min_size=1, max_size=15),
            st.sampled_from(
                ["frames=0", "size=[33,32]", "dream.steps=-1", "zzz=1", "mixed4:0-3", "-3", "x.png"]
            ),
            st.sampled_from(REFUSED_PATHS),
        ),
        max_size=5,
    ),
)
@example(command="render", rest=["-o", "\x00"])  # click's path check raised 'embedded null byte'
def test_generated_command_lines_exit_cleanly(command, rest, tmp_path_factory, capsys, monkeypatch):
    """Command lines built from real and junk words; configs are files of fuzzed YAML that never
    validate (so nothing renders), and every run ends with an exit code, not a traceback. Run in a
    folder of its own: `schema -o WORD` writes WORD."""
    folder = tmp_path_factory.mktemp("cli")
    monkeypatch.chdir(folder)
    broken = folder / "c.yaml"
    broken.write_text("size: [64, 64]\nframes: 0\n")
    argv = [command, *(str(broken) if word == "x.png" else word for word in rest)]
    if command in ("render", "validate", "preview", "sweep", "batch"):
        argv.insert(1, str(broken))
    try:
        code = main(argv)
    except SystemExit as stop:  # only --help / --version paths may exit this way
        code = stop.code
    captured = capsys.readouterr()
    allowed = EXIT_CODES.get(command, {2}) | ({0} if HELP & set(rest) else set())
    assert isinstance(code, int) and code in allowed, (argv, code, captured.err)
    assert "Traceback" not in captured.err
    errors = [line for line in captured.err.splitlines() if line.startswith("dreamzoom:")]
    assert len(errors) <= 1


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.open(SAMPLE_PHOTO).convert("RGB").resize((32, 24)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.open(SAMPLE_PHOTO).convert("RGB").resize((32, 24)).save(buffer, "JPEG")
    return buffer.getvalue()


def read_or_one_line_error(path: Path) -> None:
    try:
        frame = source.read_image(path)
    except DreamzoomError as error:
        assert str(error).startswith("source.image: ") and "\n" not in str(error)
    else:
        assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.float32
        assert np.isfinite(frame).all() and frame.min() >= 0 and frame.max() <= 1


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    original=st.sampled_from([png_bytes(), jpeg_bytes()]),
    cut=st.integers(0, 4000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=6),
)
def test_damaged_photos_decode_or_fail_in_one_line(tmp_path_factory, original, cut, flips):
    data = bytearray(original[: max(cut, 0)] if cut < len(original) else original)
    for position, value in flips:
        if position < len(data):
            data[position] = value
    path = tmp_path_factory.mktemp("photo") / "damaged.img"
    path.write_bytes(bytes(data))
    read_or_one_line_error(path)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size but holds almost no data (decoding it whole would need gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


UNREADABLE = "cannot read"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.write_bytes(b""), UNREADABLE),
        (lambda p: p.write_bytes(png_bytes()[:40]), UNREADABLE),
        (lambda p: p.write_bytes(b"GIF89a" + b"\0" * 20), UNREADABLE),
        (lambda p: Image.new("RGB", (1, 1), (255, 0, 0)).save(p, "PNG"), (1.0, 0.0, 0.0)),
        (lambda p: Image.new("CMYK", (8, 8), (0, 100, 200, 0)).save(p, "JPEG"), (1.0, 0.608, 0.216)),
        # 40000 / 65535 = 0.61036: kept at 16-bit precision, not rounded to 8-bit's 156 / 255 = 0.6118
        (lambda p: Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(p, "PNG"), (0.61036,) * 3),
        (
            lambda p: Image.new("P", (8, 8)).save(
                p, "GIF", save_all=True, append_images=[Image.new("P", (8, 8), 3)]
            ),
            (0.0, 0.0, 0.0),  # the first frame
        ),
        (lambda p: p.write_bytes(png_header_only(20000, 20000)), "too large to decode safely"),
    ],
    ids=["zero-byte", "truncated", "corrupt", "1x1", "cmyk", "16-bit", "animated", "20000x20000"],
)
def test_awkward_photos(tmp_path, make, expected):
    path = tmp_path / "photo.img"
    make(path)
    read_or_one_line_error(path)
    if isinstance(expected, str):
        with pytest.raises(DreamzoomError, match=expected):
            source.read_image(path)
    else:
        frame = source.read_image(path)
        assert np.allclose(frame.reshape(-1, 3).mean(axis=0), expected, atol=1e-3)


def test_a_huge_photo_is_refused_without_decoding_it(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(20000, 20000))
    with pytest.raises(DreamzoomError, match=r"20000×20000 \(400 MP\), too large to decode safely"):
        source.read_image(path)


def test_a_huge_jpeg_is_decoded_at_a_reduced_scale(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (12000, 9000), (200, 120, 40)).save(path, quality=70)  # 108 MP
    frame = source.read_image(path)
    assert frame.shape == (4500, 6000, 3), "decoded at half size, within the limit"
    assert np.allclose(frame[0, 0], np.array([200, 120, 40]) / 255, atol=0.03)


def test_a_one_pixel_photo_fills_the_frame(tmp_path):
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (10, 200, 30)).save(path)
    frame = source.fit(source.read_image(path), (64, 48), "cover")
    assert frame.shape == (48, 64, 3) and np.allclose(frame, np.array([10, 200, 30]) / 255, atol=0.01)


def test_yaml_bombs_are_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb + "dream: {layers: {mixed3: *i}}\n")
    with pytest.raises(DreamzoomError) as caught:
        config.load(path)
    message = str(caught.value)
    assert message.startswith("dream.layers.mixed3: ") and "\n" not in message and len(message) < 400


def test_fuzzed_yaml_text(tmp_path):
    """A few hundred fixed-seed random YAML texts: each loads or fails in one line."""
    rng = np.random.default_rng(0)
    alphabet = list("abcdefgmnorstxyz0123456789:-[]{},.\n '\"&*!|>#")
    for index in range(300):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(1, 80))))
        path = tmp_path / f"f{index}.yaml"
        path.write_text(text)
        try:
            config.load(path)
        except DreamzoomError as error:
            assert "\n" not in str(error)


# --------------------------------------------------------------------------- deep, long and edge input
# Shapes at the limits of what a parser, Python's recursion, ffmpeg or the file system take, written as
# YAML config files and checked with the real command: `dreamzoom validate` ends with exit code 0 or 2
# and, when 2, exactly one line; an exception escaping main() fails the test with its traceback.

BASE = "size: [64, 64]\nframes: 2\n"


def flow(key: str, value: str) -> str:
    """``a.b.c`` and YAML value text → ``a: {b: {c: VALUE}}``, flow style so that any text fits."""
    head, *rest = key.split(".")
    for part in reversed(rest):
        value = f"{{{part}: {value}}}"
    return f"{head}: {value}\n"


def nest(depth: int, kind: str) -> str:
    """A value nested ``depth`` levels deep: ``[[[1]]]`` or ``{a: {a: {a: 1}}}``."""
    opening, closing = {"list": ("[", "]"), "map": ("{a: ", "}")}[kind]
    return opening * depth + "1" + closing * depth


def indented(depth: int) -> str:
    """A block mapping nested ``depth`` levels deep, each level indented."""
    return "dream:\n" + "".join(f"{'  ' * level}a:\n" for level in range(1, depth)) + "  " * depth + "1\n"


KEYS_TO_NEST = ["dream", "dream.layers.mixed3", "motion.zoom", "size", "source.image", "zzz"]
SCHEDULED = [
    "motion.zoom",
    "motion.rotate",
    "dream.steps",
    "dream.step_size",
    "dream.jitter",
    "colour.strength",
]
#: Expressions and keyframes of any length n: brackets, calls and sums nested n deep, n arguments.
EXPRESSIONS = [
    lambda n: "(" * n + "t" + ")" * n,
    lambda n: "sin(" * n + "t" + ")" * n,
    lambda n: "+".join(["1"] * n),
    lambda n: "-" * n + "1",
    lambda n: "2**" * n + "2",
    lambda n: "max(" + ", ".join(["t"] * n) + ")",
    lambda n: ", ".join(f"{frame}:(1 + {frame}/1000)" for frame in range(n)),
]
#: Lists and mappings of any length n where the schema expects a few items.
LISTS = [
    lambda n: flow("dream.objectives", "[" + ", ".join(["{layer: mixed3}"] * n) + "]"),
    lambda n: flow("dream.objectives", f"[{{layer: mixed4, channels: {list(range(n))}}}]"),
    lambda n: flow("size", str([64] * n)),
    lambda n: flow("dream.layers", "{" + ", ".join(f"l{index}: 1" for index in range(n)) + "}"),
    lambda n: flow("zzz", str(list(range(n)))),
]

deep_or_long = st.one_of(
    st.builds(
        lambda key, depth, kind: flow(key, nest(depth, kind)),
        st.sampled_from(KEYS_TO_NEST),
        st.integers(1, 5000),
        st.sampled_from(["list", "map"]),
    ),
    st.integers(1, 400).map(indented),
    st.builds(
        lambda key, make, n: flow(key, json.dumps(make(n))),
        st.sampled_from(SCHEDULED),
        st.sampled_from(EXPRESSIONS),
        st.integers(1, 5000),
    ),
    st.builds(lambda make, n: make(n), st.sampled_from(LISTS), st.integers(0, 5000)),
)


def validate_cleanly(text: str, folder: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """Run ``dreamzoom validate`` on a config file holding ``text``; check the exit and its message."""
    path = folder / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code:
        assert len(err.splitlines()) == 1 and err.startswith("dreamzoom: error: "), err
    return code


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=deep_or_long)
@example(text="a: " + nest(5000, "list"))  # RecursionError in the YAML loader
@example(text=flow("motion.zoom", json.dumps("+".join(["1"] * 3000))))  # RecursionError in ast.parse
@example(text="dream: &loop {layers: *loop}\n")  # an alias that contains itself: endlessly deep
def test_deep_and_long_input_is_refused_in_one_line(text, tmp_path, capsys):
    validate_cleanly(BASE + text, tmp_path, capsys)


#: Number text at the edges: float overflow and underflow, inf and NaN, past int64, past Python's
#: 4,300-digit int conversion, and each side of the ranges ffmpeg and x264 take.
EDGE_NUMBERS = [
    *("1.0e+308", "-1.0e+308", "1.0e-308", "4.9e-324", "1.0e+400", ".inf", "-.inf", ".nan"),
    *("1" + "0" * 400, "9" * 5000, "2147483648", "18446744073709551616", "-1", "0", "-0.0", "1"),
    *("0.001", "0.0001", "240", "240.5", "51", "52", "16384", "16386", "1024", "3000", "3001"),
]
NUMBER_KEYS = [
    *("frames", "seconds", "seed", "cadence", "loop.frames", "music.bpm", "music.offset"),
    *("output.fps", "output.crf", "output.checkpoint_frames", "source.noise.scale", "source.noise.std"),
    *("dream.steps", "dream.first_frame_steps", "dream.octaves", "dream.octave_scale", "dream.tile_size"),
    *("dream.jitter", "dream.step_size", "dream.prior.sigma", "dream.prior.tv", "dream.prior.levels"),
    *("motion.zoom", "motion.rotate", "colour.strength"),
]
#: Where a config names a file, each with a slot for the path.
PATH_PLACES = [
    "source: {image: %s}",
    "model: {path: %s}",
    "model: {weights: %s}",
    "output: {path: %s}",
    "output: {frames_dir: %s}",
    "dream: {objectives: [{layer: mixed3, guide: %s}]}",
]
ODD_PATHS = [
    *('"\\0"', '"photo\\0.png"', '"a\\nb"', '""', "/", ".", "..", "/dev/null", "~nobody-at-all/x.png"),
    *("x" * 300, "x" * 250 + ".mp4", '"' + "é" * 200 + '"', "/".join(["d"] * 2100)),
]


def yaml_number(value: float) -> str:
    """A float as YAML reads it back (PyYAML needs a dot in floats, and spells inf and NaN its way)."""
    if value != value:
        return ".nan"
    if abs(value) == float("inf"):
        return ".inf" if value > 0 else "-.inf"
    return f"{value:.17e}"


edge_values = st.one_of(
    st.builds(
        flow,
        st.sampled_from(NUMBER_KEYS),
        st.one_of(st.sampled_from(EDGE_NUMBERS), st.floats().map(yaml_number), st.integers().map(str)),
    ),
    st.builds(lambda width: f"size: [{width}, 64]\n", st.sampled_from(EDGE_NUMBERS)),
    st.builds(
        lambda place, path: place % path + "\n", st.sampled_from(PATH_PLACES), st.sampled_from(ODD_PATHS)
    ),
)


@settings(max_examples=examples(80), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=edge_values)
@example(text="seconds: 1.0e+308\n")  # OverflowError turning seconds into frames
@example(text="source: {image: /}\n")  # a folder was 'file not found'
@example(text=flow("motion.zoom", "1" + "0" * 400))  # OverflowError turning it into a float
@example(text=flow("source.noise.scale", "1.0e+308"))  # OverflowError making the noise
@example(text="source: {noise: {scale: 1.0e-308}}\n")  # OverflowError (1e-20: ValueError; 0.001: 5.7 TiB)
@example(text="dream: {prior: {gradient: gaussian, sigma: 1.0e-300}}\n")  # NaN frames, blamed on step_size
def test_edge_numbers_and_odd_paths_are_checked_before_any_work(text, tmp_path, capsys):
    validate_cleanly(BASE + text, tmp_path, capsys)
