"""Photos as a camera and a photo library leave them: EXIF orientation and GPS, an ICC profile, existing
keywords of other programs; and an independent reader (the ``exiftool`` command, run by the test itself,
without clipdesk's wrapper or its charset options) for what was written."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageCms

from tests import photos

FORMATS = {"jpeg": ".jpg", "png": ".png", "tiff": ".tif", "webp": ".webp"}
HAS_IPTC = {"jpeg": True, "png": True, "tiff": True, "webp": False}
GPS_LATITUDE = (39.0, 54.0, 26.5)


def camera_photo(folder: Path, fmt: str, name: str = "coffee", stem: str | None = None) -> Path:
    """A photo with orientation 6, a GPS position and an sRGB profile, in ``fmt``."""
    image = photos.photo(name)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "clipdesk test camera"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LATITUDE, "E", (116.0, 23.0, 4.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = Path(folder) / f"{stem or name}{FORMATS[fmt]}"
    options = {"quality": 90} if fmt in ("jpeg", "webp") else {}
    image.save(path, format=fmt.upper(), exif=exif.tobytes(), icc_profile=icc, **options)
    return path


def exiftool_read(path: Path, *tags: str) -> dict:
    """What ExifTool itself reports (no clipdesk config: our namespace is read as unknown XMP)."""
    wanted = tags or ("-XMP-dc:Subject", "-XMP-lr:HierarchicalSubject", "-IPTC:Keywords")
    done = subprocess.run(["exiftool", "-j", "-G1", "-struct", *wanted, str(path)], capture_output=True,
                          check=True, timeout=60)
    record = json.loads(done.stdout.decode("utf-8"), parse_int=str, parse_float=str)[0]
    return {key: value if isinstance(value, list) else [value] for key, value in record.items()
            if key != "SourceFile"}


def exiftool_tags(path: Path) -> dict:
    """Every tag ExifTool sees except file-system, XMP and IPTC ones and byte offsets: what must survive."""
    done = subprocess.run(["exiftool", "-j", "-G1", "-a", "-b", "--File:all", "--System:all", "--XMP:all",
                           "--IPTC:all", "--Photoshop:all", "--ExifTool:all", "--Composite:all", "--PNG:all",
                           str(path)], capture_output=True, check=True, timeout=60)
    tags = json.loads(done.stdout.decode("utf-8", "replace"))[0]
    # where data sits may move, and a WebP's chunk flags now list its XMP
    return {key: value for key, value in tags.items() if "Offset" not in key and key != "RIFF:WebP_Flags"}


def pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.tobytes()


def jpeg_scan_data(path: Path) -> bytes:
    """The entropy-coded image data: everything from the first SOS marker on."""
    data = path.read_bytes()
    index = 2
    while index < len(data):
        marker = data[index + 1]
        if marker == 0xDA:
            return data[index:]
        length = int.from_bytes(data[index + 2:index + 4], "big")
        index += 2 + length
    raise AssertionError(f"{path} has no scan")


def folder_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def have_exiftool() -> bool:
    return shutil.which("exiftool") is not None
