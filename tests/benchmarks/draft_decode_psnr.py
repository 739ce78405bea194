"""How far draft JPEG decoding (the fast mode's decoder) moves the model input, and what it saves.
A benchmark script, not a collected test::

    python tests/benchmarks/draft_decode_psnr.py            # sample photos enlarged to 12 MP, with grain
    python tests/benchmarks/draft_decode_psnr.py ~/Pictures/*.jpg

For each photo: PSNR of the 224×224 model input (draft decode + exact bicubic resize + crop) against the
reference preprocessing of every pixel, and the decode+resize time of both. The built-in photos are
scikit-image's samples enlarged to 4000×3000 with sensor-like grain and fine texture -- harder for draft
decoding than the smooth photos ``clipdesk bench`` generates.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

N_PX = 224


def grainy_camera_photos(folder: Path) -> list[Path]:
    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests import photos

    rng = np.random.default_rng(0)
    paths = []
    for name in photos.COLOUR_PHOTOS:
        pixels = np.asarray(photos.photo(name).resize((4000, 3000), Image.Resampling.BICUBIC), dtype=np.float32)
        texture = rng.integers(0, 255, (750, 1000), dtype=np.uint8)
        texture = np.asarray(Image.fromarray(texture).resize((4000, 3000), Image.Resampling.BICUBIC), np.float32)
        pixels += rng.normal(0, 6, pixels.shape) + (texture[..., None] - 128) * 0.15
        path = folder / f"{name}-12mp.jpg"
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(path, quality=90)
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    from clipdesk.clip.fast_decode import open_for_model, psnr
    from clipdesk.clip.preprocess import _resize_and_crop, open_image

    with tempfile.TemporaryDirectory() as scratch:
        paths = [Path(arg) for arg in argv] or grainy_camera_photos(Path(scratch))
        rows = []
        for path in paths:
            start = time.perf_counter()
            exact = _resize_and_crop(open_image(path), N_PX).convert("RGB")
            middle = time.perf_counter()
            drafted = open_for_model(path, N_PX)
            fast = _resize_and_crop(drafted, N_PX).convert("RGB")
            end = time.perf_counter()
            rows.append((path.name, drafted.size, psnr(exact, fast), middle - start, end - middle))
    for name, size, value, exact_s, fast_s in rows:
        print(f"{name:28} draft {size[0]}x{size[1]:<5} PSNR {value:5.1f} dB   exact {1000 * exact_s:5.0f} ms"
              f"   draft {1000 * fast_s:5.0f} ms")
    print(f"median PSNR {statistics.median(r[2] for r in rows):.1f} dB, min {min(r[2] for r in rows):.1f} dB; "
          f"decode+resize {statistics.median(r[3] for r in rows) / statistics.median(r[4] for r in rows):.1f}x "
          "faster")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
