"""Fuzzing: thousands of generated configs, command lines and broken photos each give a valid plan
or a one-line error — never a traceback."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from dreamzoom import config, source
from dreamzoom.cli import main
from dreamzoom.config import Config
from dreamzoom.errors import DreamzoomError

from .conftest import SAMPLE_PHOTO

KEYS = [key for key, _, _ in config.reference()]
NAMES = sorted(
    {part for key in KEYS for part in key.replace("[]", "").split(".")} | {"mixed3", "mixed9", "class"}
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
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


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
def test_generated_configs_load_or_fail_in_one_line(raw):
    plan_or_one_line_error(raw)


@settings(max_examples=1000, deadline=None)
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(COMMANDS),
    rest=st.lists(
        st.one_of(
            st.sampled_from(OPTIONS),
            st.text(min_size=1, max_size=15),
            st.sampled_from(
                ["frames=0", "size=[33,32]", "dream.steps=-1", "zzz=1", "mixed4:0-3", "-3", "x.png"]
            ),
        ),
        max_size=5,
    ),
)
def test_generated_command_lines_exit_cleanly(command, rest, tmp_path_factory, capsys):
    """Command lines built from real and junk words; configs are files of fuzzed YAML that never
    validate (so nothing renders), and every run ends with an exit code, not a traceback."""
    folder = tmp_path_factory.mktemp("cli")
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
    assert isinstance(code, int) and code in (0, 1, 2, 3)
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
