"""The plan: a config resolved once into what runs (a video probed, a song analysed, the precision
chosen), and what reads it (schedules, the length) reading nothing again."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from dreamzoom import config, resolve
from dreamzoom.errors import DreamzoomError

from .conftest import AUDIO_RATE, moving_crop, pcm, small_config, write_wav


def planned(raw):
    """``raw`` loaded and planned (for no machine in particular: these tests are about the song)."""
    return resolve.plan(config.load(raw), here=False)


# ----------------------------------------------------------------------------- a song's length and envelopes


def test_the_song_sets_the_length_unless_frames_or_seconds_do(clicks):
    song = {"path": str(clicks[0])}
    assert planned(small_config(frames=None, audio=song)).frames == 8 * 12
    assert planned(small_config(frames=None, seconds=2.0, audio=song)).frames == 24
    assert planned(small_config(frames=30, audio={**song, "offset": 2.0})).frames == 30
    assert planned(small_config(frames=None, audio={**song, "offset": 2.0})).frames == 72


def test_schedules_read_the_envelopes_at_each_frame(clicks):
    loaded = config.load(
        small_config(
            frames=None, audio={"path": str(clicks[0]), "release": 0.0}, motion={"zoom": "1 + 0.1*onset"}
        )
    )
    timed = resolve.plan(loaded, here=False)
    onset = timed.signals.values["onset"]
    zooms = [timed.value(timed.config.motion.zoom, frame) for frame in range(timed.frames)]
    np.testing.assert_allclose(zooms, 1 + 0.1 * onset)
    assert timed.time(6).beat == pytest.approx(0.0, abs=0.15)  # the first click, at 0.5 s, is beat 0


def test_a_loop_is_checked_against_the_songs_length(clicks):
    song = {"path": str(clicks[0])}
    fits = planned(small_config(frames=None, audio=song, loop={"frames": 90}))
    assert fits.frames == 96
    too_long = config.load(small_config(frames=None, audio={**song, "offset": 6.0}, loop={"frames": 90}))
    expected = (
        r"^loop\.frames: 90 must be fewer than the render's 24 frames \(measured on clicks\.wav: 24 frames\)$"
    )
    with pytest.raises(DreamzoomError, match=expected):
        resolve.plan(too_long, here=False)


def test_a_schedule_out_of_range_on_the_real_envelopes_is_one_line(clicks):
    loaded = config.load(
        small_config(frames=None, audio={"path": str(clicks[0])}, motion={"zoom": "1.05 - onset"})
    )
    with pytest.raises(
        DreamzoomError,
        match=r"^motion\.zoom: must be ≥ 0\.1, but is -?[\d.]+ at frame \d+ \(measured on clicks\.wav: 96 frames\)$",
    ):
        resolve.plan(loaded, here=False)


def test_a_draft_hears_the_song_as_the_whole_render_does(clicks, tmp_path):
    """A draft's few frames are measured within the whole song: the tempo, the beats and the
    envelopes (normalised over the whole, here louder in its second half) are the full render's,
    not those of a stretch holding one click (an 8-frame draft of `song.yaml` read 287 BPM)."""
    heard = pcm(clicks[0])
    rising = heard * np.where(np.arange(len(heard)) < 4 * AUDIO_RATE, 0.5, 1.0)
    song = {"path": str(write_wav(tmp_path / "rising.wav", rising.astype(np.float32)))}
    full, draft = planned(small_config(frames=None, audio=song)), planned(small_config(frames=9, audio=song))
    assert full.song is not None and draft.song is not None  # the draft: 0.75 s at 12 fps
    whole, part = full.song.analysis, draft.song.analysis
    assert part.tempo == whole.tempo == pytest.approx(120.0, abs=1.0)
    np.testing.assert_array_equal(part.heard_beats, whole.beats[whole.beats < 0.75])
    for name in ("loudness", "onset", "beat"):
        np.testing.assert_allclose(draft.signals.values[name], full.signals.values[name][:9], atol=1e-9)
    assert draft.signals.values["loudness"].max() < 0.7, "the louder half sets the scale"


# ----------------------------------------------------------------------------- looked up once


@pytest.fixture
def counted(monkeypatch):
    """How many times each command analyses a song and probes a video: the real functions, counted."""
    from dreamzoom import audio, footage

    calls = {"analyses": 0, "probes": 0}

    def spy(name, real):
        def counting(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return counting

    monkeypatch.setattr(audio, "analyse", spy("analyses", audio.analyse))
    monkeypatch.setattr(footage, "probe_video", spy("probes", footage.probe_video))
    return calls


def test_a_render_analyses_its_song_once(tmp_path, clicks, counted):
    from dreamzoom import renderer

    loaded = config.load(
        small_config(tmp_path, size=[64, 64], frames=None, seconds=0.25, audio={"path": str(clicks[0])})
    )
    report = renderer.run(loaded, progress=False)
    assert report.frames == 3 and counted == {"analyses": 1, "probes": 0}


def test_a_render_of_a_video_probes_it_once(tmp_path, counted):
    from dreamzoom import renderer

    clip = moving_crop(tmp_path / "clip.mp4", frames=12, size=96, fps=12.0)
    raw = small_config(tmp_path, size=None, frames=3, motion=None, source={"video": {"path": str(clip)}})
    report = renderer.run(config.load(raw), progress=False)
    assert report.frames == 3 and counted == {"analyses": 0, "probes": 1}


def test_a_sweep_analyses_the_song_once_for_the_whole_sheet(tmp_path, clicks, counted):
    from dreamzoom import preview

    loaded = config.load(small_config(tmp_path, size=[64, 64], frames=None, audio={"path": str(clicks[0])}))
    cells = [(layer, config.Term(layer=layer)) for layer in ("mixed2", "mixed3", "mixed4")]
    stills = preview.sweep(loaded, cells)
    assert len(stills) == 3 and counted["analyses"] == 1
    assert not np.array_equal(stills[0][1], stills[2][1]), "each cell dreams its own layer"


def test_a_preview_and_a_batch_analyse_once_each(tmp_path, clicks, counted):
    from dreamzoom import batch, preview

    song = {"path": str(clicks[0])}
    loaded = config.load(small_config(tmp_path, size=[64, 64], frames=None, seconds=0.25, audio=song))
    assert preview.preview(loaded, 2).shape == (64, 64, 3) and counted["analyses"] == 1
    for name in ("a", "b"):
        raw = small_config(tmp_path / name, size=[64, 64], frames=None, seconds=0.25, audio=song)
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(raw))
    outcomes = batch.run_batch(
        [tmp_path / "a.yaml", tmp_path / "b.yaml"], progress=False, notify=lambda _: None
    )
    assert [outcome.status for outcome in outcomes] == ["done", "done"] and counted["analyses"] == 3


def test_the_plan_is_frozen_and_the_config_carries_no_song(clicks):
    made = planned(small_config(frames=None, audio={"path": str(clicks[0])}))
    with pytest.raises(AttributeError):
        made.frames = 1  # type: ignore[misc]
    assert made.frames == 96 and made.config.frame_count == 96 and not hasattr(made.config, "signals")
    assert made.precision == "auto" and made.device == "each worker's", "a plan for elsewhere leaves auto"


def test_a_plan_here_makes_auto_explicit_and_keeps_a_checkpoints_precision():
    loaded = config.load(small_config())
    here = resolve.plan(loaded)
    assert here.config.model.precision == here.precision and here.precision in {"float32", "bfloat16"}
    resumed = resolve.plan(loaded, kept_precision="float16")
    assert resumed.config.model.precision == resumed.precision == "float16"


def test_validate_and_a_dry_run_analyse_once_each(tmp_path, clicks, counted, capsys):
    from dreamzoom.cli import main

    raw = small_config(tmp_path, size=[64, 64], frames=None, audio={"path": str(clicks[0])})
    (tmp_path / "song.yaml").write_text(yaml.safe_dump(raw))
    assert main(["validate", str(tmp_path / "song.yaml")]) == 0
    assert capsys.readouterr().out.endswith("ok (96 frames, 64×64)\n") and counted["analyses"] == 1
    assert main(["render", str(tmp_path / "song.yaml"), "--dry-run"]) == 0
    assert "96 frames (8.0 s at 12 fps)" in capsys.readouterr().out and counted["analyses"] == 2
