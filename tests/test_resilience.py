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
