"""Fixtures for CLI tests: run ``clipdesk`` in-process or as a real subprocess, and a folder of real
photos mixed with broken files."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from clipdesk.cli import main
from tests import photos


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """``cli("label", ...)`` runs ``clipdesk.cli.main`` as the ``clipdesk`` command would."""

    def run(*args: object) -> Run:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def run_subprocess(*args: object, timeout: float = 180) -> Run:
    """The real ``clipdesk`` command in a fresh interpreter (the test's environment is inherited)."""
    done = subprocess.run([sys.executable, "-m", "clipdesk", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return Run(done.returncode, done.stdout, done.stderr)


GOOD_KINDS = ("bmp", "tiff", "webp")


@pytest.fixture(scope="session")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real photos in every mode and container (rotated EXIF, alpha PNG, grey, CMYK, animated GIF,
    BMP, TIFF, WebP, 16-bit) and broken files (truncated, empty, text named .jpg, garbage, a
    decompression bomb, a folder named x.png). Keys of good files start with "photo-"."""
    folder = tmp_path_factory.mktemp("mixed")
    files = photos.write_all(folder)
    picture = photos.photo("chelsea")
    for kind in GOOD_KINDS:
        path = folder / f"chelsea.{kind}"
        picture.save(path)
        files[f"photo-{kind}"] = path
    files["broken-bomb"] = photos.write_png_bomb(folder)
    (folder / "x.png").mkdir()
    files["broken-folder"] = folder / "x.png"
    (folder / "readme.txt").write_text("not a photo, and not named like one: skipped")
    (folder / ".hidden.jpg").write_bytes(b"")
    return files


def write_photos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    names = photos.COLOUR_PHOTOS
    paths = []
    for i in range(count):
        path = folder / f"p{i:02d}.jpg"
        photos.photo(names[i % len(names)]).resize((96 + i, 64)).save(path)
        paths.append(path)
    return paths


def big_jpeg(path: Path) -> Path:
    photos.photo("astronaut").resize((3000, 2000), Image.Resampling.BILINEAR).save(path, quality=90)
    return path
