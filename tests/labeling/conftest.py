"""Fixtures for the labeling tests: small distinct photos, and a reference-CLIP oracle."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from PIL import Image, ImageDraw


def make_photos(folder: Path, count: int, size: tuple[int, int] = (80, 60)) -> list[Path]:
    """``count`` different RGB JPEG/PNG pictures (coloured shapes on gradients), sorted by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        image = Image.linear_gradient("L").resize(size).convert("RGB")
        draw = ImageDraw.Draw(image)
        colour = ((i * 67) % 256, (i * 131 + 40) % 256, (i * 29 + 90) % 256)
        draw.ellipse((5 + i % 7, 5 + i % 5, size[0] // 2 + i % 11, size[1] - 5), fill=colour)
        path = folder / f"photo{i:03d}.{'png' if i % 3 == 0 else 'jpg'}"
        image.save(path)
        paths.append(path)
    return paths


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    return make_photos(tmp_path / "photos", 7)


@pytest.fixture(scope="session")
def reference_clip():
    """OpenAI's reference package (test-only oracle)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import clip
    return clip
