"""Synthesise samples/groove.mp3: 16 s at 120 BPM, made here from sine waves and seeded noise (so it
is ours to ship, and any machine can make it again). Eight bars, written so that each envelope has
something to follow:

- bars 1–2: a pad chord (mid) and closed hi-hats in eighths, accented on the beat (high);
- bars 3–4: a kick on every beat and a bass line in eighths join (bass, onsets);
- bar 5: a breakdown, the pad alone with a rising noise sweep (loudness dips, high swells);
- bars 6–8: everything, with a snare on beats 2 and 4.

    python scripts/make_song.py [OUTPUT]      # default samples/groove.mp3
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np

RATE, BPM, BARS = 44100, 120.0, 8
BEAT = 60.0 / BPM
LENGTH = BARS * 4 * BEAT


def _time(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * RATE)) / RATE


def kick() -> np.ndarray:
    t = _time(0.35)
    pitch = 45.0 + 75.0 * np.exp(-t * 30.0)  # a falling sine: 120 Hz down to 45 Hz
    return np.sin(2 * np.pi * np.cumsum(pitch) / RATE) * np.exp(-t * 9.0)


def hat(rng: np.random.Generator) -> np.ndarray:
    t = _time(0.06)
    noise = np.diff(rng.standard_normal(len(t) + 1))  # differenced noise: the highs only
    return 0.25 * noise * np.exp(-t * 70.0)


def snare(rng: np.random.Generator) -> np.ndarray:
    t = _time(0.2)
    return (0.35 * rng.standard_normal(len(t)) + 0.4 * np.sin(2 * np.pi * 190.0 * t)) * np.exp(-t * 22.0)


def bass_note(frequency: float) -> np.ndarray:
    t = _time(BEAT / 2)
    tone = sum(np.sin(2 * np.pi * frequency * k * t) / k for k in (1, 2, 3))  # a soft saw
    return 0.5 * tone * np.minimum(1.0, t * 200.0) * np.exp(-t * 4.0)


def pad(seconds: float) -> np.ndarray:
    t = _time(seconds)
    chord = sum(np.sin(2 * np.pi * f * t + 0.3 * np.sin(2 * np.pi * 0.5 * t)) for f in (440.0, 554.4, 659.3))
    return 0.08 * chord * np.minimum(1.0, t * 4.0)


def place(track: np.ndarray, sound: np.ndarray, at: float) -> None:
    start = round(at * RATE)
    end = min(len(track), start + len(sound))
    track[start:end] += sound[: end - start]


def song(seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    track = np.zeros(int(LENGTH * RATE))
    place(track, pad(LENGTH), 0.0)
    bass_line = [55.0, 55.0, 65.4, 55.0, 73.4, 55.0, 65.4, 49.0]
    for bar in range(BARS):
        breakdown = bar == 4
        for beat in range(4):
            at = (bar * 4 + beat) * BEAT
            if not breakdown:
                place(track, 1.6 * hat(rng), at)
                place(track, hat(rng), at + BEAT / 2)
            if bar >= 2 and not breakdown:
                place(track, kick(), at)
                for half in range(2):
                    place(track, bass_note(bass_line[(beat * 2 + half) % 8]), at + half * BEAT / 2)
            if bar >= 5 and beat in (1, 3):
                place(track, snare(rng), at)
    sweep = _time(4 * BEAT)
    riser = np.diff(rng.standard_normal(len(sweep) + 1)) * 0.12 * (sweep / sweep[-1]) ** 2
    place(track, riser, 4 * 4 * BEAT)
    return 0.8 * track / np.abs(track).max()


def write(path: Path) -> None:
    samples = (song() * 32767).astype("<i2").tobytes()
    arguments = ["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-", "-c:a", "libmp3lame", "-b:a", "128k"]
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *arguments, "-map_metadata", "-1", str(path)],
        input=samples,
        check=True,
    )


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[1] / "samples" / "groove.mp3"))
