"""A song as the render's clock: decoded by the bundled ffmpeg, analysed with librosa.

:func:`analyse` reads the stretch of the track a video covers and measures it at librosa's frame
rate (22,050 Hz, hops of 512 samples: about 43 measurements a second): onset strength (spectral
flux of the log-mel spectrogram, librosa's own), loudness (RMS), the amplitude in three frequency
bands, and the beats librosa's tracker finds in the onsets. :func:`signals` then resamples these to
the video's frames (the strongest moment within each frame, so a click between two frames is not
lost), normalises each to 0–1 over the track, and smooths it with an attack and a release: the
values schedules read as ``onset``, ``loudness``, ``bass``, ``mid``, ``high`` and ``beat``.

Analysis streams the decoded samples block by block, so a long mix never sits whole in memory; the
blocks overlap by a window, so the result equals one pass over the whole track. librosa (and the
numba it compiles with) loads only when a config has a song.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import ANALYSIS_RATE, MAX_FRAMES, Bands, Config
from .errors import DreamzoomError
from .ffmpeg import Soundtrack, probe, read_sound
from .files import atomic_write
from .schedule import ENVELOPES, Signals

#: librosa's defaults: the rate tracks are decoded at, the analysis window and its hop.
RATE, WINDOW, HOP = ANALYSIS_RATE, 2048, 512
#: Hops of sound decoded before ``audio.offset`` (93 ms), so that a hit right at the offset has
#: something before it to rise from: onset and beat on the video's first frame.
PREROLL = 4
#: Below this amplitude (about -80 dBFS) a track counts as silent: its envelopes stay flat at 0.
SILENCE = 1e-4
#: Beats are tracked on the onset strength interpolated to this many points a hop: librosa's tracker
#: keeps a whole number of points between beats, which at one a hop is 2 % off 120 BPM (117.5) and
#: drifts off the music within bars; at four a hop it is 0.2 % (120.2).
BEAT_RESOLUTION = 4
#: The tempo is estimated over stretches of this many hops (about 3 minutes), their median taken.
TEMPO_STRETCH = 1 << 13
#: A band more than 40 dB below the loudest band is taken as empty, not stretched up to 1: a tone
#: in one band must not light the others with the window's leakage.
BAND_FLOOR = 0.01
KEY = "audio.path"
#: The bands of the ``bass``, ``mid`` and ``high`` envelopes in Hz: the config's defaults.
BANDS: dict[str, tuple[float, float]] = Bands().model_dump()


@dataclass(frozen=True)
class Analysis:
    """A stretch of a track, measured at librosa's frame rate (``RATE / HOP`` a second)."""

    seconds: float  # the stretch's length
    tempo: float  # beats per minute (0 where no beat was found)
    #: Beat times in seconds from the stretch's start; a cropped analysis keeps those after it too,
    #: which pace the beat count up to its end as they pace the whole's.
    beats: np.ndarray
    #: Per analysis frame, each 0–1 over the stretch: ``onset``, ``loudness``, ``bass``, ``mid``, ``high``.
    envelopes: Mapping[str, np.ndarray]

    @property
    def times(self) -> np.ndarray:
        """The time of each analysis frame (the centre of its window), in seconds."""
        return np.arange(len(self.envelopes["onset"])) * HOP / RATE

    def cropped(self, seconds: float) -> Analysis:
        """Its first ``seconds``, measured as they were within the whole (the same tempo, the same
        beats, the envelopes normalised over the whole)."""
        if seconds >= self.seconds:
            return self
        kept = math.floor(seconds * RATE / HOP) + 1
        envelopes = {name: values[:kept] for name, values in self.envelopes.items()}
        return Analysis(seconds, self.tempo, self.beats, envelopes)

    @property
    def heard_beats(self) -> np.ndarray:
        """The beats within the stretch."""
        return self.beats[self.beats < self.seconds]


def analyse(
    path: Path,
    offset: float = 0.0,
    seconds: float | None = None,
    *,
    bands: Mapping[str, tuple[float, float]] | None = None,
    bpm: float | None = None,
    longest: float = math.inf,
    within_whole: bool = False,
) -> Analysis:
    """Decode and measure ``seconds`` of ``path`` from ``offset`` (to its end when ``seconds`` is
    ``None``; a track whose rest is longer than ``longest`` seconds is refused before decoding).
    ``bpm`` fixes the tempo the beats are tracked at. ``within_whole`` measures the stretch within
    the rest of the track where that fits in ``longest`` (its tempo, beats and envelope scale the
    whole's; see :meth:`Analysis.cropped`). Every problem is one line naming the key."""
    bands = dict(bands or BANDS)
    found = probe(path, KEY)
    if not found.sound:
        raise DreamzoomError(f"{path} has no sound: ffmpeg finds no audio stream in it", key=KEY)
    rest = None if found.duration is None else found.duration - offset
    if rest is not None and rest <= 0 and found.duration:
        raise DreamzoomError(
            f"{offset:g} s is past the end of {path.name} ({found.duration:g} s)", key="audio.offset"
        )
    if seconds is None and rest is not None and rest > longest:
        raise DreamzoomError(
            f"{path.name} plays {_duration(rest)} from audio.offset, longer than the {_duration(longest)} "
            "one render may have at this fps: set seconds (or frames) to use a part of it",
            key=KEY,
        )
    whole = within_whole and seconds is not None and rest is not None and rest <= longest
    part, seconds = seconds, None if whole else seconds
    key = _cache_key(path, offset, seconds, bands, bpm)
    analysis = _cached(path, key)
    if analysis is None:
        analysis = _measured(path, offset, seconds, bands, bpm)
        _store(path, key, analysis)
    return analysis.cropped(part) if whole and part is not None else analysis


def _measured(
    path: Path, offset: float, seconds: float | None, bands: dict[str, tuple[float, float]], bpm: float | None
) -> Analysis:
    """The stretch decoded and measured (what :func:`analyse` caches)."""
    before = min(PREROLL, math.floor(offset * RATE / HOP))  # whole hops, so frames stay aligned
    start = offset - before * HOP / RATE
    sound = Soundtrack(path, start, None if seconds is None else seconds + offset - start)
    measured, samples = _measure(read_sound(sound, RATE, KEY), bands)
    samples -= before * HOP
    if samples <= 0:
        where = f" after {offset:g} s" if offset else ""
        raise DreamzoomError(f"{path} holds no sound{where} (0 samples decoded)", key=KEY)
    tempo, beats = _beats(measured["onset"], bpm)  # the pre-roll gives the tracker a run-up too
    lead = before * HOP / RATE
    beats = beats[beats >= lead - HOP / RATE / 2] - lead
    measured = {name: values[before:] for name, values in measured.items()}
    return Analysis(samples / RATE, tempo, beats, _normalised(measured, list(bands)))


#: This module as it is: a cached analysis from other code (another version, an edit) is not read.
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def cache_folder(song: Path) -> Path:
    """Where the analyses of ``song`` are kept: a hidden folder beside it (``.song.mp3.dreamzoom``),
    as a render's checkpoint is kept beside its video."""
    return song.parent / f".{song.name}.dreamzoom"


def _cache_key(
    path: Path,
    offset: float,
    seconds: float | None,
    bands: Mapping[str, tuple[float, float]],
    bpm: float | None,
) -> str:
    """What an analysis depends on: the song as it is now (its size and modification time), the
    stretch, the bands, the tempo asked for and the code that measures (librosa's version too)."""
    stat = path.stat()
    facts = [
        importlib.metadata.version("librosa"),
        RATE,
        HOP,
        stat.st_size,
        stat.st_mtime_ns,
        offset,
        seconds,
        sorted(bands.items()),
        bpm,
    ]
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:24]


def _cached(path: Path, key: str) -> Analysis | None:
    """The analysis kept under ``key``, if there is one that reads whole."""
    try:
        with np.load(cache_folder(path) / f"analysis-{key}.npz") as kept:
            envelopes = {name[9:]: kept[name] for name in kept.files if name.startswith("envelope_")}
            return Analysis(float(kept["seconds"]), float(kept["tempo"]), kept["beats"], envelopes)
    except (OSError, ValueError, KeyError):  # none yet, or one cut short: measured again
        return None


def _store(path: Path, key: str, analysis: Analysis) -> None:
    """Keep ``analysis`` beside the song for the next draft; a folder that cannot be written (a
    song on a read-only disk) only means it is measured again next time."""
    arrays: dict[str, Any] = {f"envelope_{name}": values for name, values in analysis.envelopes.items()}
    arrays.update(seconds=analysis.seconds, tempo=analysis.tempo, beats=analysis.beats)
    encoded = io.BytesIO()
    np.savez(encoded, **arrays)
    with contextlib.suppress(OSError):
        cache_folder(path).mkdir(exist_ok=True)
        atomic_write(cache_folder(path) / f"analysis-{key}.npz", encoded.getvalue())


def _duration(seconds: float) -> str:
    if seconds == math.inf:
        return "no limit"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {rest:02d} s"


def _windows(blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """The decoded blocks as overlapping runs of samples, each holding whole analysis windows, so
    that framing them one by one gives the frames of librosa's centred framing of the whole track
    (zero padding of half a window at both ends)."""
    pending = np.zeros(WINDOW // 2, np.float32)
    for block in _padded(blocks):
        pending = np.concatenate([pending, block])
        count = (len(pending) - WINDOW) // HOP + 1
        if count > 0:
            yield pending[: (count - 1) * HOP + WINDOW]
            pending = pending[count * HOP :]


def _padded(blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """The blocks, then half a window of silence (the end of librosa's centred framing)."""
    yield from blocks
    yield np.zeros(WINDOW // 2, np.float32)


def _measure(
    blocks: Iterable[np.ndarray], bands: Mapping[str, tuple[float, float]]
) -> tuple[dict[str, np.ndarray], int]:
    """The raw per-frame measures of a track streamed in ``blocks``, and how many samples it had."""
    import librosa

    frequencies = librosa.fft_frequencies(sr=RATE, n_fft=WINDOW)
    masks = {name: (frequencies >= low) & (frequencies < high) for name, (low, high) in bands.items()}
    mel_basis = librosa.filters.mel(sr=RATE, n_fft=WINDOW)
    window = librosa.filters.get_window("hann", WINDOW, fftbins=True).astype(np.float32)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ("mel", "loudness", *bands)}
    samples = 0

    def counted(blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        nonlocal samples
        for block in blocks:
            samples += len(block)
            yield block

    for run in _windows(counted(blocks)):
        frames = librosa.util.frame(run, frame_length=WINDOW, hop_length=HOP)
        power = np.abs(np.fft.rfft(frames * window[:, None], axis=0)) ** 2
        parts["mel"].append((mel_basis @ power).astype(np.float32))
        parts["loudness"].append(np.sqrt(np.mean(frames**2, axis=0)))
        for name, mask in masks.items():
            parts[name].append(np.sqrt(power[mask].sum(axis=0)))
    joined = {name: np.concatenate(values, axis=-1) for name, values in parts.items()}
    mel = joined.pop("mel")
    onset = librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=RATE, hop_length=HOP, n_fft=WINDOW)
    # The flux peaks about one hop after a sound starts (17–25 ms on click tracks of tones, noise and
    # kicks): moved one hop earlier, onsets and beats land within a few ms of what is heard.
    joined["onset"] = np.append(onset[1:], 0.0)
    if samples and joined["loudness"].max() < SILENCE:  # silence: no onsets, whatever the dither
        joined["onset"] = np.zeros_like(joined["onset"])
    return joined, samples


def _beats(onset: np.ndarray, bpm: float | None) -> tuple[float, np.ndarray]:
    """The tempo (``bpm`` where given, else :func:`_tempo`) and the beat times librosa's tracker
    finds at that tempo in the onset strength, at :data:`BEAT_RESOLUTION` points a hop. A second of
    silence is added at the end: without it the tracker may set the track's last beat between onsets."""
    import librosa

    if not onset.any():
        return (bpm or 0.0), np.zeros(0)
    padded = np.append(onset, np.zeros(RATE // HOP))
    points = np.arange(len(padded) * BEAT_RESOLUTION) / BEAT_RESOLUTION
    fine = np.interp(points, np.arange(len(padded)), padded)
    tempo = bpm or _tempo(onset, fine)
    if tempo <= 0:
        return 0.0, np.zeros(0)
    _, beats = librosa.beat.beat_track(
        onset_envelope=fine, sr=RATE, hop_length=HOP // BEAT_RESOLUTION, bpm=tempo, units="time"
    )
    beats = np.asarray(beats, np.float64)
    return tempo, beats[beats < len(onset) * HOP / RATE]


def _tempo(onset: np.ndarray, fine: np.ndarray) -> float:
    """librosa's tempo estimate (its tempogram, with its prior against half and double tempos),
    refined. librosa reads it at whole hops, 2 % apart near 120 BPM, so the period is then taken from
    the peak of the whole track's autocorrelation at :data:`BEAT_RESOLUTION` points a hop within 4 %
    of librosa's, between points by a parabola through the peak (a tempogram at the finer rate would
    need 16 times the memory: 20 GiB for 30 minutes). The tempogram itself is made over stretches
    of :data:`TEMPO_STRETCH` hops and their estimates' median taken, so its memory stays bounded."""
    import librosa

    stretches = np.array_split(onset, max(1, len(onset) // TEMPO_STRETCH))
    coarse = float(
        np.median(
            [librosa.feature.tempo(onset_envelope=part, sr=RATE, hop_length=HOP)[0] for part in stretches]
        )
    )
    if coarse <= 0:
        return 0.0
    rate = RATE / HOP * BEAT_RESOLUTION  # points a second
    period = 60.0 * rate / coarse
    low, high = int(period * 0.96), int(np.ceil(period * 1.04))
    correlation = librosa.autocorrelate(fine - fine.mean(), max_size=high + 2)
    if len(correlation) < high + 2:  # a stretch shorter than two beats: nothing to refine with
        return coarse
    peak = low + int(np.argmax(correlation[low : high + 1]))
    if peak in (low, high):  # the true peak lies outside the window: librosa's reading stands
        return coarse
    before, at, after = correlation[peak - 1 : peak + 2]
    bend = before - 2 * at + after
    shift = 0.5 * (before - after) / bend if bend < 0 else 0.0
    return 60.0 * rate / (peak + shift)


def _normalised(measured: Mapping[str, np.ndarray], bands: list[str]) -> dict[str, np.ndarray]:
    """Each measure over its track's peak, 0–1; bands far below the loudest band, and everything in
    a silent track, stay near 0 rather than being stretched up."""
    loud = float(measured["loudness"].max())
    band_peak = max(float(measured[name].max()) for name in bands)
    result = {}
    for name in ENVELOPES:
        values = measured[name]
        peak = float(values.max())
        if name in bands:
            peak = max(peak, BAND_FLOOR * band_peak)
        silent = loud < SILENCE or peak <= 0.0
        result[name] = np.zeros(len(values)) if silent else np.clip(values / peak, 0.0, 1.0)
    return result


def signals(
    analysis: Analysis, fps: float, frames: int, smoothing: Mapping[str, tuple[float, float]] | None = None
) -> Signals:
    """The analysis at each of a video's ``frames``: ``beat`` (0 on the first beat, counting up
    through each beat found, at the tempo before and after them) and each envelope's strongest value
    within the frame, smoothed by its ``(attack, release)`` seconds."""
    times = np.arange(frames) / fps
    values = {"beat": beat_numbers(analysis.beats, analysis.tempo, times)}
    for name in ENVELOPES:
        sampled = per_frame(analysis.envelopes[name], analysis.times, fps, frames)
        attack, release = (smoothing or {}).get(name, (0.0, 0.0))
        values[name] = follow(sampled, attack * fps, release * fps)
    return Signals(values)


def beat_numbers(beats: np.ndarray, tempo: float, times: np.ndarray) -> np.ndarray:
    """The beat count at ``times``: whole numbers at ``beats``, linear between them, and at
    ``tempo`` (or the beats' own spacing) before the first and after the last."""
    if len(beats) == 0:
        return times * tempo / 60.0
    period = float(np.median(np.diff(beats))) if len(beats) > 1 else 60.0 / tempo if tempo else 0.5
    counts = np.arange(len(beats), dtype=np.float64)
    numbers = np.interp(times, beats, counts)
    numbers = np.where(times < beats[0], (times - beats[0]) / period, numbers)
    return np.asarray(np.where(times > beats[-1], counts[-1] + (times - beats[-1]) / period, numbers))


def per_frame(values: np.ndarray, times: np.ndarray, fps: float, frames: int) -> np.ndarray:
    """``values`` (measured at ``times``) at each video frame: the largest measurement nearest that
    frame (within half a frame of it), or the value interpolated at the frame where none is."""
    sampled = np.asarray(np.interp(np.arange(frames) / fps, times, values, right=0.0))
    nearest = np.rint(times * fps).astype(np.int64)
    inside = nearest < frames
    np.maximum.at(sampled, nearest[inside], values[inside])
    return sampled


def follow(values: np.ndarray, attack: float, release: float) -> np.ndarray:
    """A one-pole envelope follower: rises toward a louder value with time constant ``attack`` and
    falls toward a quieter one with ``release`` (both in frames; 0 follows at once)."""
    rise, fall = (1.0 - math.exp(-1.0 / frames) if frames > 0 else 1.0 for frames in (attack, release))
    result = np.empty(len(values))
    level = 0.0
    for index, value in enumerate(values):
        level += (value - level) * (rise if value > level else fall)
        result[index] = level
    return result


@dataclass(frozen=True)
class Song:
    """A config's song as a render reads it: the analysis, and its beat and envelopes at each frame
    (as many frames as the render has)."""

    analysis: Analysis
    signals: Signals

    @property
    def frames(self) -> int:
        return len(self.signals)


def song(config: Config) -> Song | None:
    """The config's song (``audio``) analysed: the beat and envelopes its schedules read at every
    frame, over the song's length unless ``frames`` or ``seconds`` sets it (``None`` without a song).
    Only ``resolve.plan`` calls this, once a render: an analysis takes seconds."""
    track = config.audio
    if track is None:
        return None
    fps = config.output.fps
    seconds = config.frame_count / fps if config.length_given else None
    # A draft (or any part) is measured within the whole song, as the full render is: the same
    # tempo and beats, the envelopes normalised over the whole. Only a song too long for one render
    # (or of unknown length) is measured over the part alone.
    analysis = analyse(
        track.path,
        track.offset,
        seconds,
        bands=track.bands.model_dump(),
        bpm=track.bpm,
        longest=MAX_FRAMES / fps,
        within_whole=True,
    )
    frames = config.frame_count if config.length_given else max(1, round(analysis.seconds * fps))
    if frames > MAX_FRAMES:  # a track that hid its length from the probe
        raise DreamzoomError(
            f"{track.path.name} plays {_duration(analysis.seconds)} from audio.offset, more than the "
            f"{MAX_FRAMES:,} frames one render may have: set seconds (or frames) to use a part of it",
            key=KEY,
        )
    smoothing = {name: track.smoothing_of(name) for name in ENVELOPES}
    return Song(analysis, signals(analysis, fps, frames, smoothing))


def describe(analysis: Analysis) -> dict[str, Any]:
    """What the sidecar and ``dreamzoom audio`` say about a track."""
    return {
        "seconds": round(analysis.seconds, 3),
        "tempo": round(analysis.tempo, 2),
        "beats": len(analysis.heard_beats),
    }
