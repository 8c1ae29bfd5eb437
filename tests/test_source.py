"""Frame 0 from photos of every common kind, and from seeded noise."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import ExifTags, Image, ImageOps

from dreamzoom import config, motion, source
from dreamzoom.errors import DreamzoomError

from .conftest import SAMPLE_PHOTO


@pytest.fixture(scope="module")
def small_rgb() -> Image.Image:
    return Image.open(SAMPLE_PHOTO).convert("RGB").resize((64, 48))


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif", ".bmp"])
def test_common_formats_decode_to_the_same_picture(tmp_path, small_rgb, suffix):
    path = tmp_path / f"photo{suffix}"
    small_rgb.save(path, quality=95) if suffix in (".jpg", ".webp") else small_rgb.save(path)
    frame = source.read_image(path)
    assert frame.shape == (48, 64, 3) and frame.dtype == np.float32
    expected = np.asarray(small_rgb, np.float32) / 255
    tolerance = 0.06 if suffix in (".jpg", ".webp") else 1e-6
    assert np.abs(frame - expected).mean() < tolerance


def test_greyscale_becomes_grey_rgb(tmp_path, small_rgb):
    path = tmp_path / "grey.png"
    small_rgb.convert("L").save(path)
    frame = source.read_image(path)
    assert frame.shape == (48, 64, 3)
    assert np.array_equal(frame[..., 0], frame[..., 1]) and np.array_equal(frame[..., 1], frame[..., 2])
    assert np.allclose(frame[..., 0], np.asarray(small_rgb.convert("L"), np.float32) / 255)


def test_transparency_is_composited_over_black(tmp_path, small_rgb):
    rgba = small_rgb.convert("RGBA")
    alpha = np.full((48, 64), 255, np.uint8)
    alpha[:, :32] = 0
    rgba.putalpha(Image.fromarray(alpha))
    path = tmp_path / "cut.png"
    rgba.save(path)
    frame = source.read_image(path)
    assert frame[:, :32].max() == 0.0
    assert np.allclose(frame[:, 32:], np.asarray(small_rgb, np.float32)[:, 32:] / 255)


def test_16_bit_greyscale_keeps_its_precision(tmp_path):
    values = (np.arange(48 * 64).reshape(48, 64) * 7).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    frame = source.read_image(path)
    assert np.allclose(frame[..., 1], values / 65535, atol=1e-6)


def test_16_bit_colour_keeps_its_precision_and_channel_order(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 65536, (20, 30, 3), dtype=np.uint16)
    path = tmp_path / "deep_colour.png"
    cv2.imwrite(str(path), rgb[..., ::-1])  # OpenCV writes BGR
    frame = source.read_image(path)
    assert np.allclose(frame, rgb / 65535, atol=1e-6), "8-bit rounding would be off by up to 1/510"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_like_pillow_does(tmp_path, orientation):
    stored = Image.fromarray(np.random.default_rng(orientation).integers(0, 256, (6, 10, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    path = tmp_path / "rotated.png"
    stored.save(path, exif=exif)
    upright = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"), np.float32) / 255
    frame = source.read_image(path)
    assert frame.shape == upright.shape
    assert np.array_equal(frame, upright)


def test_camera_jpeg_rotated_by_exif_comes_out_portrait(tmp_path, small_rgb):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "camera.jpg"
    small_rgb.save(path, exif=exif, quality=95)
    frame = source.read_image(path)
    assert frame.shape == (64, 48, 3)
    expected = np.rot90(np.asarray(small_rgb, np.float32) / 255, k=-1)
    assert np.abs(frame - expected).mean() < 0.03


def test_cmyk_palette_and_animated_images(tmp_path, small_rgb):
    cmyk = tmp_path / "print.jpg"
    small_rgb.convert("CMYK").save(cmyk, quality=95)
    assert np.abs(source.read_image(cmyk) - np.asarray(small_rgb, np.float32) / 255).mean() < 0.06
    palette = tmp_path / "palette.gif"
    small_rgb.convert("P").save(palette)
    assert source.read_image(palette).shape == (48, 64, 3)
    animated = tmp_path / "anim.gif"
    black, white = Image.new("RGB", (8, 8), "black"), Image.new("RGB", (8, 8), "white")
    black.save(animated, save_all=True, append_images=[white])
    assert source.read_image(animated).max() == 0.0, "the first frame"


@pytest.mark.parametrize("content", [b"", b"not an image at all", None])
def test_unreadable_files_give_a_one_line_error_naming_the_key(tmp_path, content):
    path = tmp_path / "broken.png"
    if content is None:  # a real PNG cut in half
        data = SAMPLE_PHOTO.read_bytes()
        content = data[: len(data) // 2]
    path.write_bytes(content)
    with pytest.raises(DreamzoomError) as caught:
        source.read_image(path)
    assert str(caught.value).startswith("source.image: cannot read") and "\n" not in str(caught.value)


def test_fit_modes(photo):
    wide = photo[32:96]  # 128 × 64
    cover = source.fit(wide, (64, 64), "cover")
    assert cover.shape == (64, 64, 3)
    assert np.abs(cover - motion.resize(wide, 128, 64)[:, 32:96]).max() < 1e-6, "centre crop"
    contain = source.fit(wide, (64, 64), "contain")
    assert contain[:16].max() == 0.0 and contain[48:].max() == 0.0, "black bars above and below"
    assert np.abs(contain[16:48] - motion.resize(wide, 64, 32)).max() < 1e-6
    stretch = source.fit(wide, (64, 64), "stretch")
    assert stretch.shape == (64, 64, 3) and np.abs(stretch - motion.resize(wide, 64, 64)).max() < 1e-6


@pytest.mark.parametrize("kind", ["smooth", "gaussian", "uniform"])
def test_noise_is_seeded_and_has_the_requested_statistics(kind):
    spec = config.Noise(kind=kind, mean=0.4, std=0.1)
    first = source.noise(spec, (128, 96), np.random.default_rng(5))
    again = source.noise(spec, (128, 96), np.random.default_rng(5))
    other = source.noise(spec, (128, 96), np.random.default_rng(6))
    assert first.shape == (96, 128, 3) and first.dtype == np.float32
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert abs(first.mean() - 0.4) < 0.03 and abs(first.std() - 0.1) < 0.02


def neighbour_correlation(frame: np.ndarray) -> float:
    channel = frame[..., 0]
    return float(np.corrcoef(channel[:, :-1].ravel(), channel[:, 1:].ravel())[0, 1])


def test_smooth_noise_is_low_frequency_and_gaussian_is_not():
    smooth = source.noise(config.Noise(kind="smooth"), (128, 128), np.random.default_rng(0))
    white = source.noise(config.Noise(kind="gaussian"), (128, 128), np.random.default_rng(0))
    assert neighbour_correlation(smooth) > 0.9
    assert abs(neighbour_correlation(white)) < 0.1


def test_grey_noise_has_equal_channels():
    grey = source.noise(config.Noise(colour=False), (64, 64), np.random.default_rng(0))
    assert np.array_equal(grey[..., 0], grey[..., 2])


def test_load_dispatches_on_the_source_kind(tmp_path):
    from_photo = source.load(config.Source(image=SAMPLE_PHOTO), (64, 32), np.random.default_rng(0))
    assert from_photo.shape == (32, 64, 3)
    from_noise = source.load(config.Source(noise=config.Noise()), (64, 32), np.random.default_rng(0))
    assert from_noise.shape == (32, 64, 3)


@pytest.mark.parametrize("size", [(200, 200), (141, 101), (250, 200), (301, 300)])
def test_a_jpeg_over_the_pixel_limit_is_read_reduced_by_the_decoder(tmp_path, monkeypatch, size):
    monkeypatch.setattr(source, "MAX_PIXELS", 10_000)
    path = tmp_path / "big.jpg"
    Image.new("RGB", size, (200, 100, 50)).save(path, quality=95)
    image = source.read_image(path)
    height, width = image.shape[:2]
    assert height * width <= 10_000 and width >= size[0] // 8, "the smallest reduction that fits"
    assert np.allclose(image.mean(axis=(0, 1)), np.array([200, 100, 50]) / 255, atol=0.02)
