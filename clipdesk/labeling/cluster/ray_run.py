"""The Ray Data job: photo paths → an actor pool (one model each) → whole Parquet parts, with progress.

The driver hands out paths (and each path's earlier content hash, so a rerun skips what is done), and
writes every result it gets back itself, part by part (see :mod:`output`): a kill at any moment loses
at most the rows not yet in a part, and a rerun labels exactly those. Stopping is cooperative
(``should_stop`` between results), like the local run.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clipdesk.defaults import DEFAULT_ROWS_PER_PART
from clipdesk.labeling.cluster.labeller import SKIPPED_COLUMN, ClusterJob, PhotoLabeller
from clipdesk.labeling.cluster.output import PartWriter, job_of, read_done, remove_leftovers, rows_table
from clipdesk.labeling.cluster.sources import Sources
from clipdesk.labeling.predictions import Prediction

if TYPE_CHECKING:
    import pyarrow as pa

SECONDS_PER_PART = 30.0  # a part is written after DEFAULT_ROWS_PER_PART rows or this long, whichever first
LOOPBACK_ONLY_VARIABLE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
CONNECT_TIMEOUT_S = 5.0  # a cluster head that does not accept a connection this fast is not there
CPU_THREADS_PER_ACTOR = 4  # torch threads per CPU actor (more threads per model scale poorly)
CPU_SHARE = 0.75  # of an actor's threads reserved as Ray CPUs: room for Ray's own tasks (all-1.0 hangs)


class ClusterError(RuntimeError):
    """The cluster cannot run the job (no address reachable, no GPU where one was asked for…)."""


@dataclass(frozen=True)
class ActorPlan:
    """How many actors, and what each one holds."""

    actors: int
    device: str  # "cuda" or "cpu"
    num_gpus: float
    num_cpus: float
    threads: int

    def describe(self) -> str:
        each = "1 GPU" if self.num_gpus else f"{self.threads} CPU thread{'s' * (self.threads != 1)}"
        return f"{self.actors} actor{'s' * (self.actors != 1)}, {each} each"


@dataclass
class ClusterRun:
    """What the summary line needs: rows written, photos skipped as done, failures (first ones)."""

    total: int
    written: int = 0
    skipped: int = 0
    failed: int = 0  # rows of this run with an error
    failed_before: int = 0  # photos skipped as done whose earlier row is a failure
    first_failures: list[Prediction] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    plan: ActorPlan | None = None

    @property
    def done(self) -> int:
        return self.written + self.skipped


def plan_actors(resources: dict[str, float], node_cpus: Sequence[float], device: str,
                actors: int | None = None) -> ActorPlan:
    """A GPU per actor where the cluster has GPUs (unless ``device`` is cpu), else a few CPU threads
    each, with fractional Ray CPUs so the pool never starves Ray's own tasks."""
    gpus = int(resources.get("GPU", 0))
    if device in ("auto", "cuda") and gpus >= 1:
        return ActorPlan(actors or gpus, "cuda", 1.0, 1.0, 1)
    if device == "cuda":
        raise ClusterError("--device cuda was asked for, but the Ray cluster has no GPU")
    if device not in ("auto", "cpu"):
        raise ClusterError(f"--device {device} cannot run on Ray actors; use auto, cuda or cpu")
    cpus = max(1, int(resources.get("CPU", 1)))
    biggest = max(1, int(max(node_cpus, default=cpus)))
    threads = min(CPU_THREADS_PER_ACTOR, biggest)
    count = actors or max(1, cpus // threads)
    if actors:
        threads = max(1, min(biggest, cpus // actors))
    return ActorPlan(count, "cpu", 0.0, max(0.25, threads * CPU_SHARE), threads)


def start_ray(address: str | None) -> bool:
    """Connect to ``address`` or start a local Ray bound to 127.0.0.1 only; True when this call
    started it (and must shut it down). An already initialised Ray (a test's, a notebook's) is used.

    A local Ray binds every port on all interfaces unless ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` is
    set when ``ray`` is *first imported* (``_node_ip_address`` alone is not enough): hence the import
    here, after setting it. Not for a remote cluster, whose nodes must reach this driver."""
    if address:
        check_reachable(address)
    elif "ray" not in sys.modules:
        os.environ.setdefault(LOOPBACK_ONLY_VARIABLE, "0")
    try:
        import ray
    except ImportError as error:
        raise ClusterError(f"Ray could not be imported ({error})") from None

    if ray.is_initialized():
        return False
    _quiet_ray_logs()
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        else:
            ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                     _node_ip_address="127.0.0.1")
    except Exception as error:  # noqa: BLE001 - unreachable address, port in use…: one clear line
        raise ClusterError(f"could not {'connect to Ray at ' + address if address else 'start a local Ray'}: "
                           f"{str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}"
                           ) from None
    return True


def check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """ClusterError at once when nothing listens at a ``host:port`` (or ``ray://host:port``) address:
    ray.init would otherwise retry for minutes. ``auto`` and other forms are left to Ray."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise ClusterError(f"nothing answers at {address} ({error.strerror or error}): is the Ray cluster up, and "
                           "is this its head's address (ray status on the head prints it)?") from None


def _quiet_ray_logs() -> None:
    """Our progress line and summary say what matters; Ray's own errors still show. Ray Data sets up
    its loggers when imported, so this runs after that import, for every logger it made."""
    import ray.data  # noqa: F401 - configures the loggers quietened below

    for name in ["ray", *logging.root.manager.loggerDict]:
        if name == "ray" or name.startswith(("ray.", "ray_")):
            logging.getLogger(name).setLevel(logging.ERROR)


def cluster_plan(device: str, actors: int | None) -> ActorPlan:
    import ray

    nodes = ray.nodes()  # type: ignore[no-untyped-call]
    node_cpus = [float(n.get("Resources", {}).get("CPU", 0)) for n in nodes if n.get("Alive")]
    return plan_actors(dict(ray.cluster_resources()), node_cpus, device, actors)  # type: ignore[no-untyped-call]


def run_on_ray(job: ClusterJob, sources: Sources, out: Path, plan: ActorPlan,
               on_progress: Callable[[int, int], None] | None = None,
               should_stop: Callable[[], bool] | None = None, rows_per_part: int = DEFAULT_ROWS_PER_PART
               ) -> ClusterRun:
    """Label ``sources`` into ``out`` on the Ray that :func:`start_ray` connected to."""
    import pyarrow as pa
    import ray
    import ray.data

    start = time.perf_counter()
    remove_leftovers(out)
    done = read_done(out)
    run = ClusterRun(total=len(sources.photos) + len(sources.unreadable), plan=plan, warnings=list(done.warnings))
    check_same_job(out, job)
    writer = PartWriter(out, job.embeddings, job.identity())
    pending: list[pa.Table] = []
    last_part = time.monotonic()

    def report() -> None:
        if on_progress is not None:
            on_progress(run.done, run.total)

    def flush() -> None:
        nonlocal pending, last_part
        writer.write(pending)
        pending, last_part = [], time.monotonic()

    new_failures = [p for p in sources.unreadable if p.path not in done.hashes]
    run.skipped += len(sources.unreadable) - len(new_failures)
    run.failed_before += sum(1 for p in sources.unreadable if p.path in done.failed)
    if new_failures:
        pending.append(rows_table([_failure_row(p, job.model) for p in new_failures], job.embeddings))
        _count_failures(run, new_failures)
        run.written += len(new_failures)
    report()
    if sources.photos:
        paths = list(sources.photos)
        todo = pa.table({"path": pa.array(paths, pa.string()),
                         "done_hash": pa.array([done.hashes.get(p) for p in paths], pa.string())})
        block = max(1, job.batch_size)
        blocks = [todo.slice(i, block) for i in range(0, todo.num_rows, block)]
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # ours is the one progress line
        context.print_on_execution_start = False
        dataset = ray.data.from_arrow(blocks).map_batches(
            PhotoLabeller, fn_constructor_kwargs={"job": job, "device": plan.device},
            batch_size=job.batch_size, batch_format="pyarrow", zero_copy_batch=True,
            compute=ray.data.ActorPoolStrategy(size=plan.actors),
            num_cpus=plan.num_cpus, num_gpus=plan.num_gpus or None)
        stream: Any = dataset.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=1)
        try:
            for table in stream:
                skipped = table.column(SKIPPED_COLUMN).to_pylist()
                rows = table.filter(pa.array([not s for s in skipped])).drop_columns([SKIPPED_COLUMN])
                run.skipped += sum(skipped)
                run.failed_before += sum(1 for path, skip in zip(table.column("path").to_pylist(), skipped)
                                         if skip and path in done.failed)
                _count_failures(run, [Prediction.failed(p, e) for p, e in
                                      zip(rows.column("path").to_pylist(), rows.column("error").to_pylist())
                                      if e is not None])
                pending.append(rows)
                run.written += rows.num_rows
                if sum(t.num_rows for t in pending) >= rows_per_part or \
                        time.monotonic() - last_part >= SECONDS_PER_PART:
                    flush()
                report()
                if should_stop is not None and should_stop() and run.done < run.total:
                    run.cancelled = True
                    break
        except KeyboardInterrupt:  # a second Ctrl-C: the results not yet received are dropped
            run.cancelled = True
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            flush()
    else:
        flush()
    run.written = writer.rows  # what is really on disk
    run.seconds = time.perf_counter() - start
    return run


def different_job_message(out: Path, earlier: dict[str, Any], now: dict[str, Any]) -> str:
    """Why a rerun into ``out`` is refused: it would mix rows of two different jobs."""
    differences = [f"{key} {earlier.get(key)!r} then, {now[key]!r} now" for key in ("model", "labels", "precision",
                   "embeddings") if earlier.get(key) != now[key]]
    what = "; ".join(differences) or "other labels, templates or keep rule"
    return (f"{out} holds a run with other settings ({what}): a rerun continues a job only with the same "
            "settings; give a new --out folder to start another")


def check_same_job(out: Path, job: ClusterJob) -> None:
    """Raise ClusterError before any work when ``out`` holds rows of a different job."""
    earlier = job_of(out)
    if earlier is not None and earlier.get("settings_sha256") != job.identity()["settings_sha256"]:
        raise ClusterError(different_job_message(out, earlier, job.identity()))


def _count_failures(run: ClusterRun, failures: Sequence[Prediction], listed: int = 20) -> None:
    run.failed += len(failures)
    room = listed - len(run.first_failures)
    if room > 0:
        run.first_failures += list(failures[:room])


def _failure_row(prediction: Prediction, model: str) -> dict[str, Any]:
    return {"path": prediction.path, "error": prediction.error, "model": model}


def stop_ray(started: bool) -> None:
    if started:
        import ray

        ray.shutdown()

