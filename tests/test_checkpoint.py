"""Checkpoints: a render killed at any checkpoint resumes to the same video, byte for byte; a changed
config is not resumed; a failed commit leaves the last checkpoint whole; a finished render says so."""

from __future__ import annotations

import json
import resource

import pytest
import yaml

from dreamzoom.checkpoint import folder_for
from dreamzoom.cli import main

from .conftest import finish, kill_at_checkpoint, small_config, start, write_config


@pytest.mark.parametrize("checkpoint", ["4/12", "8/12"])
def test_kill_9_then_resume_gives_the_same_video(tmp_path, reference, checkpoint):
    write_config(tmp_path)
    kill_at_checkpoint(tmp_path, checkpoint=checkpoint)
    video = tmp_path / "out" / "clip.mp4"
    assert not video.exists(), "nothing at the output path until the video is complete"
    code, errors = finish(start(tmp_path))
    assert code == 2 and "add --resume to continue" in errors, "a checkpoint is never silently overwritten"
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    done = int(checkpoint.split("/")[0])
    assert f"resuming clip.mp4 after frame {done - 1}" in errors, "went on from the checkpoint"
    assert video.read_bytes() == reference[0], "byte for byte the uninterrupted render"
    assert not folder_for(video).exists(), "the checkpoint is cleaned up"


def test_an_interrupted_overwrite_resumes_while_the_old_video_stays(tmp_path, reference):
    write_config(tmp_path)
    video = tmp_path / "out" / "clip.mp4"
    video.parent.mkdir()
    video.write_bytes(b"last night's video")
    kill_at_checkpoint(tmp_path, "--overwrite")
    assert video.read_bytes() == b"last night's video", "replaced only when the new one is complete"
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert "resuming clip.mp4 after frame 3" in errors
    assert video.read_bytes() == reference[0]


def test_a_changed_config_is_not_resumed(tmp_path):
    write_config(tmp_path)
    kill_at_checkpoint(tmp_path)
    write_config(tmp_path, dream__steps=3, motion__zoom=1.05)
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 2
    line = errors.strip().splitlines()[-1]
    assert line.startswith(
        "dreamzoom: error: cannot resume clip.mp4: the config changed since the checkpoint"
    )
    assert "dream.steps: 2 → 3" in line and "motion.zoom: 1.04 → 1.05" in line
    code, errors = finish(start(tmp_path, "--overwrite"))
    assert code == 0, errors


def test_a_file_size_limit_mid_render_is_one_line_and_keeps_the_checkpoint(tmp_path, reference):
    """A real kernel limit on file size (like a full disk) hit part-way through the render."""
    write_config(tmp_path)
    limit = 150_000  # more than a 4-frame segment (~22 kB), less than a saved state (~220 kB)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = start(tmp_path, preexec_fn=limited)
    code, errors = finish(process)
    assert code == 3, errors
    said = ("dreamzoom: model:",)  # what -v asks for: the networks built
    lines = [line for line in errors.splitlines() if line.strip() and not line.startswith(said)]
    assert len(lines) == 1 and lines[0].startswith("dreamzoom: render failed: ")
    assert "too large" in lines[0] or "ffmpeg" in lines[0]
    folder = folder_for(tmp_path / "out" / "clip.mp4")
    meta = json.loads((folder / "meta.json").read_text())
    assert (folder / "segment_00000.mp4").exists(), "the render got as far as its first checkpoint"
    assert meta["done"] == 0 and meta["segments"] == [], "whose failed commit left nothing half-committed"
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]


def test_resume_of_a_finished_render_says_so_and_exits_0(tmp_path, capsys):
    """A script that re-runs its command after a crash must not fail on the renders that finished;
    a finished video from another config stays an error that names the way out."""
    config = tmp_path / "small.yaml"
    config.write_text(yaml.safe_dump(small_config(tmp_path)))
    video = tmp_path / "out.mp4"
    assert main(["render", str(config), "-q"]) == 0
    made, modified = video.read_bytes(), video.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["render", str(config), "--resume"]) == 0
    assert capsys.readouterr().err == f"{video} is already finished (3 frames): nothing to resume\n"
    assert video.read_bytes() == made and video.stat().st_mtime_ns == modified, "nothing was rendered"
    assert main(["render", str(config), "--resume", "--set", "dream.steps=3"]) == 2
    assert capsys.readouterr().err == (
        f"dreamzoom: error: output.path: {video} is finished, but from another config (dream.steps: 2 → 3): "
        "use --overwrite to render it again, or -o for a new video\n"
    )
    stranger = tmp_path / "stranger.mp4"
    stranger.write_bytes(b"not made by dreamzoom")
    assert main(["render", str(config), "--resume", "-o", str(stranger)]) == 2
    assert capsys.readouterr().err.endswith(f"{stranger} exists: use --overwrite to replace it\n")


def test_a_dreamed_video_killed_and_resumed_is_the_uninterrupted_one(tmp_path):
    """The input position is part of the state: a resume picks up the video where it stopped, with
    the camera move layered on top carried on too."""
    from .conftest import moving_crop

    clip = moving_crop(tmp_path / "clip.mp4", frames=12, size=96, fps=12.0)
    video = {"source": {"video": {"path": str(clip)}}}
    for name in ("whole", "killed"):
        (tmp_path / name).mkdir()
        write_config(tmp_path / name, **video)
    code, errors = finish(start(tmp_path / "whole"))
    assert code == 0, errors
    kill_at_checkpoint(tmp_path / "killed")
    code, errors = finish(start(tmp_path / "killed", "--resume"))
    assert code == 0, errors
    whole, resumed = (tmp_path / name / "out" / "clip.mp4" for name in ("whole", "killed"))
    assert resumed.read_bytes() == whole.read_bytes()
