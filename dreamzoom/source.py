"""Frame 0: a photo (any mode, depth or orientation) or seeded noise, as a float RGB frame.

Every frame in dreamzoom is a ``float32`` array of shape ``(height, width, 3)`` with values in
[0, 1]; this module is where outside images become such frames.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from .config import Noise, Source
from .errors import DreamzoomError
from .motion import resize


def load(source: Source, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """The first frame for a render of ``size = (width, height)``."""
    if source.image is not None:
        return fit(read_image(source.image), size, source.fit)
    assert source.noise is not None  # the schema fills in noise when no image is given
    return noise(source.noise, size, rng)


#: Photos with more pixels than this are not decoded whole (a 20000×20000 photo would need 4.8 GB
#: as float RGB): JPEGs are decoded at a reduced scale, anything else is refused.
MAX_PIXELS = 100_000_000


def read_image(path: Path, key: str = "source.image") -> np.ndarray:
    """Decode a photo to float RGB in [0, 1], upright (EXIF orientation applied); errors name ``key``.

    Greyscale becomes grey RGB, 16-bit images keep their precision, transparency is composited over
    black (as ``fit: contain`` bars are), CMYK and palettes are converted, an animated image gives
    its first frame, and a huge photo is reduced while decoding or refused (:data:`MAX_PIXELS`).
    """
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # dreamzoom applies its own, gentler limit below
    try:
        with Image.open(path) as image:
            _limit_size(image, path, key)
            image.seek(0)
            deep = _is_deep_colour(image)  # before getexif(), which decodes and forgets the layout
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            frame = _read_deep_colour(path) if deep else _to_float_rgb(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DreamzoomError(f"cannot read {path} as an image: {reason}", key=key) from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    return _orient(frame, orientation)


def _limit_size(image: Image.Image, path: Path, key: str) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise DreamzoomError(f"{path} has no pixels ({width}×{height})", key=key)
    if width * height <= MAX_PIXELS:
        return
    if image.format == "JPEG":  # the decoder can scale by 1/2, 1/4 or 1/8 as it reads
        for scale in (2, 4, 8):
            if math.ceil(width / scale) * math.ceil(height / scale) <= MAX_PIXELS:
                # Ask for exactly width // scale: draft picks the largest scale that still gives at
                # least the size asked, so a rounded-up size would get the scale below.
                image.draft("RGB", (width // scale, height // scale))
                break
        if image.size[0] * image.size[1] <= MAX_PIXELS:
            return
    raise DreamzoomError(
        f"{path} is {width}×{height} ({width * height / 1e6:.0f} MP), too large to decode safely "
        f"(the limit is {MAX_PIXELS / 1e6:.0f} MP): downscale it first",
        key=key,
    )


def _is_deep_colour(image: Image.Image) -> bool:
    """Whether a colour image stores 16 bits per channel (Pillow would reduce it to 8)."""
    tile = getattr(image, "tile", None)  # decoded files have one; images made in memory do not
    if image.mode not in ("RGB", "RGBA") or not tile:
        return False
    args = tile[0].args
    rawmode = args[0] if isinstance(args, tuple) else args
    return isinstance(rawmode, str) and ";16" in rawmode


def _read_deep_colour(path: Path) -> np.ndarray:
    data = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
    if data is None or data.ndim != 3:
        raise ValueError("unsupported 16-bit colour layout")
    full_scale = 2 ** (8 * data.dtype.itemsize) - 1 if data.dtype.kind == "u" else 1
    pixels = data.astype(np.float32) / float(full_scale)
    rgb = pixels[..., 2::-1]
    return rgb * pixels[..., 3:4] if pixels.shape[2] == 4 else np.ascontiguousarray(rgb)


def _to_float_rgb(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        grey = np.asarray(image, dtype=np.float32)
        if image.mode == "F":
            peak = max(float(grey.max()), 1.0)
        else:
            peak = 65535.0 if image.mode.startswith("I;16") or grey.max() > 255 else 255.0
        return np.repeat((grey / peak)[..., None], 3, axis=2).clip(0, 1)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        return rgba[..., :3] * rgba[..., 3:4]
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


# EXIF orientation → (transpose, flip rows, flip columns) that makes the picture upright.
_UPRIGHT = {
    1: (False, False, False),
    2: (False, False, True),
    3: (False, True, True),
    4: (False, True, False),
    5: (True, False, False),
    6: (True, False, True),
    7: (True, True, True),
    8: (True, True, False),
}


def _orient(frame: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1–8; anything else is ignored) so that the picture is upright."""
    transpose, flip_rows, flip_cols = _UPRIGHT.get(orientation, _UPRIGHT[1])
    if transpose:
        frame = frame.transpose(1, 0, 2)
    if flip_rows:
        frame = frame[::-1]
    if flip_cols:
        frame = frame[:, ::-1]
    return np.ascontiguousarray(frame)


def fit(photo: np.ndarray, size: tuple[int, int], mode: str) -> np.ndarray:
    """Fit a photo into ``size = (width, height)``: ``cover`` crops, ``contain`` letterboxes, ``stretch`` distorts."""
    width, height = size
    if mode == "stretch":
        return resize(photo, width, height).clip(0, 1)
    h, w = photo.shape[:2]
    scale = (max if mode == "cover" else min)(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    scaled = resize(photo, new_w, new_h).clip(0, 1)
    if mode == "cover":
        x, y = (new_w - width) // 2, (new_h - height) // 2
        return np.ascontiguousarray(scaled[y : y + height, x : x + width])
    frame = np.zeros((height, width, 3), np.float32)
    x, y = (width - new_w) // 2, (height - new_h) // 2
    frame[y : y + new_h, x : x + new_w] = scaled
    return frame


def noise(spec: Noise, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Seeded noise of ``size = (width, height)`` with the spec's mean and standard deviation."""
    width, height = size
    channels = 3 if spec.colour else 1
    if spec.kind == "gaussian":
        field = rng.standard_normal((height, width, channels))
    elif spec.kind == "uniform":
        field = rng.uniform(-math.sqrt(3), math.sqrt(3), (height, width, channels))  # unit variance
    else:
        field = _fractal(width, height, channels, spec.scale, rng)
    frame = spec.mean + spec.std * field.astype(np.float32)
    return np.broadcast_to(frame, (height, width, 3)).clip(0, 1).astype(np.float32)


def _fractal(width: int, height: int, channels: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Fractal value noise: random grids of halving cell size, upsampled smoothly and summed
    with halving amplitude, normalised to zero mean and unit variance."""
    total = np.zeros((height, width, channels), np.float32)
    cell, amplitude = scale, 1.0
    while True:
        grid = rng.standard_normal((math.ceil(height / cell) + 2, math.ceil(width / cell) + 2, channels))
        big = cv2.resize(
            grid.astype(np.float32),
            (round(grid.shape[1] * cell), round(grid.shape[0] * cell)),
            interpolation=cv2.INTER_CUBIC,
        ).reshape(-1, round(grid.shape[1] * cell), channels)
        total += amplitude * big[:height, :width]
        if cell <= 2:
            break
        cell, amplitude = max(cell / 2, 2), amplitude / 2
    total -= total.mean()
    return total / max(float(total.std()), 1e-6)
