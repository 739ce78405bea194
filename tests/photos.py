"""Real photos on disk for tests: every mode, orientation and container a user's folder may hold,
plus broken files.

The pictures are the sample photos scikit-image ships inside its wheel (astronaut, coffee, chelsea,
rocket, camera...), so tests see real textures and colours, need no network and are reproducible.

    from tests import photos
    path = photos.write_jpeg(tmp_path, "coffee", orientation=6)   # a phone photo taken sideways
    paths = photos.write_all(tmp_path)                             # {kind: path} of every kind below

Writers return the path they wrote. ``photo(name)`` and ``in_mode(image, mode)`` give in-memory
images for tests that do not need files.
"""

from __future__ import annotations

import importlib.util
import struct
import zlib
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

# Colour photos of scikit-image (name -> width x height): astronaut 512x512, coffee 600x400,
# chelsea 451x300, rocket 640x427. "camera" (512x512) is greyscale.
COLOUR_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
GREY_PHOTOS = ("camera",)
# Modes of in-memory images that ``preprocess`` must handle like the reference.
MODES = ("RGB", "RGBA", "L", "LA", "P", "P+transparency", "CMYK", "I;16", "I", "F", "1")
EXIF_ORIENTATION_TAG = 0x0112
# Pixels stored for an EXIF orientation, from the upright picture (EXIF 2.3, tag 274): orientation 6
# means the camera was turned so that the stored picture must be turned 90 degrees clockwise to be
# seen upright; so we store the upright picture turned 90 degrees counter-clockwise.
_STORED_FOR_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,   # PIL's ROTATE_90 is counter-clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@cache
def _array(name: str) -> np.ndarray:
    """The sample's pixels, read straight from scikit-image's data folder (importing ``skimage.data``
    costs over a second); the same arrays ``skimage.data.<name>()`` returns."""
    spec = importlib.util.find_spec("skimage")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in (".png", ".jpg"):
            path = Path(folder, "data", name + suffix)
            if path.is_file():
                with Image.open(path) as image:
                    return np.asarray(image)
    import skimage.data  # a layout we do not know: let scikit-image find it

    return getattr(skimage.data, name)()


def photo(name: str = "astronaut") -> Image.Image:
    """A fresh copy of one of scikit-image's sample photos (RGB, or L for ``GREY_PHOTOS``)."""
    array = _array(name)
    if array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]
    return Image.fromarray(np.ascontiguousarray(array))


def in_mode(image: Image.Image, mode: str) -> Image.Image:
    """``image`` converted to ``mode`` the way such files come out of real decoders.

    "P+transparency" is an adaptive-palette image with a transparent palette entry; "I;16" spreads the
    8-bit grey over the 16-bit range (as a 16-bit PNG does); "I" and "F" hold the grey values 0..255.
    """
    grey = np.asarray(image.convert("L"))
    if mode == "P":
        return image.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    if mode == "P+transparency":
        palette = image.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE)
        palette.info["transparency"] = 0
        return palette
    if mode == "I;16":
        return Image.fromarray(grey.astype(np.uint16) * 257)
    if mode == "I":
        return Image.fromarray(grey.astype(np.int32), mode="I")
    if mode == "F":
        return Image.fromarray(grey.astype(np.float32), mode="F")
    if mode in ("RGBA", "LA"):
        converted = image.convert(mode)
        converted.putalpha(_alpha_ramp(image.size))
        return converted
    return image.convert(mode)


def _alpha_ramp(size: tuple[int, int]) -> Image.Image:
    """Opaque on the left, transparent on the right: alpha that actually changes resampled colours."""
    width, height = size
    ramp = np.linspace(255, 0, width, dtype=np.float64).round().astype(np.uint8)
    return Image.fromarray(np.tile(ramp, (height, 1)), mode="L")


def stored_for_orientation(upright: Image.Image, orientation: int) -> Image.Image:
    """The pixels a camera stores for a picture seen as ``upright`` with this EXIF orientation (1..8)."""
    method = _STORED_FOR_ORIENTATION[orientation]
    return upright.copy() if method is None else upright.transpose(method)


def _target(folder: Path | str, filename: str) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / filename


def write_jpeg(folder: Path | str, name: str = "astronaut", orientation: int | None = None,
               filename: str | None = None, quality: int = 95) -> Path:
    """A JPEG of a sample photo; with ``orientation`` the pixels are stored turned and the EXIF tag
    says how to turn them back, so viewers (and ``open_image``) show ``photo(name)`` upright."""
    upright = photo(name)
    path = _target(folder, filename or f"{name}{'' if orientation is None else f'-exif{orientation}'}.jpg")
    if orientation is None:
        upright.save(path, "JPEG", quality=quality)
    else:
        exif = Image.Exif()
        exif[EXIF_ORIENTATION_TAG] = orientation
        stored_for_orientation(upright, orientation).save(path, "JPEG", quality=quality, exif=exif)
    return path


def write_png(folder: Path | str, name: str = "astronaut", mode: str = "RGB", filename: str | None = None) -> Path:
    """A PNG of a sample photo in ``mode``: RGB, RGBA / LA (alpha ramp), L, P, P+transparency, 1, I;16."""
    image = in_mode(photo(name), mode)
    path = _target(folder, filename or f"{name}-{mode.replace(';', '').replace('+', '-')}.png")
    extra = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    image.save(path, "PNG", compress_level=1, **extra)
    return path


def write_grey_jpeg(folder: Path | str, name: str = "camera") -> Path:
    """A single-channel (mode L) JPEG, as scanners and some cameras write."""
    path = _target(folder, f"{name}-grey.jpg")
    photo(name).convert("L").save(path, "JPEG", quality=95)
    return path


def write_cmyk_jpeg(folder: Path | str, name: str = "chelsea") -> Path:
    """A CMYK JPEG, as print workflows (Photoshop, InDesign exports) write."""
    path = _target(folder, f"{name}-cmyk.jpg")
    photo(name).convert("CMYK").save(path, "JPEG", quality=95)
    return path


def write_16bit_png(folder: Path | str, name: str = "camera") -> Path:
    """A 16-bit greyscale PNG whose values are the 8-bit photo times 257 (so its top byte is the photo)."""
    return write_png(folder, name, mode="I;16", filename=f"{name}-16bit.png")


def write_animated(folder: Path | str, fmt: str = "GIF", names: tuple[str, ...] = ("astronaut", "camera", "rocket"),
                   size: tuple[int, int] = (160, 120)) -> Path:
    """An animation (GIF, PNG = APNG, or WEBP) whose frames are different photos, first ``names[0]``."""
    frames = [photo(name).convert("RGB").resize(size, Image.Resampling.LANCZOS) for name in names]
    suffix = {"GIF": "gif", "PNG": "png", "WEBP": "webp"}[fmt]
    path = _target(folder, f"animated-{suffix}.{suffix}")
    options = {"lossless": True} if fmt == "WEBP" else {}
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, **options)
    return path


def first_frame(fmt: str = "GIF", names: tuple[str, ...] = ("astronaut", "camera", "rocket"),
                size: tuple[int, int] = (160, 120)) -> Image.Image:
    """The picture ``write_animated`` puts in frame 0 (before any lossy palette encoding)."""
    return photo(names[0]).convert("RGB").resize(size, Image.Resampling.LANCZOS)


def write_truncated_jpeg(folder: Path | str, name: str = "coffee", keep: float = 0.5) -> Path:
    """A JPEG cut off after ``keep`` of its bytes, as an interrupted copy or download leaves it."""
    whole = write_jpeg(folder, name, filename=f"{name}-whole.jpg")
    path = _target(folder, f"{name}-truncated.jpg")
    data = whole.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    whole.unlink()
    return path


def write_truncated_png(folder: Path | str, name: str = "chelsea", keep: float = 0.5) -> Path:
    """A PNG cut off after ``keep`` of its bytes."""
    whole = write_png(folder, name, filename=f"{name}-whole.png")
    path = _target(folder, f"{name}-truncated.png")
    path.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * keep)])
    whole.unlink()
    return path


def write_empty(folder: Path | str, filename: str = "empty.jpg") -> Path:
    """A zero-byte file with an image name."""
    path = _target(folder, filename)
    path.write_bytes(b"")
    return path


def write_text_as_image(folder: Path | str, filename: str = "notes.jpg") -> Path:
    """A text file named like a photo."""
    path = _target(folder, filename)
    path.write_text("shopping list: eggs, milk, a red envelope\n", encoding="utf-8")
    return path


def write_garbage_jpeg(folder: Path | str, filename: str = "garbage.jpg", size: int = 4096) -> Path:
    """A JPEG signature followed by random bytes: identified as JPEG, undecodable."""
    path = _target(folder, filename)
    path.write_bytes(b"\xff\xd8\xff\xe0" + np.random.default_rng(0).bytes(size))
    return path


def write_png_bomb(folder: Path | str, width: int = 100_000, height: int = 100_000,
                   filename: str = "bomb.png") -> Path:
    """A tiny PNG whose valid header claims ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale, no interlace
    rows = zlib.compress(b"\x00" * (width + 1) * 16)  # a few rows of zeros; the rest "to follow"
    path = _target(folder, filename)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return path


def write_all(folder: Path | str) -> dict[str, Path]:
    """One file of every kind: good photos (every mode, rotated, animated) and broken ones.

    Keys of good photos start with "photo-", of broken files with "broken-".
    """
    folder = Path(folder)
    return {
        "photo-jpeg": write_jpeg(folder, "astronaut"),
        "photo-jpeg-exif6": write_jpeg(folder, "coffee", orientation=6),
        "photo-jpeg-exif3": write_jpeg(folder, "rocket", orientation=3),
        "photo-grey-jpeg": write_grey_jpeg(folder),
        "photo-cmyk-jpeg": write_cmyk_jpeg(folder),
        "photo-png": write_png(folder, "chelsea"),
        "photo-rgba-png": write_png(folder, "coffee", mode="RGBA"),
        "photo-la-png": write_png(folder, "camera", mode="LA"),
        "photo-palette-png": write_png(folder, "astronaut", mode="P"),
        "photo-palette-transparent-png": write_png(folder, "rocket", mode="P+transparency"),
        "photo-1bit-png": write_png(folder, "camera", mode="1"),
        "photo-16bit-png": write_16bit_png(folder),
        "photo-animated-gif": write_animated(folder, "GIF"),
        "photo-animated-png": write_animated(folder, "PNG"),
        "photo-animated-webp": write_animated(folder, "WEBP"),
        "broken-truncated-jpeg": write_truncated_jpeg(folder),
        "broken-truncated-png": write_truncated_png(folder),
        "broken-empty": write_empty(folder),
        "broken-text": write_text_as_image(folder),
        "broken-garbage-jpeg": write_garbage_jpeg(folder),
    }
