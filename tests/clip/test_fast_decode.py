"""Draft JPEG decoding (the fast mode's decoder): big photos decode at a reduced DCT scale that still
covers the model input, the model input stays within a fraction of a grey level of the exact one,
and everything else -- small photos, other formats, EXIF orientation, broken files -- is exactly
``open_image``."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from clipdesk.clip.fast_decode import draft_psnr, open_for_model, psnr
from clipdesk.clip.preprocess import ImageError, _resize_and_crop, open_image
from tests import photos

MIN_PSNR_DB = 40.0  # well under one grey level of RMS difference on the model's input


def big_jpeg(folder: Path, name: str = "coffee", size: tuple[int, int] = (2400, 1600)) -> Path:
    """A sample photo enlarged to a few megapixels, as a camera would save it."""
    path = folder / f"{name}-big.jpg"
    photos.photo(name).resize(size, Image.Resampling.BICUBIC).save(path, quality=92)
    return path


def model_input(image: Image.Image, n_px: int) -> Image.Image:
    """The RGB crop the model sees (before normalisation), made the reference's way."""
    return _resize_and_crop(image, n_px).convert("RGB")


def test_a_big_jpeg_decodes_at_a_reduced_scale_that_still_covers_the_model_input(tmp_path):
    path = big_jpeg(tmp_path)

    image = open_for_model(path, 224)

    assert image.size == (600, 400)  # 1/4 scale: the smallest with both sides >= 224
    assert open_image(path).size == (2400, 1600)  # open_image stays exact by default


def test_the_model_input_from_draft_decoding_is_within_40_db_of_the_exact_one(tmp_path):
    path = big_jpeg(tmp_path, "astronaut", (3000, 3000))

    exact = model_input(open_image(path), 224)
    fast = model_input(open_for_model(path, 224), 224)

    assert exact.size == fast.size == (224, 224)
    assert MIN_PSNR_DB <= psnr(exact, fast) < float("inf")  # close, and really decoded differently
    assert draft_psnr(path, 224) == psnr(exact, fast)  # what `clipdesk bench` reports


@pytest.mark.parametrize("maker", [
    lambda folder: photos.write_jpeg(folder, "coffee"),  # 600x400: less than twice 224 on the short side
    lambda folder: photos.write_png(folder, "chelsea"),  # not a JPEG: nothing to draft
])
def test_photos_not_much_bigger_than_the_input_and_other_formats_decode_exactly(tmp_path, maker):
    path = maker(tmp_path)

    fast, exact = open_for_model(path, 224), open_image(path)

    assert fast.size == exact.size and fast.mode == exact.mode
    assert psnr(exact, fast) == float("inf")


def test_a_greyscale_jpeg_stays_greyscale_when_draft_decoded(tmp_path):
    path = photos.write_grey_jpeg(tmp_path)  # 512x512, mode L

    image = open_for_model(path, 224)

    assert (image.size, image.mode) == ((256, 256), "L")
    assert psnr(model_input(open_image(path), 224), model_input(image, 224)) >= MIN_PSNR_DB


def test_exif_orientation_is_applied_to_draft_decoded_photos(tmp_path):
    path = photos.write_jpeg(tmp_path, "coffee", orientation=6)  # stored sideways, 600x400 upright

    image = open_for_model(path, 64)  # 64 px input: 1/4 scale applies

    assert image.size == (150, 100)  # upright and reduced
    assert psnr(model_input(open_image(path), 64), model_input(image, 64)) >= 30.0


@pytest.mark.parametrize("maker, reason", [
    (photos.write_truncated_jpeg, "truncated or corrupt"),
    (photos.write_empty, "not an image"),
    (photos.write_text_as_image, "not an image"),
])
def test_broken_files_get_the_same_error_as_exact_decoding(tmp_path, maker, reason):
    path = maker(tmp_path)

    with pytest.raises(ImageError) as exact:
        open_image(path)
    with pytest.raises(ImageError) as fast:
        open_for_model(path, 224)

    assert str(fast.value) == str(exact.value)
    assert reason in str(fast.value) and str(path) in str(fast.value)


def test_psnr_is_infinite_for_equal_images_and_falls_as_they_differ():
    base = photos.photo("rocket")
    slightly = Image.eval(base, lambda v: min(255, v + 1))
    more = Image.eval(base, lambda v: min(255, v + 8))

    assert psnr(base, base.copy()) == float("inf")
    assert 45.0 < psnr(base, slightly) <= 48.2  # an RMS error of at most one level: 48.13 dB
    assert psnr(base, more) < psnr(base, slightly)
    with pytest.raises(ValueError, match="differ in size"):
        psnr(base, base.resize((10, 10)))
