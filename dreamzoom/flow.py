"""Optical flow: how a video's content moves from one frame to the next, and carrying a dream along it.

Dense flow comes from OpenCV's DIS (dense inverse search) estimator, which ships in
opencv-python-headless: nothing to download, and (both ways, with the check) about 25 ms a frame at
256×256 on a 2-core CPU. A frame's
dream is carried onto the next input frame as *detail* — what dreaming added to its input — warped
along the flow, so the video's own content (lighting, new objects) stays the video's and only the
dream's patterns travel with it. Where the flow is unreliable (occluded or newly revealed areas, found
by a forward-backward check as in Ruder et al.'s video style transfer, 2016), nothing is carried and
the dream starts afresh there. Pure functions on float RGB frames; no TensorFlow.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np


def _grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)


def dense(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The flow from ``source`` to ``target``: for each pixel of ``source``, how far (x, y) its
    content moved in ``target``, as a float32 ``(height, width, 2)`` array."""
    estimator = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = np.zeros((*source.shape[:2], 2), np.float32)  # filled in (not read: no initial flow)
    return estimator.calc(_grey(source), _grey(target), flow)


@functools.lru_cache(maxsize=4)
def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's x and y, made once per frame size (every frame of a video uses them three times)."""
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys


def _targets(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each pixel's flow points: its x and y plus the flow."""
    xs, ys = _grid(*flow.shape[:2])
    return xs + flow[..., 0], ys + flow[..., 1]


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` sampled at each pixel plus its ``flow``: with the flow from frame B to frame A,
    frame A's content brought to where it is in frame B (bilinear, edges repeated)."""
    return cv2.remap(image, *_targets(flow), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def reliable(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Where the flow can be trusted, 0–1 per pixel: going back along ``backward`` (B→A) and forward
    again along ``forward`` (A→B) must return near the start (the criterion of Sundaram et al., 2010:
    ``|b + f|² ≤ 0.01 (|b|² + |f|²) + 0.5``). Occluded and revealed areas fail it. Softened by a
    small blur, so carried detail fades out rather than ending at a hard edge. Content that came in
    over the frame's edge (its flow points outside the last frame) has nothing to carry either."""
    there = warp(forward, backward)
    mismatch = np.sum((backward + there) ** 2, axis=-1)
    allowed = 0.01 * (np.sum(backward**2, axis=-1) + np.sum(there**2, axis=-1)) + 0.5
    height, width = backward.shape[:2]
    x, y = _targets(backward)
    inside = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
    mask = ((mismatch <= allowed) & inside).astype(np.float32)
    return np.asarray(cv2.GaussianBlur(mask, (0, 0), 1.5))


def carried(dreamed: np.ndarray, previous: np.ndarray, current: np.ndarray, carry: float) -> np.ndarray:
    """The frame to dream next: ``current`` (the new input frame) with ``carry`` times the detail
    that dreaming added to ``previous`` (the last input frame, dreamed into ``dreamed``), moved along
    the flow between them wherever the flow is reliable. With nothing to carry, no flow is computed."""
    if carry <= 0.0:
        return current
    backward = dense(current, previous)
    mask = reliable(backward, dense(previous, current))
    detail = warp(dreamed - previous, backward)
    return np.asarray(np.clip(current + carry * mask[..., None] * detail, 0.0, 1.0))
