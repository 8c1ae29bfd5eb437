"""``dreamzoom inspect``: the figures of any video, a sheet of stills over curves, the objective from
a dreamzoom video's telemetry, and one-line errors for what is not a video."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
from PIL import Image

from dreamzoom.inspection import inspect
from dreamzoom.sinks import to_uint8

from .conftest import PHOTOS, TOUR_FPS, dreamzoom_command, touring


def write_video(path, frames, fps=TOUR_FPS):
    """A video made without dreamzoom: no telemetry, no provenance."""
    writer = imageio_ffmpeg.write_frames(str(path), frames[0].shape[1::-1], fps=fps, macro_block_size=1)
    writer.send(None)
    for frame in frames:
        writer.send(to_uint8(frame))
    writer.close()
    return path


def test_inspect_prints_the_figures_of_any_video_and_draws_its_sheet(tmp_path):
    video = write_video(tmp_path / "tour.mp4", touring(PHOTOS * 2, 1.0))
    result = dreamzoom_command("inspect", str(video), "-o", str(tmp_path / "sheet.png"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("frames 2 s apart alike: ")
    alike = int(lines[0].split(": ")[1].split("%")[0])
    assert alike < 70, lines
    assert "motifs among 8 frames across the run: " in lines[2] and int(lines[2].rsplit(" ", 1)[1]) >= 4
    sheet = np.asarray(Image.open(tmp_path / "sheet.png"))
    assert sheet.shape[1] == 1200 and sheet.shape[0] > 600, "stills above four curves"


def test_a_dreamzoom_video_also_shows_its_objective(reference_folder):
    result = inspect(reference_folder / "out" / "clip.mp4")
    assert len(result.objective) == 12 and all(np.isfinite(v) for _, v in result.objective)
    assert result.summary.similarity is None, "a 1-second clip has no 2-second lag"
    assert len(result.stills) == 4, "12 frames at 12 fps, judged every third: 4 stills"


def test_what_is_not_a_video_is_one_line(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    for path in (text, tmp_path / "missing.mp4"):
        result = dreamzoom_command("inspect", str(path))
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and str(path.name) in result.stderr
