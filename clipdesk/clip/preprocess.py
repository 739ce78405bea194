"""Photos in, model inputs out.

``transform(n_px)`` is OpenAI's preprocessing, bit for bit: bicubic resize of the short side to ``n_px``,
centre crop, conversion to RGB, scaling to [0, 1] and normalisation with CLIP's mean and std. The steps
run in the reference's order (resize *before* the RGB conversion), because the order changes pixels
for palette, alpha, CMYK and 16-bit images.

``open_image(path)`` is what the app uses instead of ``Image.open``: it decodes the whole first frame
now, so a truncated or hostile file fails here with an ``ImageError`` that names the file and the reason,
and it shows the model the photo a person sees (EXIF orientation applied, 16-bit depth scaled to 8 bits).
"""

from __future__ import annotations

import io
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as TF

MEAN = (0.48145466, 0.4578275, 0.40821073)  # CLIP's training-set statistics, per RGB channel
STD = (0.26862954, 0.26130258, 0.27577711)
# A 1000:1 strip resized the reference way is n_px * 1000 * n_px pixels (150 MB at 224 px). Above this
# many pixels only the centre crop is resampled instead; see ``_resize_and_crop``.
MAX_RESIZED_PIXELS = 1 << 25
# Pillow plugins that run external programs (EPS calls Ghostscript) are never used on user files.
_UNSAFE_FORMATS = frozenset({"EPS"})


class ImageError(ValueError):
    """A file that cannot be used as a photo; the message names the file and the reason."""

    def __init__(self, path: str | os.PathLike[str], reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class Transform:
    """PIL image (any mode, any size) -> ``[3, n_px, n_px]`` float32 tensor, as OpenAI's ``_transform``."""

    n_px: int

    def __call__(self, image: Image.Image) -> torch.Tensor:
        cropped = _resize_and_crop(image, self.n_px)
        pixels = TF.to_tensor(cropped.convert("RGB"))  # [3, n_px, n_px] in [0, 1]
        return TF.normalize(pixels, MEAN, STD)


def transform(n_px: int) -> Transform:
    """The preprocessing for a model whose images are ``n_px`` pixels square (``model.visual.input_resolution``)."""
    return Transform(n_px)


def resized_size(width: int, height: int, n_px: int) -> tuple[int, int]:
    """(width, height) after scaling the short side to ``n_px``; the long side is truncated, as torchvision does."""
    if width <= height:
        return n_px, int(n_px * height / width)
    return int(n_px * width / height), n_px


def _resize_and_crop(image: Image.Image, n_px: int) -> Image.Image:
    """Bicubic resize of the short side to ``n_px``, then the centred ``n_px`` square.

    Done exactly as the reference (torchvision on a PIL image) unless the resized image would exceed
    ``MAX_RESIZED_PIXELS``, i.e. for strips longer than about 670:1 at 224 px. Those are resampled
    straight into the crop with Pillow's ``box``; that changes the filter's sample positions in the
    last bits, so pixels may differ from the reference's by a level or two (out of 255) -- instead of
    the reference's gigabytes of memory for a picture that is mostly cropped away.
    """
    width, height = resized_size(*image.size, n_px)
    if width * height <= MAX_RESIZED_PIXELS:
        resized = TF.resize(image, n_px, interpolation=InterpolationMode.BICUBIC)
        return TF.center_crop(resized, n_px)
    scale_x, scale_y = image.width / width, image.height / height
    left, top = int(round((width - n_px) / 2.0)), int(round((height - n_px) / 2.0))  # torchvision's crop origin
    box = (left * scale_x, top * scale_y, (left + n_px) * scale_x, (top + n_px) * scale_y)
    return image.resize((n_px, n_px), Image.Resampling.BICUBIC, box=box)


@lru_cache(maxsize=1)
def _readable_formats() -> tuple[str, ...]:
    """Every format Pillow (plus pillow-heif, when installed) can read, minus those that run programs."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        pass
    else:
        register_heif_opener()
    Image.init()
    return tuple(name for name in Image.ID if name not in _UNSAFE_FORMATS)


def _too_large_reason(error: Image.DecompressionBombError) -> str:
    """Pillow refuses before it knows anything but the pixel count; say that much plainly."""
    counts = [int(n) for n in re.findall(r"\d+", str(error))]
    if len(counts) >= 2:
        return (f"too large: {counts[0]:,} pixels, over the {counts[1]:,}-pixel safety limit "
                "(possibly a decompression bomb)")
    return f"too large ({error})"


def _check_size(image: Image.Image, path: str) -> None:
    """The same limit Pillow applies when opening, for decoders that produce more than the header said."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and image.width * image.height > 2 * limit:
        raise ImageError(path, f"too large: {image.width}×{image.height} pixels "
                               "(possibly a decompression bomb)")


def _apply_exif_orientation(image: Image.Image) -> None:
    """Rotate/flip the pixels as the camera's EXIF tag says; unreadable EXIF leaves the pixels as stored."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, IndexError, ArithmeticError):
        pass  # a broken metadata block is no reason to refuse a photo whose pixels decoded fine


def _to_8_bit(image: Image.Image) -> Image.Image:
    """16-bit greyscale as an 8-bit image (top byte): Pillow's own RGB conversion clips it to white.

    PNG and TIFF open as ``I;16*``; a 16-bit PGM (raw converters, scanners) opens as 32-bit ``I``
    holding 0..65535, recognised by values above 8 bits that still fit in 16.
    """
    if image.mode == "I":
        low, high = cast("tuple[int, int]", image.getextrema())  # one band: (min, max)
        if not (0 <= low and 255 < high <= 65535):
            return image
    elif not image.mode.startswith("I;16"):
        return image
    return Image.fromarray((np.asarray(image) >> 8).astype(np.uint8), mode="L")


def open_image(path: str | os.PathLike[str], draft: int | None = None, data: bytes | None = None) -> Image.Image:
    """Decode the first frame of the photo at ``path``, upright, with all pixels in memory.

    ``draft`` (default None: every pixel, exactly): let a JPEG decoder skip detail, decoding at the
    smallest DCT scale (1/2, 1/4 or 1/8) that keeps both sides at least ``draft`` pixels; see
    ``clipdesk.clip.fast_decode``. Other formats ignore it.

    Raises ``ImageError`` (a ``ValueError``) naming the file for every failure: not found, is a
    directory, permission denied, not an image, truncated or corrupt, too large (Pillow's
    ``MAX_IMAGE_PIXELS`` decompression-bomb limit, which is respected and never changed here).
    The image keeps its mode; ``transform`` does the RGB conversion, as the reference does.

    ``data``: the file's bytes, already read by the caller (who hashed exactly these bytes); ``path``
    then only names the photo in errors.
    """
    name = os.fspath(path)
    try:
        if data is None:
            info = os.stat(name)
            if not stat.S_ISREG(info.st_mode):
                raise ImageError(name, "is a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file")
        if (info.st_size if data is None else len(data)) == 0:
            raise ImageError(name, "not an image (empty file)")
        with (open(name, "rb") if data is None else io.BytesIO(data)) as file:
            image = Image.open(file, formats=_readable_formats())
            if draft is not None:
                image.draft(None, (draft, draft))  # JPEG only: scale down while decoding
            image.load()  # decode now: first frame only; the file is closed after this block
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(name, "not found") from None
    except IsADirectoryError:
        raise ImageError(name, "is a directory") from None
    except PermissionError:
        raise ImageError(name, "permission denied") from None
    except Image.DecompressionBombError as error:
        raise ImageError(name, _too_large_reason(error)) from None
    except UnidentifiedImageError:
        raise ImageError(name, "not an image (or a format clipdesk cannot read)") from None
    except MemoryError:
        raise ImageError(name, "too large to decode in the available memory") from None
    except OSError as error:
        if error.errno is not None:  # the system could not read the file (I/O error, bad name, ...)
            raise ImageError(name, f"could not be read ({error.strerror})") from error
        raise ImageError(name, f"truncated or corrupt ({error})") from error  # Pillow's decoder errors
    except Exception as error:  # noqa: BLE001 - decoders raise many types on malformed data
        raise ImageError(name, f"truncated or corrupt ({str(error) or type(error).__name__})") from error
    _check_size(image, name)
    _apply_exif_orientation(image)
    return _to_8_bit(image)
