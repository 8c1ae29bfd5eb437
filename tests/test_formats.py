"""Output formats: the name of a render picks what is written (``formats.py``, and its way through
ffmpeg and the run). Each format is judged by what ffmpeg decodes from it: the codec, the sound, the
frame count, and how near its pictures are to the exact frames of the same render."""

from __future__ import annotations

import signal
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from dreamzoom import formats, provenance
from dreamzoom.checkpoint import folder_for
from dreamzoom.cli import main
from dreamzoom.ffmpeg import probe

from .conftest import ROOT, decode, finish, small_config, start, wait_for, write_config

FRAMES = 6


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("clip.mp4", None),
        ("clip.WEBM", None),
        ("loop.gif", None),
        ("edit.mov", None),
        ("frames/%05d.png", None),
        ("frames/shot_%04d.png", None),
        ("clip.avi", "ends in .avi: name the video .mp4, .webm, .gif or .mov, or a folder for PNG frames"),
        ("clip", "has no extension"),
        ("frames/%05d.jpg", "numbered frames are written as PNG"),
        ("frames/%d_%d.png", "a pattern of frames holds one %d"),
        ("/%05d.png", "is a folder: name a folder of its own for the frames"),
    ],
)
def test_a_name_is_a_format_or_a_one_line_reason(name, problem):
    found = formats.problem(Path(name))
    assert found == problem if problem is None else problem in found


def test_a_folder_stands_for_its_numbered_frames_with_its_files_beside_it(tmp_path):
    named = Path(formats.canonical("renders/frames/"))
    assert named == Path("renders/frames/%05d.png") and formats.is_sequence(named)
    (tmp_path / "made").mkdir()
    assert formats.canonical(str(tmp_path / "made")) == str(tmp_path / "made" / "%05d.png"), (
        "a folder that exists"
    )
    assert formats.canonical("clip.mp4") == "clip.mp4"
    assert provenance.sidecar_path(named) == Path("renders/frames.json")
    assert provenance.telemetry_path(named) == Path("renders/frames.frames.csv")
    assert formats.partial(named) == Path("renders/frames.partial/%05d.png")
    assert folder_for(named) == Path("renders/.frames.dreamzoom")
    assert formats.partial(Path("loop.gif")) == Path("loop.partial.gif")
    assert formats.shown(named) == "renders/frames/"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """One small render with a song, written in every format; each beside the exact PNGs of its own
    frames (``output.frames_dir``), so every format is compared with what it was given."""
    folder = tmp_path_factory.mktemp("formats")
    raw = small_config(folder, frames=FRAMES, audio={"path": str(ROOT / "samples" / "groove.mp3")})
    raw["model"] = {"precision": "float32"}
    outputs = {}
    for name in ("clip.mp4", "clip.webm", "clip.gif", "clip.mov", "frames/"):
        stem = name.rstrip("/").replace(".", "_")
        raw["output"]["frames_dir"] = str(folder / f"exact_{stem}")
        config = folder / f"{stem}.yaml"
        config.write_text(yaml.safe_dump(raw))
        assert main(["render", str(config), "-o", f"{folder}/{name}", "-q"]) == 0
        outputs[name] = folder / name
    return outputs


def _exact(output: Path) -> list[np.ndarray]:
    stem = output.name.replace(".", "_")
    return [_read(file) for file in sorted((output.parent / f"exact_{stem}").glob("frame_*.png"))]


def _read(file: Path) -> np.ndarray:
    return np.asarray(Image.open(file).convert("RGB"))


def _difference(decoded: list[np.ndarray], exact: list[np.ndarray]) -> float:
    assert len(decoded) == len(exact)
    return max(
        float(np.abs(a.astype(int) - b.astype(int)).mean()) for a, b in zip(decoded, exact, strict=True)
    )


@pytest.mark.parametrize(
    ("name", "codec", "sound", "near"),
    [
        ("clip.mp4", "h264", True, 5.0),
        ("clip.webm", "vp9", True, 7.0),
        ("clip.mov", "prores", True, 5.0),
        ("clip.gif", "gif", False, 6.0),
    ],
)
def test_each_video_format_holds_its_codec_its_sound_and_the_frames(written, name, codec, sound, near):
    """``near``: the largest mean difference (of 255) from the exact frames. Measured on 96-px dream
    textures: 2.6–4.5 for every format (chroma subsampling and a GIF's 256 colours), where
    consecutive frames differ by about 24, so a frame out of place or a wrong colour fails."""
    path = written[name]
    found = probe(path, "test", "a video")
    assert (found.video, found.sound) == (codec, sound)
    decoded = decode(path)[1]
    assert len(decoded) == FRAMES and _difference(decoded, _exact(path)) < near


def test_a_gif_loops_forever(written):
    data = written["clip.gif"].read_bytes()
    extension = data.index(b"NETSCAPE2.0")
    assert data[extension + 11 : extension + 16] == b"\x03\x01\x00\x00\x00", "a loop count of 0: forever"


def test_the_formats_that_can_carry_provenance_do(written):
    for name in ("clip.webm", "clip.mov"):
        assert provenance.read(written[name])["config"]["frames"] == FRAMES


def test_a_folder_gets_the_exact_frames_numbered_from_0_and_the_song_beside_them(written, capsys):
    folder = written["frames/"]
    files = sorted(folder.glob("*.png"))
    assert [file.name for file in files] == [f"{index:05d}.png" for index in range(FRAMES)]
    frames = [_read(file) for file in files]
    assert len(frames) == FRAMES and _difference(frames, _exact(folder)) == 0.0, (
        "PNGs from lossless segments: the frames exactly"
    )
    with wave.open(str(folder / formats.SOUND_FILE)) as sound:
        assert sound.getnframes() / sound.getframerate() == pytest.approx(FRAMES / 12, abs=0.03)
    assert (folder.parent / "frames.json").is_file() and (folder.parent / "frames.frames.csv").is_file()
    assert main(["inspect", str(folder)]) == 0
    assert "commonest class" in capsys.readouterr().out


def test_a_folder_of_frames_is_not_overwritten_unasked_and_other_files_in_it_stay(written, capsys):
    folder = written["frames/"]
    (folder / "notes.txt").write_text("mine")
    config = folder.parent / "frames.yaml"
    assert main(["render", str(config), "-o", f"{folder}/", "-q"]) == 2
    assert f"{folder}/ exists: use --overwrite to replace it" in capsys.readouterr().err
    assert (
        main(
            [
                "render",
                str(config),
                "-o",
                f"{folder}/",
                "-q",
                "-y",
                "--set",
                "frames=4",
                "--set",
                "audio=null",
            ]
        )
        == 0
    )
    assert sorted(item.name for item in folder.iterdir()) == [
        *(f"{i:05d}.png" for i in range(4)),
        "notes.txt",
    ]


def test_ctrl_c_leaves_the_frames_done_and_resume_finishes_the_folder(tmp_path, reference):
    write_config(tmp_path)
    process = start(tmp_path, "-o", "out/frames/")
    wait_for(process, "checkpoint: 4/12")
    process.send_signal(signal.SIGINT)
    code, errors = finish(process)
    assert code == 130, errors
    assert f"what is done plays in {tmp_path}/out/frames.partial/;" in errors
    done = [_read(file) for file in sorted((tmp_path / "out" / "frames.partial").glob("*.png"))]
    assert len(done) >= 4
    code, errors = finish(start(tmp_path, "-o", "out/frames/", "--resume"))
    assert code == 0, errors
    frames = [_read(file) for file in sorted((tmp_path / "out" / "frames").glob("*.png"))]
    assert len(frames) == 12 and not (tmp_path / "out" / "frames.partial").exists()
    assert all(np.array_equal(a, b) for a, b in zip(done[:4], frames, strict=False)), (
        "the kept frames, exactly"
    )
    assert _difference(frames, reference[1]) < 5.0, "the uninterrupted render's frames (an H.264 of them)"
