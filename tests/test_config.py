"""The config schema: defaults, ranges, conflicts, objective terms and limits (loading, paths and
error wording have files of their own: test_config_*.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dreamzoom import config

from .conftest import ROOT, SAMPLE_PHOTO, error_of


def test_defaults_render_smooth_noise_to_renders_folder():
    settings = config.load({})
    assert settings.size == (512, 512)
    assert settings.frame_count == 96
    assert settings.source.noise is not None and settings.source.noise.kind == "smooth"
    assert settings.model.weights == "bundled"
    assert settings.dream.layers == {"mixed3": 0.2}, "a dream that names nothing explores things"
    assert settings.dream.explore is not None and "animals" in settings.dream.explore.classes
    assert settings.dream.first_frame_steps is None and settings.dream.steps == 4
    assert settings.cadence == 2 and settings.colour.strength == 0.7
    assert settings.output.path == Path("renders/dreamzoom.mp4")


def test_seconds_become_frames_at_the_output_rate():
    assert config.load({"seconds": 2.5, "output": {"fps": 30}}).frame_count == 75
    assert config.load({"frames": 7}).frame_count == 7


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"frames": 0}, "frames: Input should be greater than or equal to 1 (got 0)"),
        ({"dream": {"octave_scale": 1.0}}, "dream.octave_scale"),
        ({"dream": {"step_size": -0.1}}, "dream.step_size"),
        ({"output": {"crf": 60}}, "output.crf"),
        ({"motion": {"zoom": 0}}, "motion.zoom"),
        ({"size": [16, 16]}, "outside 32–16384"),
    ],
)
def test_out_of_range_values_name_the_key(raw, expected):
    assert expected in error_of(raw)


def test_odd_size_is_an_error_that_says_why():
    message = error_of({"size": [512, 301]})
    assert "height 301 is odd" in message and "yuv420p" in message


def test_conflicting_keys():
    assert "give one, not both" in error_of({"frames": 3, "seconds": 2})
    assert "source: give one of image, noise or video, not image and noise" in error_of(
        {"source": {"image": str(SAMPLE_PHOTO), "noise": {}}}
    )
    assert "drop name and weights" in error_of({"model": {"path": str(SAMPLE_PHOTO), "weights": "random"}})


def test_config_loading_does_not_import_tensorflow():
    code = "import sys, dreamzoom.config as c; c.load({}); print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_objective_terms_are_validated_with_their_keys(tmp_path):
    def terms(*items):
        return {"dream": {"objectives": list(items)}}

    assert "dream.objectives.0: a class term takes only class and weight" in error_of(
        terms({"class": "banana", "layer": "mixed3"})
    )
    assert "give layer" in error_of(terms({"channels": [3]}))
    assert "dream.objectives.1.channels.0" in error_of(
        terms({"layer": "mixed3"}, {"layer": "mixed4", "channels": [-1]})
    )
    message = error_of(terms({"layer": "mixed3", "chanels": [1]}))
    assert "unknown key 'dream.objectives.0.chanels' (did you mean 'dream.objectives.0.channels'?)" in message
    assert error_of(terms({"guide": str(tmp_path / "no.jpg"), "layer": "mixed3"})).startswith(
        "dream.objectives.0.guide: file not found"
    )


def test_objectives_replace_the_default_layers_unless_layers_are_given():
    only = config.load({"dream": {"objectives": [{"class": 954}]}}).dream.terms()
    assert [term.kind for term in only] == ["class"]
    both = config.load(
        {"dream": {"layers": {"mixed4": 1.0}, "objectives": [{"layer": "mixed2", "channels": [7]}]}}
    )
    assert [(term.kind, term.layer) for term in both.dream.terms()] == [
        ("layer", "mixed4"),
        ("channel", "mixed2"),
    ]
    assert [term.layer for term in config.load({}).dream.terms()] == ["mixed3"], "under things"
    classic = config.load({"dream": {"explore": None}}).dream
    assert [term.layer for term in classic.terms()] == ["mixed3", "mixed5"], "exploring turned off"
    assert (
        error_of({"dream": {"layers": {}}}) == "dream.layers: give at least one layer, objective or explore"
    )
    explored = config.load({"dream": {"explore": {}}}).dream
    assert explored.terms() == [], "exploring alone: the default layers are left out"
    assert [
        t.layer for t in config.load({"dream": {"explore": {}, "layers": {"mixed3": 0.2}}}).dream.terms()
    ] == ["mixed3"]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"seconds": float("inf")}, "seconds: Input should be a finite number (got inf)"),
        (
            {"source": {"noise": {"scale": float("nan")}}},
            "source.noise.scale: Input should be a finite number",
        ),
        ({"frames": 100_000_000}, "frames: 100000000 is more than the 1,000,000 frames one render may have"),
        ({"seconds": 1e300}, "seconds: 1e+300 is more than the 1,000,000 frames one render may have"),
    ],
)
def test_infinite_and_absurd_values_are_one_line_errors(raw, problem):
    assert error_of(raw).startswith(problem)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"seconds": 1e308}, "seconds: 1e+308 is more than the 1,000,000 frames one render may have"),
        ({"motion": {"zoom": 10**400}}, "motion.zoom: bad schedule: 1000"),
        ({"motion": {"zoom": "+".join(["1"] * 3000)}}, "motion.zoom: bad schedule: '1+1+1+1+1+1+...1+1+1+"),
        ({"motion": {"zoom": "sin(" * 150 + "t" + ")" * 150}}, "nests more than 100 levels deep"),
        ({"motion": {"rotate": "((9**999)**999)**999"}}, "motion.rotate: cannot evaluate at frame 0"),
        (
            {"motion": {"zoom": "t" * 10_001}},
            "10,001 characters is longer than the 10,000 a schedule may have",
        ),
        (
            {"source": {"noise": {"scale": 1e308}}},
            "source.noise.scale: Input should be less than or equal to 1024",
        ),
        ({"output": {"fps": 0.0001}}, "output.fps: Input should be greater than or equal to 0.001"),
        (
            {"dream": {"first_frame_steps": 10**12}},
            "dream.first_frame_steps: Input should be less than or equal",
        ),
        (
            {"dream": {"objectives": [{"layer": "mixed3"}] * 65}},
            "dream.objectives: List should have at most 64",
        ),
        (
            {"dream": {"objectives": [{"layer": "mixed3", "channels": list(range(4097))}]}},
            "at most 4096 items",
        ),
    ],
    ids=[
        "seconds",
        "huge-int",
        "long-sum",
        "deep-calls",
        "power-tower",
        "long-text",
        "noise",
        "fps",
        "steps",
        "terms",
        "channels",
    ],
)
def test_values_past_what_python_ffmpeg_or_memory_take_are_one_line_errors(raw, problem):
    assert problem in error_of(raw)


def test_a_keyframes_mapping_is_evaluated_as_the_mapping_it_was_written_as():
    spec = {"keyframes": "0:(1), 10:(2)", "interpolation": "smooth"}
    settings = config.load({"frames": 11, "motion": {"zoom": spec}})
    assert isinstance(settings.motion.zoom, config.Keyframes)
    assert config.plain(settings.motion.zoom) == spec and config.plain(1.5) == 1.5
    from dreamzoom import resolve

    assert resolve.plan(settings, here=False).value(settings.motion.zoom, 10) == 2.0


SONG = str(ROOT / "samples" / "groove.mp3")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"motion": {"zoom": "1 + 0.1*bass"}},
            "motion.zoom: bass is an envelope of a song: add audio.path to use it",
        ),
        (
            {"dream": {"layers": {"mixed3": "0:(onset), 9:(1)"}}},
            "dream.layers.mixed3: onset is an envelope of a song",
        ),
        (
            {"audio": {"path": SONG}, "music": {"bpm": 120}},
            "music.bpm: a config with audio counts beats from the track",
        ),
        (
            {"audio": {"path": SONG, "bands": {"bass": [300, 200]}}},
            "audio.bands.bass: [300, 200] must rise within 0–11025 Hz",
        ),
        ({"audio": {"path": SONG, "smoothing": {"treble": {"release": 1}}}}, "audio.smoothing.treble"),
        ({"audio": {"path": SONG, "release": -1}}, "audio.release"),
        ({"audio": {"offset": 3}}, "audio.path: Field required"),
        (
            {"audio": {"path": SONG}, "music": {"offset": 2}},
            "music.offset: a config with audio starts the song at",
        ),
        (
            {"audio": {"path": SONG, "bands": {"bass": [20, 25]}}},
            "is narrower than the 10.8 Hz the analysis resolves",
        ),
    ],
)
def test_audio_mistakes_name_the_key(raw, expected):
    assert expected in error_of(raw)


def test_an_envelope_smooths_as_its_own_settings_say_and_else_as_the_section_does():
    song = config.load(
        {"audio": {"path": SONG, "attack": 0.02, "smoothing": {"loudness": {"release": 0.5}}}}
    ).audio
    assert song.smoothing_of("loudness") == (0.02, 0.5)
    assert song.smoothing_of("onset") == (0.02, 0.15)


def test_a_song_without_a_length_waits_for_the_song_to_check_a_loop():
    """loop.frames beyond the 96-frame placeholder is checked against the song's length, not refused."""
    loaded = config.load({"audio": {"path": SONG}, "loop": {"frames": 200}})
    assert loaded.frame_count == 96 and not loaded.length_given


def test_a_song_that_sets_too_many_frames_is_one_line():
    loaded = config.load({"audio": {"path": SONG}})
    with pytest.raises(
        ValueError, match=r"^audio\.path: the song's 1,000,001 frames are more than the 1,000,000"
    ):
        loaded.check_timing(config.MAX_FRAMES + 1, loaded.time)
