"""Preprocessing gives the reference's tensors for every kind of photo; opening a file never crashes."""

from __future__ import annotations

import os
import pickle
import random
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from clipdesk.clip import preprocess
from clipdesk.clip.preprocess import ImageError, open_image, transform
from tests import photos

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # clip-anytorch imports the deprecated pkg_resources
    from clip.clip import _transform as reference_transform

SIZES = {
    "square": (512, 512),
    "landscape": (600, 400),
    "wide-50-to-1": (1000, 20),
    "tall-1-to-50": (20, 1000),
    "one-pixel": (1, 1),
    "two-by-three": (2, 3),
    "three-by-two": (3, 2),
    "large": (3000, 2000),
}


@cache
def sized_photo(size_name: str) -> Image.Image:
    width, height = SIZES[size_name]
    source = photos.photo("coffee" if width > height else "astronaut")
    return source.resize((width, height), Image.Resampling.LANCZOS)


@cache
def reference(n_px: int):
    return reference_transform(n_px)


@pytest.fixture(scope="module")
def all_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return photos.write_all(tmp_path_factory.mktemp("photos"))


def max_difference(image: Image.Image, n_px: int = 224) -> float:
    ours = transform(n_px)(image)
    theirs = reference(n_px)(image)
    assert ours.dtype == theirs.dtype == torch.float32
    assert ours.shape == theirs.shape == (3, n_px, n_px)
    return (ours - theirs).abs().max().item()


def assert_same_as_reference(image: Image.Image, n_px: int = 224) -> None:
    assert max_difference(image, n_px) == 0.0


@pytest.mark.parametrize("size_name", SIZES)
def test_transform_equals_reference_for_every_mode(size_name: str) -> None:
    photo = sized_photo(size_name)
    differences = {mode: max_difference(photos.in_mode(photo, mode)) for mode in photos.MODES}
    assert differences == dict.fromkeys(photos.MODES, 0.0)


@pytest.mark.parametrize("n_px", [288, 336, 448])
def test_transform_equals_reference_at_other_model_resolutions(n_px: int) -> None:
    for mode in ("RGB", "RGBA", "P"):
        assert_same_as_reference(photos.in_mode(photos.photo("chelsea"), mode), n_px)


def test_a_300_to_1_panorama_strip_is_still_exact() -> None:
    strip = photos.photo("rocket").resize((3000, 10), Image.Resampling.LANCZOS)  # resized: 67200 x 224
    assert_same_as_reference(strip)


def test_extreme_strips_are_cropped_before_resampling_and_stay_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the pixel budget only the centre crop is resampled: within 2 levels of 255 of the reference
    (alpha images on average: un-premultiplying nearly transparent pixels magnifies any difference)."""
    monkeypatch.setattr(preprocess, "MAX_RESIZED_PIXELS", 224 * 224 * 4)
    std = torch.tensor(preprocess.STD).view(3, 1, 1)
    for size in [(1000, 40), (40, 1000)]:
        image = photos.photo("coffee").resize(size, Image.Resampling.LANCZOS)
        for mode in ("RGB", "L", "RGBA"):
            converted = photos.in_mode(image, mode)
            levels = (transform(224)(converted) - reference(224)(converted)).abs() * std * 255
            if mode != "RGBA":
                assert levels.max().item() <= 2 + 1e-4
            assert levels.mean().item() < 0.1


@pytest.mark.parametrize("size", [(200_000, 1), (1, 200_000)])
def test_absurd_strip_gives_a_normal_tensor(size: tuple[int, int]) -> None:
    """The reference would resize this to 224 x 44.8 million pixels first; we never allocate that."""
    ramp = (np.arange(max(size)) % 256).astype(np.uint8).reshape(size[1], size[0])
    pixels = transform(224)(Image.fromarray(ramp, mode="L"))
    assert pixels.shape == (3, 224, 224)
    assert torch.isfinite(pixels).all()


def test_transform_is_a_picklable_value_for_worker_processes() -> None:
    restored = pickle.loads(pickle.dumps(transform(224)))
    assert restored == transform(224)
    image = photos.photo("astronaut")
    assert torch.equal(restored(image), transform(224)(image))


def test_opened_files_preprocess_like_the_reference_opens_them(all_files: dict[str, Path]) -> None:
    """Upright 8-bit files of every kind: ``preprocess(open_image(p)) == reference(Image.open(p))``."""
    paths = all_files
    skipped_on_purpose = {"photo-jpeg-exif6", "photo-jpeg-exif3", "photo-16bit-png"}  # tested below
    for kind, path in paths.items():
        if not kind.startswith("photo-") or kind in skipped_on_purpose:
            continue
        ours = transform(224)(open_image(path))
        with Image.open(path) as image:
            theirs = reference(224)(image)
        assert torch.equal(ours, theirs), kind
        with Image.open(path) as image:
            assert open_image(path).mode == image.mode, kind


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_shows_the_photo_upright(tmp_path: Path, orientation: int) -> None:
    path = photos.write_jpeg(tmp_path, "coffee", orientation=orientation)
    opened = open_image(path)
    upright = photos.photo("coffee")
    assert opened.size == upright.size == (600, 400)
    error = np.abs(np.asarray(opened, dtype=np.int16) - np.asarray(upright, dtype=np.int16)).mean()
    assert error < 3  # only JPEG's loss; any wrong turn or flip is tens of levels off


def test_exif_rotation_equals_rotating_by_hand(tmp_path: Path) -> None:
    path = photos.write_jpeg(tmp_path, "rocket", orientation=6)  # "turn 90 degrees clockwise to view"
    with Image.open(path) as stored:
        assert stored.size == (427, 640)
        by_hand = stored.transpose(Image.Transpose.ROTATE_270)  # PIL's ROTATE_270: 90 degrees clockwise
    assert np.array_equal(np.asarray(open_image(path)), np.asarray(by_hand))


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animation_gives_its_first_frame(tmp_path: Path, fmt: str) -> None:
    path = photos.write_animated(tmp_path, fmt)
    opened = np.asarray(open_image(path).convert("RGB"), dtype=np.int16)
    first = np.asarray(photos.first_frame(fmt), dtype=np.int16)
    with Image.open(path) as animation:
        assert animation.n_frames == 3
        animation.seek(1)
        second = np.asarray(animation.convert("RGB"), dtype=np.int16)
    assert np.abs(opened - first).mean() < 8  # GIF's 256-colour palette is the only loss
    assert np.abs(opened - second).mean() > 30


def test_16_bit_greyscale_is_seen_as_the_photo_not_as_white(tmp_path: Path) -> None:
    path = photos.write_16bit_png(tmp_path, "camera")
    with Image.open(path) as raw:
        assert raw.mode == "I;16"
    opened = open_image(path)
    assert opened.mode == "L"
    assert np.array_equal(np.asarray(opened), np.asarray(photos.photo("camera")))


def test_16_bit_pgm_opened_by_pillow_as_32_bit_is_seen_as_the_photo_not_as_white(tmp_path: Path) -> None:
    """Raw converters and scanners write 16-bit PGM; Pillow opens it as mode I holding 0..65535."""
    grey = np.asarray(photos.photo("camera"), dtype=np.uint16) * 257  # 8-bit photo spread over 16 bits
    path = tmp_path / "camera-16bit.pgm"
    path.write_bytes(f"P5\n{grey.shape[1]} {grey.shape[0]}\n65535\n".encode() + grey.astype(">u2").tobytes())
    with Image.open(path) as raw:
        assert raw.mode == "I"
    opened = open_image(path)
    assert opened.mode == "L"
    assert np.array_equal(np.asarray(opened), np.asarray(photos.photo("camera")))


def test_32_bit_image_holding_8_bit_values_is_left_as_it_is(tmp_path: Path) -> None:
    grey = np.asarray(photos.photo("camera"), dtype=np.int32)
    path = tmp_path / "camera-32bit.tif"
    Image.fromarray(grey).save(path)
    opened = open_image(path)
    assert opened.mode == "I"
    assert np.array_equal(np.asarray(opened), grey)


def test_png_bomb_header_is_refused_before_decoding(tmp_path: Path) -> None:
    path = photos.write_png_bomb(tmp_path, 100_000, 100_000)
    with pytest.raises(ImageError, match="too large: 10,000,000,000 pixels") as caught:
        open_image(path)
    assert str(path) in str(caught.value)


def test_pillow_pixel_limit_is_respected_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = photos.write_jpeg(tmp_path, "astronaut")  # 512 x 512 = 262,144 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # Pillow refuses above twice its limit
    with pytest.raises(ImageError, match="too large"):
        open_image(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200_000)  # between once and twice: Pillow only warns
    with pytest.warns(Image.DecompressionBombWarning):
        assert open_image(path).size == (512, 512)


BROKEN = {
    "broken-truncated-jpeg": "truncated or corrupt",
    "broken-truncated-png": "truncated or corrupt",
    "broken-garbage-jpeg": "truncated or corrupt",
    "broken-empty": "not an image",
    "broken-text": "not an image",
}


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_file_gives_an_image_error_naming_it(all_files: dict[str, Path], kind: str) -> None:
    path = all_files[kind]
    with pytest.raises(ImageError) as caught:
        open_image(path)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{path}: {BROKEN[kind]}")
    assert caught.value.path == str(path)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda folder: folder / "missing.jpg", "not found"),
    (lambda folder: folder, "is a directory"),
])
def test_missing_file_and_directory_are_named(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ImageError, match=reason) as caught:
        open_image(path)
    assert str(caught.value) == f"{path}: {reason}"


def test_unreadable_file_says_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = photos.write_jpeg(tmp_path, "astronaut")
    path.chmod(0)
    if os.access(path, os.R_OK):  # running as root: permissions do not stop us, so fail the open itself
        def refuse(name, *args, **kwargs):
            raise PermissionError(13, "Permission denied", name)

        monkeypatch.setattr(preprocess, "open", refuse, raising=False)
    with pytest.raises(ImageError) as caught:
        open_image(path)
    assert str(caught.value) == f"{path}: permission denied"


def test_postscript_disguised_as_photo_is_not_run_through_ghostscript(tmp_path: Path) -> None:
    path = tmp_path / "invoice.jpg"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    with pytest.raises(ImageError, match="not an image"):
        open_image(path)


def test_randomly_damaged_files_never_raise_anything_but_image_error(tmp_path: Path) -> None:
    sources = [photos.write_jpeg(tmp_path, "chelsea"), photos.write_png(tmp_path, "camera", mode="P"),
               photos.write_animated(tmp_path, "GIF"), photos.write_animated(tmp_path, "WEBP")]
    rng = random.Random(3)
    for i in range(80):
        data = bytearray(rng.choice(sources).read_bytes())
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            del data[rng.randrange(len(data)):]
        path = tmp_path / f"damaged-{i}.img"
        path.write_bytes(bytes(data))
        try:
            image = open_image(path)
        except ImageError as error:
            assert str(error).startswith(str(path))
        else:
            assert transform(64)(image).shape == (3, 64, 64)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc to list open files")
def test_file_is_closed_once_the_image_is_returned(tmp_path: Path) -> None:
    paths = [photos.write_animated(tmp_path, "GIF"), photos.write_jpeg(tmp_path, "coffee")]
    for path in paths:
        image = open_image(path)
        open_targets = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
        assert str(path.resolve()) not in open_targets
        assert image.size  # the image itself stays usable
