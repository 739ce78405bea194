"""Photos in, Chinese-CLIP inputs out: ``transform(n_px)`` is ``cn_clip``'s ``image_transform``, bit for bit.

Unlike OpenAI's preprocessing there is no centre crop: the whole photo is resized (bicubic) to an
``n_px`` square, stretching it, as the models were trained. The steps run in the reference's order --
resize *before* the RGB conversion -- with OpenAI's mean and std. Opening photos (``open_image``,
the draft decoding of ``fast``) is shared with ``clipdesk.clip.preprocess``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as TF

from clipdesk.clip.preprocess import MEAN, STD


@dataclass(frozen=True)
class Transform:
    """PIL image (any mode, any size) -> ``[3, n_px, n_px]`` float32 tensor, as ``cn_clip.image_transform``."""

    n_px: int

    def __call__(self, image: Image.Image) -> torch.Tensor:
        resized = TF.resize(image, [self.n_px, self.n_px], interpolation=InterpolationMode.BICUBIC)
        pixels = TF.to_tensor(resized.convert("RGB"))  # [3, n_px, n_px] in [0, 1]
        return TF.normalize(pixels, MEAN, STD)


def transform(n_px: int) -> Transform:
    """The preprocessing for a model whose images are ``n_px`` pixels square."""
    return Transform(n_px)
