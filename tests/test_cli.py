"""The command line: commands, overrides, one-line errors and exit codes."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import yaml

from dreamzoom.cli import main

from .conftest import ROOT, dreamzoom_command, small_config


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_config(tmp_path)))
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("dreamzoom: error: ")
    return err


def frame_count(path) -> int:
    return imageio_ffmpeg.count_frames_and_secs(str(path))[0]


def test_render_with_output_and_overrides(config_file, tmp_path, capsys):
    out = tmp_path / "elsewhere" / "clip.mp4"
    assert (
        main(["render", str(config_file), "-o", str(out), "--set", "frames=2", "--set", "motion.zoom=1.1"])
        == 0
    )
    assert frame_count(out) == 2
    kilobytes = out.stat().st_size / 1e3
    assert (
        f"wrote {out} (2 frames, 0.2 s, 96×96, 12 fps, silent, {kilobytes:.0f} kB)" in capsys.readouterr().err
    )


def test_quiet_render_prints_nothing(config_file, tmp_path, capsys):
    assert main(["render", str(config_file), "--quiet", "--set", "frames=1"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert frame_count(tmp_path / "out.mp4") == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["render", "{cfg}", "--set", "dream.stepz=3"],
            "unknown key 'dream.stepz' (did you mean 'dream.steps'?)",
        ),
        (["render", "{cfg}", "--set", "size=[97, 96]"], "width 97 is odd"),
        (["render", "{cfg}", "--set", "motion.zoom"], "--set expects KEY=VALUE"),
        (["render", "{cfg}", "--set", "source.image=missing.png"], "source.image: file not found"),
        (
            ["render", "{cfg}", "--set", "dream.layers={mixed6: 1}"],
            "dream.layers.mixed6: layer 'mixed6' is above mixed5",
        ),
        (["render", "{tmp}/absent.yaml"], "config file not found"),
        (["render", "{tmp}/absent.jpg"], "INPUT: file not found: {tmp}/absent.jpg"),
        (["render", "{cfg}", "--frames", "0"], "frames: Input should be greater than or equal to 1"),
        (["validate", "{cfg}", "--set", "frames=-1"], "frames: Input should be greater than or equal to 1"),
        (["render"], "Missing argument 'INPUT'"),
        (["render", "{cfg}", "--bogus"], "No such option '--bogus'"),
        (["dance"], "No such command 'dance'"),
        (["render", "{cfg}", "--set", "audio.path=song.mp3"], "audio.path: file not found: "),
        (["render", "{cfg}", "--set", "motion.zoom=1+onset"], "motion.zoom: onset is an envelope of a song"),
        (["audio", "{cfg}"], "SONG: {cfg} has no audio section to analyse"),
        (["audio", "{cfg}", "--fps", "0"], "Invalid value for '--fps'"),
        (["audio", "{tmp}/absent.mp3"], "'{tmp}/absent.mp3' does not exist"),
        (["audio", "{tmp}"], "is a directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(argv, expected, config_file, tmp_path, capsys):
    argv = [arg.replace("{cfg}", str(config_file)).replace("{tmp}", str(tmp_path)) for arg in argv]
    assert main(argv) == 2
    assert expected.replace("{cfg}", str(config_file)).replace("{tmp}", str(tmp_path)) in one_line_error(
        capsys
    )
    assert not (tmp_path / "out.mp4").exists()


def test_validate_checks_without_rendering(config_file, tmp_path, capsys):
    assert main(["validate", str(config_file)]) == 0
    assert "ok (3 frames, 96×96)" in capsys.readouterr().out
    assert not (tmp_path / "out.mp4").exists()


def test_layers_lists_dreamable_layers_with_shapes(capsys):
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    for index in range(6):
        assert f"mixed{index}" in out
    assert "mixed3  30 × 30 × 768" in out, "shapes for the default 512×512 frame"
    assert main(["layers", "--all", "--set", "size=[128, 128]"]) == 0
    assert "conv2d_5" in capsys.readouterr().out


def test_python_dash_m_runs_the_same_cli_with_real_exit_codes(config_file):
    version = dreamzoom_command("--version", cwd=ROOT)
    assert version.returncode == 0 and "dreamzoom" in version.stdout
    bad = dreamzoom_command("render", str(config_file), "--set", "seed=-3")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "dreamzoom: error: seed: Input should be greater than or equal to 0 (got -3)"
    ]
    good = dreamzoom_command("render", str(config_file), "--set", "frames=2")
    assert good.returncode == 0, good.stderr
    assert "2/2" in good.stderr and "frame" in good.stderr, "the progress bar counts frames"


def test_classes_searches_the_shipped_names(capsys):
    assert main(["classes", "banana"]) == 0
    assert capsys.readouterr().out.strip() == "954  banana"
    assert main(["classes", "zzzz"]) == 1
    assert "no category or ImageNet class name contains 'zzzz'" in capsys.readouterr().err
    assert main(["classes"]) == 0
    listed = capsys.readouterr().out.strip().splitlines()
    categories = [line for line in listed if line.startswith("category ")]
    assert len(listed) - len(categories) == 1000 and len(categories) >= 5
    assert main(["classes", "bird"]) == 0
    found = capsys.readouterr().out.splitlines()
    assert found[0].startswith("category 'birds': ") and "  94  hummingbird" in found, "a category first"


def test_preview_writes_one_still(config_file, tmp_path):
    still = tmp_path / "still.png"
    assert main(["preview", str(config_file), "--frame", "1", "-o", str(still)]) == 0
    from PIL import Image

    assert Image.open(still).size == (96, 96)
    assert not (tmp_path / "out.mp4").exists(), "a preview writes no video"


def test_sweep_makes_a_labelled_contact_sheet(config_file, tmp_path, capsys):
    sheet = tmp_path / "sheet.png"
    argv = [
        "sweep",
        str(config_file),
        "--layers",
        "mixed0,mixed3",
        "--channels",
        "mixed4:0-1",
        "-o",
        str(sheet),
    ]
    assert main(argv) == 0
    from PIL import Image

    width, height = Image.open(sheet).size
    assert (width, height) == (2 * 96 + 3 * 4, 2 * (96 + 22) + 3 * 4), "2×2 cells with label strips"
    assert "4 cells" in capsys.readouterr().err
    assert main(["sweep", str(config_file), "--channels", "mixed4", "-o", str(sheet)]) == 2
    assert "--channels expects LAYER:CHANNELS" in one_line_error(capsys)
    assert main(["sweep", str(config_file), "--channels", "mixed4:0-9999999999", "-o", str(sheet)]) == 2
    assert one_line_error(capsys).endswith(
        "--channels: '0-9999999999' is 10,000,000,000 channels, more than the 1,024 one sheet may hold"
    )
    sheet.unlink()
    assert main(["sweep", str(config_file), "--layers", "mixed0,mixd2", "-o", str(sheet)]) == 2
    error = one_line_error(capsys)
    assert "--layers: " in error and "(did you mean 'mixed2'?)" in error and not sheet.exists()


def test_sweep_of_classes_labels_each_cell_and_checks_names_first(config_file, tmp_path, capsys):
    classifier = tmp_path / "classes.yaml"
    classifier.write_text(
        yaml.safe_dump(
            small_config(
                tmp_path, model={"name": "squeezenet"}, dream__layers=None, dream__objectives=[{"class": 1}]
            )
        )
    )
    sheet = tmp_path / "sheet.png"
    assert main(["sweep", str(classifier), "--classes", "banana, 1", "-o", str(sheet)]) == 0
    from PIL import Image

    assert Image.open(sheet).size == (2 * 96 + 3 * 4, 96 + 22 + 2 * 4), "2 cells in a row"
    assert "2 cells" in capsys.readouterr().err
    sheet.unlink()
    assert main(["sweep", str(classifier), "--classes", "banana,bananna", "-o", str(sheet)]) == 2
    error = one_line_error(capsys)
    assert "--classes: no ImageNet class is called 'bananna'" in error and not sheet.exists()
    # The bundled InceptionV3 raises classes through SqueezeNet beside it, unless told to use its own.
    own = ["--set", "model.classifier=own"]
    assert main(["sweep", str(config_file), "--classes", "banana", "-o", str(sheet), *own]) == 2
    assert "--classes: InceptionV3" in one_line_error(capsys) and not sheet.exists()
    assert main(["sweep", str(config_file), "--classes", "banana", "-o", str(sheet)]) == 0
    assert Image.open(sheet).size == (96 + 2 * 4, 96 + 22 + 2 * 4), "1 cell"


def test_the_resume_hint_repeats_the_output_and_overrides():
    from dreamzoom.cli import resume_command

    assert resume_command("clip.yaml", None, None, ()) == "dreamzoom render clip.yaml --resume"
    assert (
        resume_command("my clip.yaml", None, "out/x.mp4", ("frames=60", "dream.layers={mixed4: 2}"))
        == "dreamzoom render 'my clip.yaml' -o out/x.mp4 --set frames=60 --set 'dream.layers={mixed4: 2}' --resume"
    )
    assert resume_command(None, "old.mp4", None, ()) == "dreamzoom render --from-video old.mp4 --resume"


def test_task_resources_without_ray_are_a_usage_error(config_file, capsys):
    assert main(["batch", str(config_file), "--task-gpus", "1"]) == 2
    assert "--task-cpus and --task-gpus go with --ray" in one_line_error(capsys)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["render", "{cfg}", "-o", "\x00"], "Invalid value for '-o' / '--output': '\\x00' holds a null byte"),
        (["validate", "\x00"], "Invalid value for 'CONFIG': '\\x00' holds a null byte"),
        (["render", "--from-video", "old\x00.mp4"], "Invalid value for '--from-video': 'old\\x00.mp4' holds"),
        (["batch", "a\x00.yaml"], "Invalid value for 'CONFIGS...': 'a\\x00.yaml' holds a null byte"),
        (["batch", "{cfg}", "--output-dir", "x" * 300], "a name of 300 bytes, more than the 255"),
        (["layers", "-c", "\x00"], "Invalid value for '-c' / '--config'"),
        (["preview", "{cfg}", "-o", "é" * 150], "has a name of 300 bytes, more than the 241 that fit"),
        (["sweep", "{cfg}", "--layers", "mixed0", "-o", "d/" * 2100 + "s.png"], "bytes as a full path, more"),
        (["schema", "-o", "\x00"], "Invalid value for '-o' / '--output': '\\x00' holds a null byte"),
        (["render", "{cfg}", "-o", "x" * 240 + ".mp4"], "a name of 244 bytes, more than the 213"),
        (["render", "{cfg}", "--set", 'output.path="a\\0b.mp4"'], "output.path: 'a\\x00b.mp4' holds a null"),
        (["validate", "{cfg}", "--set", "source.image=" + "x" * 300], "source.image: '/"),
        (["validate", "{cfg}", "--set", "model.path=" + "é" * 200], "model.path: '/"),
        (["validate", "{cfg}", "--set", "output.frames_dir=" + "x" * 250], "output.frames_dir: 'xxx"),
        (["validate", "{cfg}", "--set", "source.image=/"], "source.image: / is a folder, not a file"),
        (
            ["validate", "{cfg}", "--set", "output.path=/"],
            "output.path: / is a folder: name a folder of its own",
        ),
        (["batch", ""], "Invalid value for 'CONFIGS...': an empty path names no file"),
        (["render", "{cfg}", "-o", ""], "Invalid value for '-o' / '--output': an empty path names no file"),
        (["batch", "{cfg}", "--output-dir", ""], "Invalid value for '--output-dir': an empty path"),
        (["validate", ""], "Invalid value for 'CONFIG': an empty path names no file"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_paths_the_system_refuses_are_one_line_errors(argv, expected, config_file, tmp_path, capsys):
    """Every path option and config path key: a null byte, a name over 255 bytes (less what
    dreamzoom adds for its own files), a path over PATH_MAX, a folder where a file belongs."""
    argv = [arg.replace("{cfg}", str(config_file)) for arg in argv]
    assert main(argv) == 2
    assert expected in one_line_error(capsys)
    assert not (tmp_path / "out.mp4").exists()


def test_a_config_named_too_long_for_its_default_video_is_refused(tmp_path, monkeypatch, capsys):
    settings = small_config(tmp_path)
    del settings["output"]["path"]  # the video is then renders/<config name>.mp4
    path = tmp_path / ("y" * 245 + ".yaml")
    path.write_text(yaml.safe_dump(settings))
    monkeypatch.chdir(tmp_path)
    assert main(["validate", path.name]) == 2
    error = one_line_error(capsys)
    assert error.startswith("dreamzoom: error: output.path: 'renders/yyy")
    assert error.endswith("has a name of 249 bytes, more than the 213 that fit")


@pytest.fixture
def no_dreaming(monkeypatch):
    """Fails a test that dreams a sweep cell: the checks must come before any dreaming."""

    def dream(*_args, **_kwargs):
        raise AssertionError("a cell was dreamed before every cell was checked")

    monkeypatch.setattr("dreamzoom.preview.preview", dream)


def test_sweep_checks_every_channel_before_dreaming_any(config_file, tmp_path, capsys, no_dreaming):
    sheet = tmp_path / "sheet.png"
    argv = ["sweep", str(config_file), "--channels", "mixed4:766-768", "-o", str(sheet)]
    assert main(argv) == 2
    assert one_line_error(capsys).endswith("--channels: mixed4 has channels 0–767, not 768")
    assert not sheet.exists()


def test_the_sweep_cap_counts_the_whole_sheet(config_file, tmp_path, capsys, no_dreaming):
    from dreamzoom.cli import parse_channels

    assert parse_channels("mixed4:0-1023") == ("mixed4", list(range(1024)))
    argv = ["sweep", str(config_file), "--channels", "mixed4:0-600,601-1100", "-o", str(tmp_path / "s.png")]
    assert main(argv) == 2
    assert one_line_error(capsys).endswith(
        "--channels: '0-600,601-1100' is 1,101 channels, more than the 1,024 one sheet may hold"
    )
    argv = ["sweep", str(config_file), "--layers", ",".join(["mixed0"] * 1025), "-o", str(tmp_path / "s.png")]
    assert main(argv) == 2
    assert one_line_error(capsys).endswith("1,025 cells, more than the 1,024 one sheet may hold")


def test_channels_of_a_saved_model_that_needs_large_frames(config_file, tmp_path, capsys):
    """The channel check must not probe at a fixed size: this layer has no output below 301 px."""
    from dreamzoom.backend import keras

    inputs = keras.Input((None, None, 3))
    outputs = keras.layers.Conv2D(4, 3, dilation_rate=150, name="wide")(inputs)
    keras.Model(inputs, outputs).save(tmp_path / "wide.keras")
    settings = small_config(tmp_path)
    del settings["dream"]["layers"]
    settings |= {"size": [320, 320], "model": {"path": str(tmp_path / "wide.keras")}}
    for channel, code in [(3, 0), (4, 2)]:
        settings["dream"]["objectives"] = [{"layer": "wide", "channels": [channel]}]
        config_file.write_text(yaml.safe_dump(settings))
        assert main(["validate", str(config_file)]) == code
    assert one_line_error(capsys).endswith("dream.objectives.0.channels: wide has channels 0–3, not 4")


SCHEMA = ROOT / "dreamzoom.schema.json"


def documented_keys(schema: dict) -> dict[str, tuple[str | None, str]]:
    """Every key a JSON Schema describes, following ``$ref``: dotted key → (description, default).
    What editors show, compared instead of the text, which another pydantic version may lay out
    differently."""
    found: dict[str, tuple[str | None, str]] = {}

    def walk(node: dict, prefix: str) -> None:
        for inner in [node, *node.get("anyOf", []), node.get("items") or {}]:
            if "$ref" in inner:
                walk(schema["$defs"][inner["$ref"].rsplit("/", 1)[-1]], prefix)
        for name, field in node.get("properties", {}).items():
            found[prefix + name] = (field.get("description"), json.dumps(field.get("default")))
            walk(field, f"{prefix}{name}.")

    walk(schema, "")
    return found


def test_the_shipped_schema_is_the_one_the_code_makes(tmp_path, capsys):
    from dreamzoom import config

    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == config.json_schema()
    assert main(["schema", "-o", str(tmp_path / "new" / "s.json")]) == 0, "its folder is made"
    assert (tmp_path / "new" / "s.json").read_text() == printed
    shipped = documented_keys(json.loads(SCHEMA.read_text()))
    assert shipped == documented_keys(config.json_schema()), "run: dreamzoom schema -o dreamzoom.schema.json"
    assert {"dream.objectives.class", "model.weights", "output.fps"} <= set(shipped)
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../dreamzoom.schema.json", path.name


def test_the_schema_accepts_the_shipped_configs_and_flags_mistakes():
    jsonschema = pytest.importorskip("jsonschema")
    checker = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        assert not list(checker.iter_errors(yaml.safe_load(path.read_text()))), path.name
    assert checker.is_valid({"dream": {"prior": "object", "layers": {"mixed4": "0:(1), 9:(2)"}}})
    assert not checker.is_valid({"dream": {"stpes": 3}})
    assert not checker.is_valid({"output": {"crf": 99}})


@pytest.mark.parametrize("size", ["[32,32]", "[16384,32]"])
def test_layers_at_a_size_too_small_for_them_is_one_line_naming_size(size, capsys):
    assert main(["layers", "--set", f"size={size}", "--all"]) == 2
    error = one_line_error(capsys)
    assert "size: " in error and "too small for these layers: both sides must be at least 43 px" in error


def test_audio_prints_what_a_song_will_drive_and_plots_it(tmp_path, capsys):
    from PIL import Image

    song = ROOT / "samples" / "groove.mp3"
    assert main(["audio", str(song), "-o", str(tmp_path / "plot.png"), "--fps", "30", "--seconds", "8"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "groove.mp3: 8.00 s from 0 s = 240 frames at 30 fps"
    tempo = float(lines[1].removeprefix("tempo: ").split()[0])
    assert tempo == pytest.approx(120, rel=0.005)
    assert " 15 beats, " in lines[1]  # 0.5 … 7.5 s: the first, at 0 s, is trimmed
    assert lines[2].startswith("envelopes (mean / share of frames above 0.5): onset ")
    assert err.strip() == f"wrote {tmp_path / 'plot.png'}"
    with Image.open(tmp_path / "plot.png") as plot:
        assert plot.size[0] >= 800 and plot.size[1] >= 500


def test_audio_of_a_config_uses_its_song_and_settings(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = small_config(
        tmp_path, frames=None, audio={"path": str(ROOT / "samples" / "groove.mp3"), "offset": 12}
    )
    (tmp_path / "song.yaml").write_text(yaml.safe_dump(config))
    assert main(["audio", "song.yaml"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "groove.mp3: 4.00 s from 12 s = 48 frames at 12 fps"
    assert (tmp_path / "song.envelopes.png").is_file()
    assert main(["audio", "song.yaml", "--set", "audio.offset=10", "--set", "output.fps=24"]) == 0, (
        "as render"
    )
    assert capsys.readouterr().out.splitlines()[0] == "groove.mp3: 6.00 s from 10 s = 144 frames at 24 fps"


def test_audio_of_a_file_without_sound_is_one_line_naming_the_song(tmp_path, capsys):
    (tmp_path / "notes.mp3").write_text("not a song")
    assert main(["audio", str(tmp_path / "notes.mp3")]) == 2
    assert one_line_error(capsys).startswith(
        f"dreamzoom: error: SONG: cannot read {tmp_path / 'notes.mp3'} as audio"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["render", "{cfg}", "-o", "{tmp}/x.avi"],
            (
                "x.avi' ends in .avi: name the video .mp4, .webm, .gif or .mov, or a folder for PNG frames, "
                "like {tmp}/x/"
            ),
        ),
        (
            ["render", "{cfg}", "--set", "output.path=x.mkv"],
            "output.path: 'x.mkv' ends in .mkv: name the video .mp4, .webm, .gif or .mov",
        ),
        (
            ["render", "{cfg}", "--set", "output.path=clip"],
            (
                "output.path: 'clip' has no extension: name the video .mp4, .webm, .gif or .mov, or a folder "
                "for PNG frames, like clip/"
            ),
        ),
        (
            ["render", "{cfg}", "-o", "{tmp}/frames/shot%04d.jpg"],
            "shot%04d.jpg: numbered frames are written as PNG, so name them like frames/%05d.png",
        ),
        (
            ["preview", "{cfg}", "-o", "{tmp}/still.gif"],
            "'-o' / '--output': still.gif ends in .gif: stills are written as PNG or JPEG",
        ),
        (
            ["sweep", "{cfg}", "--layers", "mixed3", "-o", "{tmp}/s.webp"],
            "s.webp ends in .webp: stills are written as PNG or JPEG",
        ),
        (
            ["inspect", "{tmp}/v.mp4", "-o", "{tmp}/sheet.pdf"],
            "sheet.pdf ends in .pdf: stills are written as PNG or JPEG",
        ),
        (
            ["preview", "{cfg}", "--set", "frames=4", "--frame", "10"],
            "--frame: there is no frame 10: the render has 4 frames, the last is frame 3",
        ),
        (
            ["preview", "{cfg}", "--set", "frames=1", "--frame", "1"],
            "--frame: there is no frame 1: the render has 1 frame, the last is frame 0",
        ),
    ],
)
def test_outputs_are_written_in_the_format_their_name_says_or_refused(
    argv, expected, config_file, tmp_path, capsys
):
    argv = [arg.replace("{cfg}", str(config_file)).replace("{tmp}", str(tmp_path)) for arg in argv]
    assert main(argv) == 2
    assert expected.replace("{tmp}", str(tmp_path)) in one_line_error(capsys)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["small.yaml"], "nothing written"


def test_a_preview_named_jpg_is_a_jpeg(config_file, tmp_path, capsys):
    from PIL import Image

    for name, kind in (("still.jpg", "JPEG"), ("still.JPEG", "JPEG"), ("still.png", "PNG")):
        assert main(["preview", str(config_file), "--frame", "2", "-o", str(tmp_path / name)]) == 0
        with Image.open(tmp_path / name) as still:
            assert (still.format, still.size, still.mode) == (kind, (96, 96), "RGB")
    with Image.open(tmp_path / "still.jpg") as jpeg, Image.open(tmp_path / "still.png") as png:
        difference = np.abs(np.asarray(jpeg, float) - np.asarray(png, float)).mean()
    assert difference < 4, "the same frame 2 (the last), lightly compressed"


def test_a_still_image_named_like_a_video_is_refused_as_not_a_video(config_file, tmp_path, capsys):
    import shutil

    disguised = shutil.copy(ROOT / "samples" / "astronaut.png", tmp_path / "png.mp4")
    argv = [
        "render",
        str(config_file),
        "--set",
        "source.image=null",
        "--set",
        f"source.video.path={disguised}",
    ]
    assert main(argv) == 2
    assert one_line_error(capsys) == (
        f"dreamzoom: error: source.video.path: {disguised} is not a video: it is a PNG image "
        "(a photo belongs in source.image)"
    )
    assert main(["inspect", str(disguised)]) == 2
    assert one_line_error(capsys) == f"dreamzoom: error: VIDEO: {disguised} is not a video: it is a PNG image"
    assert not (tmp_path / "out.mp4").exists()


# ----------------------------------------------------------------------------- render INPUT


def test_a_photo_renders_as_the_default_config_renders_it(tmp_path, monkeypatch):
    """`dreamzoom render cat.jpg` with the everyday flags makes the very frames of a config that says
    only `source.image` and the same size, length, rate and seed: the default settings, nothing else."""
    from PIL import Image

    from .conftest import decode

    monkeypatch.chdir(tmp_path)
    Image.open(ROOT / "samples" / "chelsea.png").convert("RGB").save("cat.jpg", quality=95)
    flags = ["--size", "64x48", "--frames", "3", "--fps", "6", "--seed", "5", "-y", "-q"]
    assert main(["render", "cat.jpg", *flags]) == 0
    minimal = {"source": {"image": "cat.jpg"}, "size": [64, 48], "frames": 3, "seed": 5}
    (tmp_path / "minimal.yaml").write_text(yaml.safe_dump({**minimal, "output": {"fps": 6}}))
    assert main(["render", "minimal.yaml", "-q"]) == 0
    meta, frames = decode(tmp_path / "renders" / "cat.mp4")
    _, expected = decode(tmp_path / "renders" / "minimal.mp4")
    assert (meta["size"], meta["fps"], len(frames)) == ((64, 48), 6.0, 3)
    assert all(np.array_equal(a, b) for a, b in zip(frames, expected, strict=True))


def test_a_video_or_a_song_is_the_input_of_the_render(tmp_path, monkeypatch, capsys):
    """A video becomes the source (its frames dreamed, its sound kept, its rate told in the line the
    render ends with); a song plays in a render from noise, and `--audio` adds one to a photo's."""
    import shutil

    from .conftest import decode, pcm

    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "samples" / "pan.mp4", "clip.mp4")
    shutil.copy(ROOT / "samples" / "groove.mp3", "song.mp3")
    for argv in (["clip.mp4"], ["song.mp3"], [str(ROOT / "samples" / "chelsea.png"), "--audio", "song.mp3"]):
        assert main(["render", *argv, "--size", "64x64", "--frames", "4", "-q"]) == 0
    assert main(["render", "clip.mp4", "--frames", "4", "-o", "again.mp4"]) == 0
    assert (
        f"wrote {tmp_path / 'again.mp4'} (4 frames, 0.3 s, 256×256, 12 fps, with sound"
        in capsys.readouterr().err
    )
    _, clip = decode(tmp_path / "clip.mp4")
    _, dreamed = decode(tmp_path / "renders" / "clip.mp4")
    grey = [frame.astype(float).mean(axis=2).ravel() for frame in (dreamed[0], clip[0][::4, ::4])]
    assert len(dreamed) == 4 and np.corrcoef(*grey)[0, 1] > 0.8, "frame 0 is the clip's (measured 0.996)"
    for name in ("song", "chelsea"):
        assert np.abs(pcm(tmp_path / "renders" / f"{name}.mp4")).max() > 0.05, f"{name} has the song"


def test_everyday_flags_change_what_they_name(tmp_path, monkeypatch, capsys):
    """`--layer` dreams that layer alone (other frames than the default's), `--seed` other noise; a
    size that is not WIDTHxHEIGHT is a one-line error naming --size."""
    from .conftest import decode

    monkeypatch.chdir(tmp_path)
    common = ["--size", "64x64", "--frames", "2", "-q"]
    for name, extra in (("plain", []), ("layer", ["--layer", "mixed1"]), ("seed", ["--seed", "9"])):
        assert (
            main(["render", str(ROOT / "samples" / "chelsea.png"), *common, *extra, "-o", f"{name}.mp4"]) == 0
        )
    plain, layer, seed = (
        decode(tmp_path / f"{name}.mp4")[1][-1].astype(float) for name in ("plain", "layer", "seed")
    )
    assert np.abs(plain - layer).mean() > 2 and np.abs(plain - seed).mean() > 2  # measured 7.0, 7.4
    assert main(["render", "cat.png", "--size", "big"]) == 2
    assert "--size': give WIDTHxHEIGHT, e.g. 512x512, not 'big'" in one_line_error(capsys)


def test_a_config_mistake_is_told_before_tensorflow_loads(tmp_path):
    """A mistake in the config, its paths or the flags costs a fraction of a second: the render
    checks them all before it imports the dream (and TensorFlow with it)."""
    probe = (
        "import sys; from dreamzoom.cli import main; "
        "code = main(['render', 'absent.jpg', '--size', '64x64']); "
        "print(code, 'tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.split() == ["2", "False"], result.stderr


def test_every_command_takes_its_config_the_same_way(config_file, tmp_path, capsys):
    """`layers CONFIG` as the other commands take it (its shapes follow that config's size), and a
    sweep without -o lands beside the video, as a preview does."""
    from PIL import Image

    assert main(["layers", str(config_file)]) == 0
    assert "output shapes for 96×96 frames" in capsys.readouterr().out
    assert main(["layers", str(config_file), "--config", str(config_file)]) == 2
    assert "give CONFIG or --config, not both" in one_line_error(capsys)
    assert main(["sweep", str(config_file), "--layers", "mixed0,mixed4", "--set", "frames=1"]) == 0
    with Image.open(tmp_path / "out-sweep.png") as sheet:
        assert sheet.width > 2 * 96, "two labelled cells side by side"


def test_a_dry_run_says_what_it_would_render_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """`--dry-run` names the video, its frames and size, the model, the precision and the device,
    estimates the time from the first frames, and prints the resolved config, which loads back to
    the very config the render would use. No file is written."""
    from dreamzoom import config

    monkeypatch.chdir(tmp_path)
    photo = str(ROOT / "samples" / "chelsea.png")
    flags = ["--size", "64x64", "--frames", "5", "--set", "model.precision=float32"]
    assert main(["render", photo, *flags, "--dry-run"]) == 0
    out = capsys.readouterr().out
    head, _, resolved = out.partition("config, as resolved:\n")
    assert "would write renders/chelsea.mp4: 5 frames (0.2 s at 24 fps), 64×64, 3 dreamed" in head
    assert "model: inception_v3 (bundled weights), float32 on " in head and "estimate here: about " in head
    assert config.load(yaml.safe_load(resolved)) == config.load(
        config.media_config(Path(photo)), [("size", [64, 64]), ("frames", 5), ("model.precision", "float32")]
    )
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_preview_and_validate_take_a_photo_and_the_everyday_flags(tmp_path, monkeypatch, capsys):
    """`preview cat.png --size 64x48 --frame 2` is frame 2 of `render cat.png --size 64x48`, beside
    where that video would go; its progress bar, like a render's, counts seconds a frame."""
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    photo = str(ROOT / "samples" / "chelsea.png")
    assert main(["validate", photo, "--size", "64x48", "--frames", "3"]) == 0
    assert "ok (3 frames, 64×48)" in capsys.readouterr().out
    assert main(["preview", photo, "--size", "64x48", "--frames", "3", "--frame", "2"]) == 0
    assert "s/frame]" in capsys.readouterr().err
    assert (
        main(["render", photo, "--size", "64x48", "--frames", "3", "-q", "--set", "output.frames_dir=f"]) == 0
    )
    with (
        Image.open(tmp_path / "renders" / "chelsea-frame2.png") as still,
        Image.open("f/frame_00002.png") as kept,
    ):
        assert still.size == (64, 48) and np.array_equal(np.asarray(still), np.asarray(kept))


@pytest.mark.parametrize("name", ["cat.png", "clip.mp4", "song.mp3", None])
def test_init_writes_a_config_that_renders_as_its_input_does(name, tmp_path, monkeypatch, capsys):
    """`dreamzoom init INPUT` writes a commented config that makes what `render INPUT` makes: the
    same settings, length and size (a video's and a song's own where they set them); without INPUT,
    seeded noise. It never replaces a config unless told to (-y), and makes the folder it goes in."""
    import shutil

    from dreamzoom import config

    monkeypatch.chdir(tmp_path)
    samples = {"cat.png": "chelsea.png", "clip.mp4": "pan.mp4", "song.mp3": "groove.mp3"}
    given = [name] if name else []
    if name:
        shutil.copy(ROOT / "samples" / samples[name], tmp_path / name)
    assert main(["init", *given, "-o", "my.yaml"]) == 0
    assert "wrote my.yaml" in capsys.readouterr().err
    assert (tmp_path / "my.yaml").read_text().startswith("# A dreamzoom config to edit")
    mine = config.load(tmp_path / "my.yaml")
    theirs = config.load(config.media_config(Path(name)) if name else {"output": {"path": "renders/my.mp4"}})
    assert (mine.frame_count, mine.size, mine.cadence) == (theirs.frame_count, theirs.size, theirs.cadence)
    length = {"frames", "seconds"}
    assert {k: v for k, v in config.resolved(mine).items() if k not in length} == {
        k: v for k, v in config.resolved(theirs).items() if k not in length
    }
    assert main(["init", *given, "-o", "my.yaml"]) == 2
    assert "--output: my.yaml exists: use -y to replace it" in one_line_error(capsys)
    assert main(["init", *given, "-o", "sub/my.yaml"]) == 0
    assert config.load(tmp_path / "sub" / "my.yaml").frame_count == mine.frame_count


def test_loop_makes_a_render_that_long_whose_end_leads_back_to_its_start(tmp_path, monkeypatch, capsys):
    """`--loop 1` at 12 fps: 12 frames whose last leads back into the first, where the same second
    rendered without it ends far from its start (a seam of 1 is a cut like any other). Measured on
    the AMD EPYC, seeds 0, 1, 2, 5: 1.16–1.21 with --loop, 2.60–2.74 without."""
    from dreamzoom.metrics import change, seam

    from .conftest import decode

    monkeypatch.chdir(tmp_path)
    common = [str(ROOT / "samples" / "chelsea.png"), "--size", "64x64", "--fps", "12", "-q"]
    common += ["--set", "dream.steps=2", "--set", "motion.zoom=1.05"]
    assert main(["render", *common, "--loop", "1", "-o", "loop.mp4"]) == 0
    assert main(["render", *common, "--seconds", "1", "-o", "plain.mp4"]) == 0
    seams = {}
    for name in ("loop", "plain"):
        frames = decode(tmp_path / f"{name}.mp4")[1]
        assert len(frames) == 12
        seams[name] = seam(
            [change(a, b) for a, b in itertools.pairwise(frames)], change(frames[-1], frames[0])
        )
    assert seams["loop"] < 1.5 < seams["plain"], seams
    assert main(["validate", str(ROOT / "samples" / "pan.mp4"), "--loop", "2"]) == 2
    assert "a video source ends where the video does" in one_line_error(capsys)


def test_every_command_takes_quiet_and_verbose_alike(config_file, tmp_path, capsys):
    """-q keeps only what a command is for; -v says what it did, -vv every ffmpeg command too."""
    from dreamzoom.cli import cli

    for name, command in cli.commands.items():
        flags = {flag for parameter in command.params for flag in parameter.opts}
        assert {"-q", "--quiet", "-v", "--verbose"} <= flags, name
    still = tmp_path / "still.png"
    assert main(["preview", str(config_file), "-o", str(still), "-q"]) == 0
    assert still.is_file() and capsys.readouterr().err == ""
    assert main(["classes", "goldfish", "-q"]) == 0
    assert "goldfish" in capsys.readouterr().out, "quiet keeps what the command is for"
    assert main(["render", str(config_file), "--set", "frames=2", "-q", "-vv"]) == 0
    said = capsys.readouterr().err.splitlines()
    assert said and [line for line in said if not line.startswith(("dreamzoom: ", "checkpoint: "))] == []
    assert any(line.startswith("dreamzoom: ffmpeg -f rawvideo") for line in said), said
