"""The command line: commands, overrides, one-line errors and exit codes."""

from __future__ import annotations

import subprocess
import sys

import imageio_ffmpeg
import pytest
import yaml

from dreamzoom.cli import main

from .conftest import ROOT, small_config


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
    assert f"wrote {out} (2 frames, 96×96, 12 fps)" in capsys.readouterr().err


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
        (["validate", "{cfg}", "--set", "frames=-1"], "frames: Input should be greater than or equal to 1"),
        (["render"], "Missing argument 'CONFIG'"),
        (["render", "{cfg}", "--bogus"], "No such option '--bogus'"),
        (["dance"], "No such command 'dance'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(argv, expected, config_file, tmp_path, capsys):
    argv = [arg.replace("{cfg}", str(config_file)).replace("{tmp}", str(tmp_path)) for arg in argv]
    assert main(argv) == 2
    assert expected in one_line_error(capsys)
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
    run = [sys.executable, "-m", "dreamzoom"]
    version = subprocess.run([*run, "--version"], check=False, capture_output=True, text=True, cwd=ROOT)
    assert version.returncode == 0 and "dreamzoom" in version.stdout
    bad = subprocess.run(
        [*run, "render", str(config_file), "--set", "seed=-3"], check=False, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "dreamzoom: error: seed: Input should be greater than or equal to 0 (got -3)"
    ]
    good = subprocess.run(
        [*run, "render", str(config_file), "--set", "frames=2"], check=False, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    assert "2/2" in good.stderr and "frame" in good.stderr, "the progress bar counts frames"


def test_classes_searches_the_shipped_names(capsys):
    assert main(["classes", "banana"]) == 0
    assert capsys.readouterr().out.strip() == "954  banana"
    assert main(["classes", "zzzz"]) == 1
    assert main(["classes"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1000


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
        "--channels: 0-9999999999 is more than 1024 channels for one sheet"
    )
    sheet.unlink()
    assert main(["sweep", str(config_file), "--layers", "mixed0,mixd2", "-o", str(sheet)]) == 2
    error = one_line_error(capsys)
    assert "--layers: " in error and "(did you mean 'mixed2'?)" in error and not sheet.exists()


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
