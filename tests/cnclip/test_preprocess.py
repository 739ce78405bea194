"""Chinese-CLIP's preprocessing (resize to a square, no crop) is the reference's, bit for bit."""

from __future__ import annotations

import warnings

import pytest
from PIL import Image

from clipdesk.clip.preprocess import open_image
from clipdesk.cnclip.preprocess import transform
from tests import photos

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from cn_clip.clip import image_transform


@pytest.mark.parametrize("mode", photos.MODES)
@pytest.mark.parametrize("n_px", [224, 336])
def test_every_pil_mode_preprocesses_exactly_as_the_reference(mode, n_px):
    image = photos.in_mode(photos.photo("chelsea"), mode)
    ours, theirs = transform(n_px)(image), image_transform(n_px)(image)
    assert ours.shape == (3, n_px, n_px) and (ours - theirs).abs().max().item() == 0.0


@pytest.mark.parametrize("size", [(3000, 10), (10, 2000), (225, 224), (50, 50)])
def test_odd_shapes_are_stretched_to_the_square_like_the_reference(size):
    image = photos.photo("rocket").resize(size)
    assert (transform(224)(image) - image_transform(224)(image)).abs().max().item() == 0.0


def test_real_photo_files_preprocess_like_the_reference(tmp_path):
    for path in (photos.write_jpeg(tmp_path), photos.write_png(tmp_path, "coffee", "RGBA"),
                 photos.write_cmyk_jpeg(tmp_path)):
        with Image.open(path) as image:
            image.load()
            expected = image_transform(224)(image)
        assert (transform(224)(open_image(path)) - expected).abs().max().item() == 0.0
