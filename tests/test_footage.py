"""A video as the source: its size, rate, length and sound are the render's unless the config says
otherwise, and bad videos are one line."""

from __future__ import annotations

import numpy as np
import pytest

from dreamzoom import config, footage
from dreamzoom.errors import DreamzoomError

from .conftest import moving_crop, small_config, write_wav


def video_config(tmp_path, **changes):
    """The small config with a video source and nothing said of size, rate, length or motion."""
    clip = moving_crop(tmp_path / "clip.mp4", frames=12, size=96, fps=12.0)
    settings = {"size": None, "frames": None, "motion": None, "source": {"video": {"path": str(clip)}}}
    raw = small_config(tmp_path, **{**settings, **changes})
    if "output__fps" not in changes:
        raw["output"].pop("fps")
    return config.load(raw)


def pinned(loaded):
    """``loaded`` pinned to its video, probed once here as ``resolve.plan`` probes it."""
    return footage.pinned(loaded, footage.footage(loaded))


def frames_of(loaded, first=0):
    return footage.frames(loaded, footage.footage(loaded), first)


def test_the_video_gives_its_size_rate_and_length_and_no_camera_move(tmp_path):
    fitted = pinned(video_config(tmp_path))
    assert fitted.size == (96, 96) and fitted.output.fps == 12.0 and fitted.frame_count == 12
    assert fitted.motion.zoom == 1.0
    assert pinned(fitted) == fitted, "pinning twice changes nothing"


def test_what_the_config_says_wins(tmp_path):
    loaded = video_config(tmp_path, size=[64, 64], frames=5, motion={"zoom": 1.01}, output__fps=6)
    fitted = pinned(loaded)
    assert (fitted.size, fitted.frame_count, fitted.output.fps, fitted.motion.zoom) == (
        (64, 64),
        5,
        6.0,
        1.01,
    )


def test_start_and_end_choose_a_stretch_and_frames_follow_it(tmp_path):
    loaded = video_config(
        tmp_path, source={"video": {"path": str(moving_crop(tmp_path / "c.mp4")), "start": 0.25, "end": 0.75}}
    )
    fitted = pinned(loaded)
    assert fitted.frame_count == 6  # half a second at 12 fps
    frames = frames_of(fitted)
    first, _, third = next(frames), next(frames), next(frames)
    whole = frames_of(pinned(video_config(tmp_path)))
    from_zero = [next(whole) for _ in range(6)]
    assert np.abs(first - from_zero[3]).mean() < 0.01 and np.abs(third - from_zero[5]).mean() < 0.01


BAD = {
    "not a video": (
        lambda p: (p / "notes.mp4").write_text("not a video") and p / "notes.mp4",
        "source.video.path: cannot read",
    ),
    "a sound file": (lambda p: write_wav(p / "song.wav", np.zeros(4410)), "source.video.path: cannot read"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_video_is_one_line(tmp_path, case):
    make, expected = BAD[case]
    loaded = config.load(small_config(tmp_path, source={"video": {"path": str(make(tmp_path))}}))
    with pytest.raises(DreamzoomError) as caught:
        pinned(loaded)
    assert str(caught.value).startswith(expected) and "\n" not in str(caught.value)


def test_a_start_past_the_end_names_the_key(tmp_path):
    loaded = video_config(
        tmp_path, source={"video": {"path": str(moving_crop(tmp_path / "c.mp4")), "start": 5}}
    )
    with pytest.raises(
        DreamzoomError, match=r"^source\.video\.start: 5 s is past the end of c\.mp4 \(1 s\)$"
    ):
        pinned(loaded)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"loop": {"frames": 4}}, "loop: a video source ends where the video does"),
        ({"cadence": 2}, "cadence: with a video source every frame is dreamed"),
        ({"source": {"video": {"path": "x.mp4", "start": 2, "end": 1}}}, "end: 1 s must come after start"),
    ],
)
def test_what_a_video_cannot_do_is_one_line(tmp_path, change, expected):
    (tmp_path / "x.mp4").write_bytes(b"")
    raw = small_config(tmp_path, source={"video": {"path": str(tmp_path / "x.mp4")}})
    raw.update(change)
    with pytest.raises(DreamzoomError, match=expected):
        config.load(raw)


def test_a_worker_given_the_resolved_config_renders_the_videos_own_settings(tmp_path):
    """Ray tasks get the resolved config: every value explicit, so it must be pinned first."""
    from dreamzoom import cluster

    loaded = video_config(tmp_path)
    shipped = config.load(cluster._shared_paths(loaded), environment=False)
    assert (shipped.size, shipped.output.fps, shipped.frame_count, shipped.motion.zoom) == (
        (96, 96),
        12.0,
        12,
        1.0,
    )


def test_a_pan_without_a_zoom_does_not_bring_back_the_default_zoom(tmp_path):
    assert pinned(video_config(tmp_path, motion={"pan": [1, 0]})).motion.zoom == 1.0


def test_past_the_videos_end_its_last_frame_holds_even_when_resumed_there(tmp_path):
    fitted = pinned(video_config(tmp_path, frames=20))
    whole = frames_of(fitted)
    frames = [next(whole) for _ in range(20)]
    assert np.array_equal(frames[11], frames[19]), "12 frames in the clip, then the last holds"
    assert np.array_equal(next(frames_of(fitted, 15)), frames[11]), "a resume past the end too"
