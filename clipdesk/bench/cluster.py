"""The cluster figure of ``clipdesk bench --cluster``: the same photos labelled locally and with
``--on ray`` on a local Ray, so the overhead of Ray is a number, not a guess.

Three Ray figures, because they answer different questions: the whole job (actor start and model
load included -- what a small job costs), the steady rate once the actors hold their models (what
scales with more actors: the sizing table's photos/s per actor), and the time to start a local Ray.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CLUSTER_BATCH = 8  # photos per actor call, at most: a short bench must still see several results


@dataclass(frozen=True)
class ClusterFigures:
    photos: int
    local_photos_per_s: float
    ray_job_photos_per_s: float  # from submitting the job to its last row
    ray_steady_photos_per_s: float  # from the first row back to the last: actors already up
    ray_start_s: float  # ray.init of a local Ray (0 when one was running already)
    actors: int
    threads_per_actor: int


def measure_cluster(weights: Path, photos: Sequence[Path], labels: Sequence[str], precision: str,
                    device: str = "cpu") -> ClusterFigures:
    """Label ``photos`` locally (model loaded, labels encoded beforehand), then on a local Ray."""
    from clipdesk.labeling import ZeroShotClassifier
    from clipdesk.labeling.cluster import require_cluster
    from clipdesk.labeling.cluster.labeller import ClusterJob
    from clipdesk.labeling.cluster.ray_run import cluster_plan, run_on_ray, start_ray, stop_ray
    from clipdesk.labeling.cluster.sources import Sources

    require_cluster()
    batch = max(1, min(CLUSTER_BATCH, len(photos) // 4))  # at least 4 results: a first one and a rate after it
    classifier = ZeroShotClassifier(weights, device=device, precision=precision, batch_size=batch)
    classifier.text_features(labels)
    start = time.perf_counter()
    classifier.rank([str(p) for p in photos], labels)
    local = len(photos) / (time.perf_counter() - start)
    templates = classifier.default_templates  # what a run without --template uses
    del classifier
    start = time.perf_counter()
    started = start_ray(None)
    ray_start = time.perf_counter() - start if started else 0.0
    try:
        plan = cluster_plan(device if device in ("cpu", "cuda") else "auto", None)
        job = ClusterJob(model=str(weights), labels=tuple(labels), templates=templates, precision=precision,
                         batch_size=batch, threads=plan.threads)
        seen: list[tuple[float, int]] = []
        with tempfile.TemporaryDirectory(prefix="clipdesk-bench-ray-") as scratch:
            start = time.perf_counter()
            run = run_on_ray(job, Sources(tuple(str(p) for p in photos), ()), Path(scratch) / "out.parquet", plan,
                             on_progress=lambda done, total: seen.append((time.perf_counter(), done)))
            whole = time.perf_counter() - start
    finally:
        stop_ray(started)
    first = next(((t, done) for t, done in seen if done > 0), None)
    steady = 0.0
    if first is not None and seen[-1][0] > first[0]:
        steady = (seen[-1][1] - first[1]) / (seen[-1][0] - first[0])
    return ClusterFigures(len(photos), local, run.written / whole, steady, ray_start, plan.actors, plan.threads)

