"""Checkpoints: what a render keeps on disk so that ``--resume`` continues exactly where it stopped.

A render's video is encoded in segments of whole frames whose boundaries depend only on the config
(never on when a render was interrupted), and after each segment the checkpoint records it with
the render's :class:`~dreamzoom.timeline.State` at full precision. A resumed render therefore
makes the same frames and the same segments as one that never stopped, and joining the segments
gives the same video, byte for byte.

The checkpoint lives in a hidden folder beside the output (``.NAME.mp4.dreamzoom/``): ``meta.json``
(written last, atomically) names the committed segments and the state file, so a crash at any
moment leaves the previous checkpoint intact.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from . import formats
from .errors import DreamzoomError
from .files import atomic_json, atomic_write

#: Keys whose values do not change the video (so a resume may change them). ``output.path`` is
#: where the checkpoint was found, however it was spelt (relative, absolute, ``--output-dir``).
_HARMLESS = {"output.frames_dir", "output.path"}


def folder_for(output: Path) -> Path:
    """The checkpoint folder of an output video."""
    named = formats.anchor(output)
    return named.parent / f".{named.name}.dreamzoom"


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}`` (lists stay whole)."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def fingerprint(resolved: dict[str, Any]) -> str:
    """A hash of everything in a resolved config that affects the video."""
    relevant = {key: value for key, value in flatten(resolved).items() if key not in _HARMLESS}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``key: old → new`` for every video-affecting key that differs."""
    old, new = flatten(before), flatten(after)
    return [
        f"{key}: {old.get(key, '(unset)')} → {new.get(key, '(unset)')}"
        for key in sorted(set(old) | set(new))
        if key not in _HARMLESS and old.get(key) != new.get(key)
    ]


class Checkpoint:
    """The checkpoint folder of one output."""

    def __init__(self, output: Path) -> None:
        self.output = Path(output)
        self.folder = folder_for(self.output)
        self.meta_path = self.folder / "meta.json"

    def exists(self) -> bool:
        return self.meta_path.is_file()

    def meta(self) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads(self.meta_path.read_text())
            return meta
        except (OSError, ValueError) as error:
            raise DreamzoomError(
                f"the checkpoint in {self.folder} is unreadable ({error}); use --overwrite to start over"
            ) from None

    def precision(self) -> str | None:
        """The ``model.precision`` the checkpoint's render was made with, if any.

        A resume computes in it, so that a render interrupted on a CPU where ``auto`` picked
        bfloat16 goes on in bfloat16 on one where ``auto`` would pick float32, instead of changing
        precision mid-video. Checkpoints from before precisions were resolved say ``auto``, which
        resumes as it always did.
        """
        value = flatten(self.meta().get("config", {})).get("model.precision")
        return value if isinstance(value, str) else None

    def segment(self, index: int) -> Path:
        return self.folder / f"segment_{index:05d}.mp4"

    @property
    def telemetry(self) -> Path:
        return self.folder / "frames.csv"

    def start(self, resolved: dict[str, Any]) -> None:
        """A fresh checkpoint folder for a new render (anything old in it is removed)."""
        self.remove()
        self.folder.mkdir(parents=True)
        atomic_json(
            self.meta_path,
            {
                "config": resolved,
                "fingerprint": fingerprint(resolved),
                "segments": [],
                "done": 0,
                "seconds": 0.0,
            },
        )

    def done(self) -> int:
        """The frames the checkpoint keeps: ``--resume`` goes on after frame ``done - 1``."""
        return int(self.meta().get("done", 0))

    def seconds(self) -> float:
        """Seconds the render took in the sessions before (so far as their commits and stops
        recorded them): a resumed render adds its own, and its sidecar gives the whole render's."""
        return float(self.meta().get("seconds", 0.0)) if self.exists() else 0.0

    def note_seconds(self, seconds: float) -> None:
        """Record the render's ``seconds`` so far when it stops. They include the frames after the
        last commit, which a resume makes again: that time was spent all the same."""
        meta = self.meta()
        meta["seconds"] = round(seconds, 3)
        atomic_json(self.meta_path, meta)

    def commit(
        self, segments: list[str], done: int, state: dict[str, np.ndarray], seconds: float | None = None
    ) -> None:
        """Record finished segments and the state after frame ``done - 1`` (state first, meta last),
        and the ``seconds`` the render has taken to get there."""
        buffer = io.BytesIO()
        arrays: dict[str, Any] = state  # numpy's stubs would read an array as savez's allow_pickle
        np.savez(buffer, **arrays)
        name = f"state_{done:06d}.npz"
        atomic_write(self.folder / name, buffer.getvalue())
        meta = self.meta()
        previous = meta.get("state")
        meta.update({"segments": segments, "done": done, "state": name})
        if seconds is not None:
            meta["seconds"] = round(seconds, 3)
        atomic_json(self.meta_path, meta)
        if previous and previous != name:
            (self.folder / previous).unlink(missing_ok=True)

    def resume(self, resolved: dict[str, Any]) -> tuple[int, list[str], dict[str, np.ndarray] | None]:
        """``(frames done, committed segments, saved state)``, after checking that the config is
        the one the checkpoint was made with; anything written after the last commit is dropped."""
        meta = self.meta()
        if meta.get("fingerprint") != fingerprint(resolved):
            changed = differences(meta.get("config", {}), resolved)
            listed = "; ".join(changed[:4]) + (f"; and {len(changed) - 4} more" if len(changed) > 4 else "")
            raise DreamzoomError(
                f"cannot resume {self.output.name}: the config changed since the checkpoint "
                f"({listed or 'unknown change'}); restore it, or use --overwrite to start over"
            )
        segments = list(meta.get("segments", []))
        for stray in self.folder.glob("segment_*"):
            if stray.name not in segments:
                stray.unlink()
        if not meta.get("state"):
            return 0, [], None
        with np.load(self.folder / meta["state"]) as stored:
            state = {key: stored[key] for key in stored.files}
        return int(meta["done"]), segments, state

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
