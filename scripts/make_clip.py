"""Make samples/pan.mp4: 4 s at 12 fps, 256×256, a camera gliding across the astronaut photo and
slowly pushing in (real motion for the optical flow to follow), with the first 4 s of
samples/groove.mp3 as its sound. Made here from the shipped sample photo and song, so it is ours to ship.

    python scripts/make_clip.py [OUTPUT]      # default samples/pan.mp4
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZE, FRAMES, FPS = 256, 48, 12


def frames() -> list[np.ndarray]:
    photo = cv2.cvtColor(cv2.imread(str(ROOT / "samples" / "astronaut.png")), cv2.COLOR_BGR2RGB)
    result = []
    for index in range(FRAMES):
        progress = index / (FRAMES - 1)
        side = 340 - 90 * progress  # the window shrinks: a push in
        x, y = 40 + 130 * progress, 30 + 60 * np.sin(np.pi * progress)  # and glides right, dipping
        window = photo[int(y) : int(y + side), int(x) : int(x + side)]
        result.append(cv2.resize(window, (SIZE, SIZE), interpolation=cv2.INTER_AREA))
    return result


def write(path: Path) -> None:
    silent = path.with_name(f".{path.stem}.silent.mp4")
    writer = imageio_ffmpeg.write_frames(
        str(silent), (SIZE, SIZE), fps=FPS, quality=None, output_params=["-crf", "20"]
    )
    writer.send(None)
    for frame in frames():
        writer.send(np.ascontiguousarray(frame))
    writer.close()
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(silent)]
    command += ["-t", str(FRAMES / FPS), "-i", str(ROOT / "samples" / "groove.mp3")]
    subprocess.run(
        [
            *command,
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-shortest",
            "-map_metadata",
            "-1",
            str(path),
        ],
        check=True,
    )
    silent.unlink()


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "samples" / "pan.mp4")
