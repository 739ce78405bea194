"""``clipdesk bench --library N``: the figures of a large photo library on this machine — saving and
opening a project of N photos (real files, so the existence checks are real), and searching N cached
embeddings by a query and for near-duplicates. No model is needed: an embedding is a vector of the
model's width, and these steps never touch the network."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from clipdesk.labeling.project import Project, open_project, save_project
from clipdesk.labeling.similarity import near_duplicate_groups, rank_by_similarity


@dataclass(frozen=True)
class LibraryBench:
    photos: int
    width: int
    project_save_s: float
    project_open_s: float
    project_bytes: int
    search_ms: float  # one query against every photo, after the query is encoded
    duplicates_s: float  # every pair compared at similarity 0.95

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def measure_library(photos: int = 20_000, width: int = 512, repeats: int = 3) -> LibraryBench:
    with tempfile.TemporaryDirectory(prefix="clipdesk-bench-") as folder:
        root = Path(folder)
        paths = []
        for index in range(photos):
            sub = root / f"{index // 1000:03d}"
            if index % 1000 == 0:
                sub.mkdir()
            path = sub / f"IMG_{index:06d}.jpg"
            path.touch()
            paths.append(str(path))
        project = Project(photos=tuple(paths), labels=("红包", "beach", "receipt"), selected=tuple(paths[:100]),
                          current=paths[0])
        target = root / "library.clipdesk"
        save = _median(lambda: save_project(project, target), repeats)
        opened = _median(lambda: open_project(target), repeats)
        size = target.stat().st_size
    generator = torch.Generator().manual_seed(0)
    embeddings = torch.randn(photos, width, generator=generator)
    query = torch.randn(width, generator=generator)
    names = [f"p{i}" for i in range(photos)]
    search = _median(lambda: rank_by_similarity(query, embeddings, names), max(repeats, 5))
    duplicates = _median(lambda: near_duplicate_groups(embeddings, names, 0.95), 1)
    return LibraryBench(photos, width, save, opened, size, search * 1000.0, duplicates)


def _median(step, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
