"""The run interrupted or failing, end to end through the command line: Ctrl-C closes a playable
partial video that a resume finishes; NaN frames stop it with one line."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from .conftest import decode, finish, start, wait_for, write_config


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
    assert message[0].endswith(": dreamzoom render clip.yaml --resume")
    done = int(message[0].split()[2])
    frames = decode(partial)[1]
    assert len(frames) == done >= 4
    assert all(
        np.abs(a.astype(int) - b.astype(int)).mean() < 2 for a, b in zip(frames, reference[1], strict=False)
    )
    # Checkpoints come every 4 frames: the message says which of the frames done the checkpoint keeps.
    kept = done // 4 * 4
    assert (
        f"; the checkpoint keeps frames 0–{kept - 1}, so --resume goes on after frame {kept - 1}: "
        in message[0]
    )
    assert not (tmp_path / "out" / "clip.mp4").exists()
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert f"resuming clip.mp4 after frame {kept - 1} (the checkpoint keeps frames 0–{kept - 1})" in errors
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]


def test_a_second_ctrl_c_stops_at_once_and_still_says_how_to_resume(tmp_path, reference):
    write_config(tmp_path, dream__steps=30)  # frames slow enough for the second Ctrl-C to land mid-frame
    process = start(tmp_path)
    wait_for(process, "checkpoint: 4/12")
    process.send_signal(signal.SIGINT)
    wait_for(process, "stopping after this frame")
    process.send_signal(signal.SIGINT)
    code, errors = finish(process)
    assert code == 130, errors
    last = errors.strip().splitlines()[-1]
    assert last.startswith("stopped at once, with no partial video: the checkpoint keeps frames 0–"), errors
    assert last.endswith(": dreamzoom render clip.yaml --resume"), last
    kept = int(last.split("so --resume goes on after frame ")[1].split(":")[0]) + 1
    assert kept % 4 == 0 and kept >= 4
    assert not (tmp_path / "out" / "clip.partial.mp4").exists()
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert f"resuming clip.mp4 after frame {kept - 1} (the checkpoint keeps frames 0–{kept - 1})" in errors
    assert len(decode(tmp_path / "out" / "clip.mp4")[1]) == 12


def test_a_resumed_renders_sidecar_counts_the_whole_renders_time(tmp_path):
    import json

    from dreamzoom.checkpoint import folder_for

    from .conftest import kill_at_checkpoint

    write_config(tmp_path)
    kill_at_checkpoint(tmp_path)  # kill -9 once frames 0–3 are committed
    video = tmp_path / "out" / "clip.mp4"
    before = json.loads((folder_for(video) / "meta.json").read_text())["seconds"]
    assert before > 0, "the first session's time is kept with the checkpoint"
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    run = json.loads(video.with_suffix(".json").read_text())["run"]
    assert run["resumed_from"] == 4
    assert 0 < run["session_seconds"] < run["seconds"]
    assert run["seconds"] == pytest.approx(before + run["session_seconds"], abs=0.01)


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


def test_a_song_plays_in_the_partial_up_to_its_last_frame_and_stays_in_sync_when_resumed(tmp_path):
    from .conftest import AUDIO_RATE, IN_SYNC, bursts, lag, pcm

    bursts(tmp_path / "clicks.wav", seconds=2.0, gap=0.1)
    source = pcm(tmp_path / "clicks.wav")
    write_config(tmp_path, audio={"path": "clicks.wav"})  # 12 frames at 12 fps: the song's first second
    process = start(tmp_path)
    wait_for(process, "checkpoint: 4/12")
    process.send_signal(signal.SIGINT)
    code, errors = finish(process)
    assert code == 130, errors
    done = int(next(line for line in errors.splitlines() if line.startswith("interrupted after")).split()[2])
    partial = tmp_path / "out" / "clip.partial.mp4"
    assert len(decode(partial)[1]) == done
    heard = pcm(partial)
    assert len(heard) == pytest.approx(done / 12 * AUDIO_RATE, abs=AUDIO_RATE / 12)
    assert abs(lag(heard, source[: len(heard)])) <= IN_SYNC
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    video = tmp_path / "out" / "clip.mp4"
    assert len(decode(video)[1]) == 12
    heard = pcm(video)
    assert len(heard) == pytest.approx(AUDIO_RATE, abs=AUDIO_RATE / 12)
    assert abs(lag(heard, source[:AUDIO_RATE])) <= IN_SYNC
