"""Overnight renders: exact resume after kill -9 and Ctrl-C, no broken files, clear failures,
provenance, telemetry and batches."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from dreamzoom import batch, models, provenance
from dreamzoom.checkpoint import folder_for

from .conftest import SAMPLE_PHOTO
from .test_render import decode

CONFIG = {
    "size": [96, 96],
    "frames": 12,
    "seed": 5,
    "source": {"image": str(SAMPLE_PHOTO)},
    "dream": {"steps": 2, "first_frame_steps": 3, "octaves": 1},
    "motion": {"zoom": 1.04, "rotate": 1.0},
    "output": {"path": "out/clip.mp4", "fps": 12, "crf": 12, "preset": "ultrafast", "checkpoint_frames": 4},
}


def write_config(folder: Path, **changes) -> Path:
    config = json.loads(json.dumps(CONFIG))
    for key, value in changes.items():
        section, _, name = key.partition(".")
        if name:
            config[section][name] = value
        else:
            config[key] = value
    path = folder / "clip.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def start(folder: Path, *arguments: str, **popen) -> subprocess.Popen[str]:
    """``dreamzoom render clip.yaml -q -v ARGUMENTS`` in ``folder``, stderr readable line by line."""
    return subprocess.Popen(
        [sys.executable, "-m", "dreamzoom", "render", "clip.yaml", "-q", "-v", *arguments],
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
    _, rest = process.communicate()
    return process.returncode, rest


@pytest.fixture(scope="module")
def reference_folder(tmp_path_factory) -> Path:
    """The folder of an uninterrupted render of CONFIG (``out/clip.mp4`` and what lies beside it)."""
    folder = tmp_path_factory.mktemp("reference")
    write_config(folder)
    code, errors = finish(start(folder))
    assert code == 0, errors
    return folder


@pytest.fixture(scope="module")
def reference(reference_folder) -> tuple[bytes, list[np.ndarray]]:
    """The uninterrupted render's bytes and decoded frames."""
    video = reference_folder / "out" / "clip.mp4"
    return video.read_bytes(), decode(video)[1]


@pytest.mark.parametrize("checkpoint", ["4/12", "8/12"])
def test_kill_9_then_resume_gives_the_same_video(tmp_path, reference, checkpoint):
    write_config(tmp_path)
    process = start(tmp_path)
    wait_for(process, f"checkpoint: {checkpoint}")
    process.send_signal(signal.SIGKILL)
    process.wait()
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


def test_ctrl_c_closes_a_playable_partial_video_and_resume_finishes_it(tmp_path, reference):
    write_config(tmp_path)
    process = start(tmp_path)
    wait_for(process, "checkpoint: 4/12")
    process.send_signal(signal.SIGINT)
    code, errors = finish(process)
    assert code == 130, errors
    partial = tmp_path / "out" / "clip.partial.mp4"
    message = [line for line in errors.splitlines() if line.startswith("interrupted after")]
    assert message and f"what is done plays in {partial.relative_to(tmp_path)}" in message[0]
    assert "dreamzoom render clip.yaml --resume" in message[0]
    done = int(message[0].split()[2])
    frames = decode(partial)[1]
    assert len(frames) == done >= 4
    assert all(
        np.abs(a.astype(int) - b.astype(int)).mean() < 2 for a, b in zip(frames, reference[1], strict=False)
    )
    assert not (tmp_path / "out" / "clip.mp4").exists()
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert "resuming clip.mp4 after frame" in errors, "went on from the checkpoint"
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]


def test_an_interrupted_overwrite_resumes_while_the_old_video_stays(tmp_path, reference):
    write_config(tmp_path)
    video = tmp_path / "out" / "clip.mp4"
    video.parent.mkdir()
    video.write_bytes(b"last night's video")
    process = start(tmp_path, "--overwrite")
    wait_for(process, "checkpoint: 4/12")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert video.read_bytes() == b"last night's video", "replaced only when the new one is complete"
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert "resuming clip.mp4 after frame 3" in errors
    assert video.read_bytes() == reference[0]


def test_a_changed_config_is_not_resumed(tmp_path):
    write_config(tmp_path)
    process = start(tmp_path)
    wait_for(process, "checkpoint: 4/12")
    process.send_signal(signal.SIGKILL)
    process.wait()
    write_config(tmp_path, **{"dream.steps": 3, "motion.zoom": 1.05})
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
    lines = [line for line in errors.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("dreamzoom: render failed: ")
    assert "too large" in lines[0] or "ffmpeg" in lines[0]
    folder = folder_for(tmp_path / "out" / "clip.mp4")
    meta = json.loads((folder / "meta.json").read_text())
    assert (folder / "segment_00000.mp4").exists(), "the render got as far as its first checkpoint"
    assert meta["done"] == 0 and meta["segments"] == [], "whose failed commit left nothing half-committed"
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]


def test_ffmpeg_dying_mid_render_is_one_line_and_resumable(tmp_path, reference):
    write_config(tmp_path)
    process = start(tmp_path)
    wait_for(process, "checkpoint: 4/12")
    tasks = Path(f"/proc/{process.pid}/task")
    if not tasks.exists():
        pytest.skip("needs Linux /proc to find the ffmpeg process")
    children = [pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()]
    encoders = [pid for pid in children if b"ffmpeg" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert encoders, "the next segment's encoder is already running"
    for pid in encoders:
        os.kill(int(pid), signal.SIGKILL)
    code, errors = finish(process)
    assert code == 3, errors
    failure = [line for line in errors.splitlines() if line.startswith("dreamzoom: render failed")]
    assert len(failure) == 1 and "ffmpeg" in failure[0]
    assert not (tmp_path / "out" / "clip.mp4").exists()
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert "resuming clip.mp4 after frame 3" in errors, "went on from the first checkpoint"
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]


def test_nan_frames_stop_the_render_with_one_line(tmp_path):
    from dreamzoom.backend import keras

    inputs = keras.Input((None, None, 3))
    hot = keras.layers.Conv2D(4, 3, kernel_initializer=keras.initializers.Constant(500.0), name="hot")(inputs)
    keras.Model(inputs, keras.layers.Activation("exponential", name="overflow")(hot)).save(
        tmp_path / "hot.keras"
    )
    write_config(
        tmp_path,
        model={"path": str(tmp_path / "hot.keras")},
        dream={"layers": {"overflow": 1.0}, "steps": 1, "octaves": 1},
    )
    code, errors = finish(start(tmp_path))
    assert code == 3
    line = [row for row in errors.splitlines() if row.strip()][-1]
    assert line.startswith("dreamzoom: render failed: frame 0 has NaN or infinite values")
    assert "--resume" not in line, "the same config would fail the same way: no advice to resume it"


def test_provenance_in_the_video_and_beside_it_renders_the_same_again(tmp_path, reference_folder, reference):
    video = reference_folder / "out" / "clip.mp4"
    stored = provenance.read(video)
    assert stored["seed"] == 5 and stored["config"]["dream"]["steps"] == 2
    assert set(stored["versions"]) >= {"dreamzoom", "tensorflow", "keras"}
    used = models.resolve_precision("auto")  # CONFIG leaves model.precision at auto
    assert stored["config"]["model"]["precision"] == used, "the precision used, so --from-video uses it"
    assert stored["runtime"] == provenance.runtime(used)
    assert stored["runtime"]["device"] and set(stored["runtime"]["cpu_flags"]) <= models.PRECISION_FLAGS
    sidecar = json.loads((reference_folder / "out" / "clip.json").read_text())
    assert sidecar["config"] == stored["config"] and sidecar["run"]["frames"] == 12
    assert sidecar["runtime"] == stored["runtime"]
    copy = tmp_path / "old.mp4"
    copy.write_bytes(video.read_bytes())  # the video alone, without its sidecar
    again = subprocess.run(
        [sys.executable, "-m", "dreamzoom", "render", "--from-video", "old.mp4", "-q"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert [f.tobytes() for f in decode(tmp_path / "old-again.mp4")[1]] == [f.tobytes() for f in reference[1]]
    assert provenance.read(tmp_path / "old-again.mp4")["runtime"] == stored["runtime"]


def test_telemetry_has_a_row_per_frame(reference_folder):
    rows = (reference_folder / "out" / "clip.frames.csv").read_text().splitlines()
    assert rows[0] == "frame,dreamed,objective,seconds,luminance,saturation,high_frequency"
    assert len(rows) == 13
    first = dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert first["dreamed"] == "1" and float(first["objective"]) > 0 and 0 < float(first["luminance"]) < 100


def test_batch_goes_on_after_a_failure_and_summarises(tmp_path, capsys):
    folder = tmp_path / "configs"
    folder.mkdir()
    good = {**CONFIG, "frames": 2, "output": {**CONFIG["output"], "path": str(tmp_path / "good.mp4")}}
    (folder / "a_good.yaml").write_text(yaml.safe_dump(good))
    (folder / "b_bad.yaml").write_text("dream: {stpes: 3}\n")
    (folder / "c_good.yaml").write_text(
        yaml.safe_dump({**good, "output": {**good["output"], "path": str(tmp_path / "other.mp4")}})
    )
    outcomes = batch.run_batch([folder], progress=False, notify=lambda line: None)
    assert [o.status for o in outcomes] == ["done", "failed", "done"]
    assert "unknown key 'dream.stpes'" in outcomes[1].detail
    assert batch.exit_code(outcomes) == 3
    again = batch.run_batch([folder / "a_good.yaml"], progress=False, notify=lambda line: None)
    assert again[0].status == "skipped" and batch.exit_code(again) == 0
    summary = batch.table(outcomes)
    assert "2 of 3 succeeded" in summary and "b_bad.yaml" in summary

    from dreamzoom.cli import main

    assert main(["batch", str(folder), "-q"]) == 3
    out = capsys.readouterr().out
    assert "skipped" in out and "failed" in out


def test_two_configs_of_a_batch_may_not_share_a_video(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.yaml").write_text(yaml.safe_dump({**CONFIG, "frames": 2}))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.mp4").write_bytes(b"finished earlier")  # so a/x.yaml is skipped, not rendered
    outcomes = batch.run_batch(
        [tmp_path / "a" / "x.yaml", tmp_path / "b" / "x.yaml"],
        output_dir=tmp_path / "out",
        progress=False,
        notify=lambda line: None,
    )
    assert [o.status for o in outcomes] == ["skipped", "failed"]
    assert outcomes[1].detail == (
        f"output.path: {tmp_path.resolve() / 'out' / 'x.mp4'} is also the video of "
        f"{tmp_path / 'a' / 'x.yaml'}: give each its own"
    )
    assert (tmp_path / "out" / "x.mp4").read_bytes() == b"finished earlier"


def test_batch_resumes_an_interrupted_render(tmp_path, reference):
    write_config(tmp_path)
    process = start(tmp_path)
    wait_for(process, "checkpoint: 4/12")
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = subprocess.run(
        [sys.executable, "-m", "dreamzoom", "batch", "clip.yaml", "-q"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "resumed" in result.stdout
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]


def test_resume_of_a_finished_render_says_so_and_exits_0(tmp_path, capsys):
    """A script that re-runs its command after a crash must not fail on the renders that finished;
    a finished video from another config stays an error that names the way out."""
    from dreamzoom.cli import main

    from .conftest import small_config

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
