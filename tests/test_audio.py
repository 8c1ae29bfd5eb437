"""The song as the render's clock: beats and onsets of a click track, band envelopes of tones,
silence, smoothing, and every bad track as one line."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from dreamzoom import audio, config
from dreamzoom.errors import DreamzoomError

from .conftest import AUDIO_RATE, pcm, small_config, write_wav


@pytest.fixture(scope="module")
def clicks_analysed(clicks) -> audio.Analysis:
    return audio.analyse(clicks[0])


@pytest.mark.parametrize("fps", [24, 60])
def test_a_click_track_gives_a_beat_within_one_frame_of_every_click(clicks, clicks_analysed, fps):
    times = clicks[1]
    beats = clicks_analysed.beats
    assert len(beats) == len(times)
    assert np.abs(beats - times).max() < 1 / fps
    assert clicks_analysed.tempo == pytest.approx(120, rel=0.01)
    # `beat` counts them: a whole number at every click (to a frame), rising by one a click.
    numbers = audio.beat_numbers(beats, clicks_analysed.tempo, times)
    assert np.abs(numbers - np.arange(len(times))).max() < (1 / fps) / 0.5


def test_onsets_light_the_frame_of_each_click_and_fall_between(clicks, clicks_analysed):
    fps = 24
    onset = audio.signals(clicks_analysed, fps, 8 * fps).values["onset"]  # no smoothing
    at_clicks = np.rint(clicks[1] * fps).astype(int)
    peaks = [
        i
        for i in range(1, len(onset) - 1)
        if onset[i] > 0.3 and onset[i] >= onset[i - 1] and onset[i] > onset[i + 1]
    ]
    assert len(peaks) == len(at_clicks)
    assert np.abs(np.array(peaks) - at_clicks).max() <= 1
    between = np.ones(len(onset), bool)
    for frame in at_clicks:
        between[max(0, frame - 2) : frame + 3] = False
    assert onset[between].max() < 0.1
    assert onset[at_clicks].min() > 0.3


@pytest.mark.parametrize(("tone", "band"), [(80.0, "bass"), (1000.0, "mid"), (7000.0, "high")])
def test_a_tone_lights_its_band_alone(tmp_path, tone, band):
    t = np.arange(3 * AUDIO_RATE) / AUDIO_RATE
    path = write_wav(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * tone * t))
    envelopes = audio.analyse(path).envelopes
    steady = slice(10, -10)  # away from the ends' half windows
    assert envelopes[band][steady].min() > 0.9
    for other in {"bass", "mid", "high"} - {band}:
        assert envelopes[other][steady].max() < 0.05, other


def test_silence_gives_flat_envelopes_and_finite_beats(tmp_path):
    path = write_wav(tmp_path / "silence.wav", np.zeros(2 * AUDIO_RATE))
    analysis = audio.analyse(path)
    values = audio.signals(analysis, 24, 48, dict.fromkeys(audio.ENVELOPES, (0.1, 0.3))).values
    assert analysis.tempo == 0 and len(analysis.beats) == 0
    for name in audio.ENVELOPES:
        assert np.array_equal(values[name], np.zeros(48)), name
    assert np.isfinite(values["beat"]).all()


def test_a_track_analysed_in_blocks_is_librosas_centred_analysis_of_the_whole(clicks):
    import librosa

    y = np.concatenate(list(_decoded(clicks[0])))
    measured = audio._measure(_decoded(clicks[0], block=3000), audio.BANDS)[0]
    power = np.abs(librosa.stft(y, n_fft=2048, hop_length=512, center=True, pad_mode="constant")) ** 2
    frequencies = librosa.fft_frequencies(sr=audio.RATE, n_fft=2048)
    rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=512, center=True, pad_mode="constant")
    expected = {
        "loudness": rms[0],
        "onset": np.append(librosa.onset.onset_strength(y=y, sr=audio.RATE)[1:], 0.0),  # one hop earlier
        **{
            name: np.sqrt(power[(frequencies >= low) & (frequencies < high)].sum(axis=0))
            for name, (low, high) in audio.BANDS.items()
        },
    }
    for name, values in expected.items():
        np.testing.assert_allclose(measured[name], values, rtol=2e-3, atol=2e-3 * values.max(), err_msg=name)


def _decoded(path: Path, block: int = 1 << 20):
    from dreamzoom.ffmpeg import Soundtrack, read_sound

    return read_sound(Soundtrack(path, 0.0, None), audio.RATE, "audio.path", block)


def test_follow_rises_and_falls_with_its_time_constants():
    step = np.r_[np.ones(50), np.zeros(50)]
    followed = audio.follow(step, attack=5.0, release=10.0)
    assert followed[4] == pytest.approx(1 - math.exp(-5 / 5.0), abs=1e-9)  # five frames: 1 - 1/e
    assert followed[49 + 10] == pytest.approx(followed[49] * math.exp(-10 / 10.0), rel=1e-9)
    assert np.array_equal(audio.follow(step, 0.0, 0.0), step)


def test_a_click_between_two_frames_is_not_lost():
    times = np.arange(100) / 100.0  # measured at 100 a second
    values = np.zeros(100)
    values[37] = 1.0  # 0.37 s: between frames 8 (0.333 s) and 9 (0.375 s) at 24 fps
    sampled = audio.per_frame(values, times, 24.0, 24)
    assert sampled.max() == 1.0 and sampled.argmax() == 9


def test_beats_count_whole_numbers_and_go_on_at_the_tempo():
    beats = np.array([1.0, 1.5, 2.0, 2.5])
    numbers = audio.beat_numbers(beats, 120.0, np.array([0.0, 0.5, 1.0, 1.25, 2.5, 3.5]))
    np.testing.assert_allclose(numbers, [-2.0, -1.0, 0.0, 0.5, 3.0, 5.0])


def test_a_hit_right_at_the_offset_is_frame_0s_onset_and_beat_0(clicks):
    at_a_click = audio.analyse(clicks[0], offset=2.0, seconds=4.0)
    assert at_a_click.beats[0] == pytest.approx(0.0, abs=1 / 60)
    onset = audio.signals(at_a_click, 24, 96).values["onset"]
    assert onset[0] > 0.3, "decoded from before the offset, the hit has something to rise from"


def test_a_stretch_too_short_for_a_tempo_and_a_drifting_tempo_are_analysed(clicks, tmp_path):
    short = audio.analyse(clicks[0], offset=7.0)  # one second: two clicks
    assert short.seconds == pytest.approx(1.0, abs=1e-3)
    times = np.cumsum(60 / np.linspace(90, 150, 24)) + 0.3  # 90 BPM speeding up to 150
    track = np.zeros(int((times[-1] + 0.5) * AUDIO_RATE))
    for time in times:
        start = round(time * AUDIO_RATE)
        track[start : start + 200] += np.hanning(200)
    drifting = audio.analyse(write_wav(tmp_path / "drift.wav", track))
    assert drifting.tempo > 0 and len(drifting.beats) >= len(times) // 2


def test_an_m4a_is_analysed_in_time_with_its_wav(clicks, tmp_path):
    """AAC pads its start (priming): the analysis trims it, as the muxed video does."""
    m4a = tmp_path / "clicks.m4a"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(clicks[0]), "-c:a", "aac", str(m4a)]
    subprocess.run(command, check=True)
    for offset in (0.0, 1.25):
        encoded, wav = audio.analyse(m4a, offset=offset), audio.analyse(clicks[0], offset=offset)
        np.testing.assert_allclose(encoded.beats, wav.beats, atol=0.003)


def test_an_offset_starts_the_analysis_that_far_in(clicks):
    later = audio.analyse(clicks[0], offset=1.0, seconds=4.0)
    assert later.seconds == pytest.approx(4.0, abs=1e-3)
    inside = clicks[1][(clicks[1] >= 1.0) & (clicks[1] < 4.8)]  # the click at the offset too
    np.testing.assert_allclose(later.beats, inside - 1.0, atol=1 / 60)


# ----------------------------------------------------------------------------- bad tracks


def _video_without_sound(path: Path) -> Path:
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x64:rate=10",
    ]
    subprocess.run([*command, "-t", "1", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def _twelve_hours(path: Path) -> Path:
    """An MP3 of a second whose header (the Xing/Info frame count) says 12 hours: ffmpeg reports
    12 hours, and the track is refused before anything is decoded."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono"]
    subprocess.run([*command, "-t", "1", "-c:a", "libmp3lame", "-b:a", "8k", str(path)], check=True)
    data = bytearray(path.read_bytes())
    count = data.index(b"Info") + 8  # after the tag and its flags (frames, bytes, TOC and quality)
    data[count : count + 4] = (12 * 3600 * 8000 // 576).to_bytes(4, "big")  # 576 samples a frame
    path.write_bytes(bytes(data))
    return path


BAD_TRACKS = {
    "not audio": (lambda p: (p / "notes.mp3").write_text("not a song") and p / "notes.mp3", "cannot read"),
    "zero length": (lambda p: write_wav(p / "empty.wav", np.zeros(0)), "holds no sound"),
    "a video without sound": (lambda p: _video_without_sound(p / "silent.mp4"), "has no sound"),
    "a huge file": (
        lambda p: _twelve_hours(p / "long.mp3"),
        "plays 12 h 00 min from audio.offset, longer than the 11 h 34 min",
    ),
}


@pytest.mark.parametrize("case", BAD_TRACKS, ids=list(BAD_TRACKS))
def test_a_bad_track_is_one_line_naming_audio_path(tmp_path, case):
    make, expected = BAD_TRACKS[case]
    track = make(tmp_path)
    loaded = config.load(small_config(tmp_path, frames=None, output__fps=24, audio={"path": str(track)}))
    with pytest.raises(DreamzoomError) as caught:
        audio.song(loaded)
    assert caught.value.key == "audio.path"
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_track_is_refused_when_the_config_loads(tmp_path):
    with pytest.raises(DreamzoomError, match=r"^audio\.path: file not found: .*gone\.mp3$"):
        config.load(small_config(tmp_path, audio={"path": str(tmp_path / "gone.mp3")}))


def test_an_offset_past_the_end_names_audio_offset(clicks):
    loaded = config.load(small_config(frames=None, audio={"path": str(clicks[0]), "offset": 9.0}))
    with pytest.raises(DreamzoomError, match=r"^audio\.offset: 9 s is past the end of clicks\.wav \(8 s\)$"):
        audio.song(loaded)


def test_a_songs_analysis_is_kept_beside_it_and_measured_again_when_the_song_changes(clicks, tmp_path):
    """The second draft of a song reads its analysis from beside the song; another song under the
    same name is measured afresh, and a place that cannot hold the cache only costs the time."""
    song = write_wav(tmp_path / "song.wav", pcm(clicks[0]).astype(np.float32))
    first = audio.analyse(song)
    kept = sorted(audio.cache_folder(song).iterdir())
    assert [path.suffix for path in kept] == [".npz"]
    again = audio.analyse(song)
    assert again.tempo == first.tempo and np.array_equal(again.beats, first.beats)
    for name, values in first.envelopes.items():
        np.testing.assert_array_equal(again.envelopes[name], values)
    assert (
        audio.analyse(song, 1.0).seconds < first.seconds
        and len(list(audio.cache_folder(song).iterdir())) == 2
    )
    write_wav(song, np.zeros(4 * AUDIO_RATE, np.float32))  # another song, the same name
    assert audio.analyse(song).tempo == 0.0, "silence has no tempo: measured again, not read"
    elsewhere = write_wav(tmp_path / "b.wav", pcm(clicks[0]).astype(np.float32))
    audio.cache_folder(elsewhere).write_text("a file where the cache would go")
    assert audio.analyse(elsewhere).tempo == first.tempo
