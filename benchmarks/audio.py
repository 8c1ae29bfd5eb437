"""How long analysing a song takes, and how much memory: dreamzoom's streamed analysis against the
plain librosa recipe a user would write instead, on the same MP3 in the same run.

    python benchmarks/audio.py [--minutes 3] [--repeats 3]

The track is samples/groove.mp3 repeated to the length asked, encoded as a 128 kb/s MP3 (what users
bring). Each method runs in a fresh process (so its peak memory is its own, and librosa's import and
numba compilation happen once per process, as in a render), timed after a warm-up analysis of a
second of sound. The librosa recipe loads the whole track (``librosa.load``), then computes onset
strength, beats, RMS and the three band amplitudes from one STFT: the same measures dreamzoom makes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SONG = ROOT / "samples" / "groove.mp3"

#: Each script's own peak resident memory, in GiB (Linux reports ru_maxrss in KiB).
PEAK = "import resource\ndef peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20\n"

DREAMZOOM = (
    PEAK
    + """
import json, sys, time
from pathlib import Path
from dreamzoom import audio
audio.analyse(Path(sys.argv[1]), seconds=1.0)  # warm-up: librosa's import and numba's compilation
started = time.perf_counter()
result = audio.analyse(Path(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - started, "beats": len(result.beats), "peak": peak()}))
"""
)

LIBROSA = (
    PEAK
    + """
import json, sys, time
import librosa, numpy as np
librosa.beat.beat_track(onset_envelope=librosa.onset.onset_strength(y=np.zeros(22050), sr=22050), sr=22050)
started = time.perf_counter()
y, sr = librosa.load(sys.argv[1], sr=22050, mono=True)
onset = librosa.onset.onset_strength(y=y, sr=sr)
tempo, beats = librosa.beat.beat_track(onset_envelope=onset, sr=sr)
rms = librosa.feature.rms(y=y)
power = np.abs(librosa.stft(y)) ** 2
frequencies = librosa.fft_frequencies(sr=sr)
bands = [np.sqrt(power[(frequencies >= low) & (frequencies < high)].sum(axis=0))
         for low, high in ((20, 250), (250, 4000), (4000, 11025))]
print(json.dumps({"seconds": time.perf_counter() - started, "beats": len(beats), "peak": peak()}))
"""
)


def make_track(minutes: float, folder: Path) -> Path:
    """``samples/groove.mp3`` looped to ``minutes``, as an MP3."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    path = folder / f"track_{minutes:g}min.mp3"
    loops = int(np.ceil(minutes * 60 / 16))
    command = [
        ffmpeg,
        "-v",
        "error",
        "-y",
        "-stream_loop",
        str(loops),
        "-i",
        str(SONG),
        "-t",
        str(minutes * 60),
    ]
    subprocess.run([*command, "-c:a", "libmp3lame", "-b:a", "128k", str(path)], check=True)
    return path


def measure(script: str, track: Path) -> dict[str, float]:
    """Run ``script`` on ``track`` in a fresh process: the time and the peak memory it reports."""
    result = subprocess.run(
        [sys.executable, "-c", script, str(track)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[3.0, 30.0])
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    from dreamzoom.precision import parse_cpuinfo

    cpu, flags = parse_cpuinfo(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace"))
    wide = sorted(flags & {"avx2", "avx512f", "avx512_bf16", "amx_bf16"})
    print(
        f"machine: {cpu} ({', '.join(wide) or 'no AVX2'}), {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for minutes in options.minutes:
            track = make_track(minutes, Path(folder))
            methods = (("librosa recipe", LIBROSA), ("dreamzoom", DREAMZOOM))
            runs = {
                name: [measure(script, track) for _ in range(options.repeats)] for name, script in methods
            }
            best = {name: min(r["seconds"] for r in results) for name, results in runs.items()}
            for name, results in runs.items():
                print(
                    f"{minutes:g} min MP3, {name}: {best[name]:.2f} s (best of {options.repeats}, "
                    f"{best[name] / minutes:.2f} s per minute of song), {results[0]['beats']} beats, "
                    f"peak memory {max(r['peak'] for r in results):.2f} GiB"
                )
            print(
                f"  dreamzoom / librosa recipe: {best['librosa recipe'] / best['dreamzoom']:.2f}× the speed"
            )


if __name__ == "__main__":
    main()
