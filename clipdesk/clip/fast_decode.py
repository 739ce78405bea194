"""Decoding big JPEGs for the model at a fraction of the cost (the ``fast`` precision's decoder).

A 12-megapixel photo becomes a 224×224 model input. Decoding every pixel and then resampling 4000×3000
down to 298×224 costs most of the time of a folder run on a CPU. A JPEG decoder can instead produce
the image at 1/2, 1/4 or 1/8 scale directly from its DCT coefficients (Pillow's ``Image.draft``),
skipping the inverse transforms of the detail it would then throw away. We ask for the smallest scale
whose result still has both sides at least the model's input size, so the reference's exact bicubic
resize and centre crop still do the final step (4000×3000 -> 500×375 by the decoder -> 298×224
bicubic -> 224×224 crop).

The model input then differs from the reference preprocessing by well under one grey level: PSNR of
the 224×224 crop about 47 dB on noisy, detailed 12-MP photos and higher on smooth ones (measured by
``clipdesk bench`` and ``tests/benchmarks/draft_decode_psnr.py``); the top-1 label was the same for
every photo we compared. Photos at most about twice the input size, and non-JPEG formats, decode
exactly as ``open_image`` does.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from clipdesk.clip.preprocess import _resize_and_crop, open_image

# Requested draft size, as a multiple of the model's input size. 1: the smallest DCT scale that
# keeps both sides >= the input size. 2 would halve the remaining error (PSNR ~55 dB instead of
# ~47 dB on noisy 12-MP photos) for ~20 % more decode and resize time per photo.
DRAFT_OVERSAMPLE = 1


def open_for_model(path: str | os.PathLike[str], n_px: int, data: bytes | None = None) -> Image.Image:
    """``open_image(path, data=data)``, except that a JPEG at least twice ``n_px`` on both sides is
    decoded at a reduced DCT scale that keeps both sides at least ``n_px``. Same errors as ``open_image``."""
    return open_image(path, draft=n_px * DRAFT_OVERSAMPLE, data=data)


def psnr(expected: Image.Image, actual: Image.Image) -> float:
    """Peak signal-to-noise ratio in dB between two 8-bit images of equal size (inf when equal)."""
    a = np.asarray(expected.convert("RGB"), dtype=np.float64)
    b = np.asarray(actual.convert("RGB"), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"images differ in size: {expected.size} vs {actual.size}")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * float(np.log10(255.0 ** 2 / mse))


def draft_psnr(path: str | os.PathLike[str], n_px: int) -> float:
    """PSNR in dB of the ``n_px`` model input made from the draft-decoded photo against the one the
    reference preprocessing makes from every pixel (inf when draft decoding does not apply)."""
    exact = _resize_and_crop(open_image(path), n_px).convert("RGB")
    fast = _resize_and_crop(open_for_model(path, n_px), n_px).convert("RGB")
    return psnr(exact, fast)
