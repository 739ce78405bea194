"""What the window and its worker say to each other: requests in, reports out, all frozen dataclasses
tagged with the id of the job they belong to. Plain Python: no Qt, so they can be built and checked
anywhere (a fake worker client in the tests builds the same reports).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from clipdesk.defaults import WINDOW_BATCH_SIZE
from clipdesk.gui import services

if TYPE_CHECKING:
    from clipdesk.labeling.predictions import Prediction


class JobKind(StrEnum):
    """What a job does. A new job of a kind supersedes the running one of that kind (and a new model
    supersedes ranking and searches: ``SUPERSEDES``)."""

    LOAD = "load"
    RANK = "rank"
    CHECK = "check"  # labels too long for the model, before any photo is ranked
    DOWNLOAD = "download"
    IMPORT = "import"
    SEARCH = "search"  # a search or a near-duplicate grouping: one ordering of the grid at a time


SUPERSEDES: dict[JobKind, tuple[JobKind, ...]] = {
    JobKind.LOAD: (JobKind.LOAD, JobKind.RANK, JobKind.SEARCH),
    JobKind.RANK: (JobKind.RANK,), JobKind.CHECK: (JobKind.CHECK,), JobKind.DOWNLOAD: (JobKind.DOWNLOAD,),
    JobKind.IMPORT: (JobKind.IMPORT,), JobKind.SEARCH: (JobKind.SEARCH,),
}


@dataclass(frozen=True)
class Job:
    """A request's identity and its cancel switch (shared by the GUI thread and the worker)."""

    id: int
    kind: JobKind
    cancel: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()


@dataclass(frozen=True)
class ModelRequest:
    model: str  # a registry name or a checkpoint path
    device: str = "auto"
    precision: str = "fast"
    batch_size: int = WINDOW_BATCH_SIZE


@dataclass(frozen=True)
class RankRequest:
    paths: tuple[str, ...]
    labels: tuple[str, ...]
    templates: tuple[str, ...]
    batch_size: int = WINDOW_BATCH_SIZE


@dataclass(frozen=True)
class SearchRequest:
    """Order ``paths`` by how well they match ``text`` (words) or the photo ``like``."""

    paths: tuple[str, ...]
    text: str = ""
    like: str = ""


@dataclass(frozen=True)
class DuplicatesRequest:
    paths: tuple[str, ...]
    min_similarity: float = 0.95


# ---- what comes out (all frozen, all tagged with their job id) -------------------------------------
@dataclass(frozen=True)
class JobProgress:
    job_id: int
    kind: JobKind
    done: int
    total: int  # 0 when unknown (a server that sends no size)
    phase: str = ""  # a rank job: "labels" while the label prompts are encoded, then "photos"
    rate: float | None = None  # items per second measured so far, when the job knows it
    source: str = ""  # a download: the server it is coming from


@dataclass(frozen=True)
class ModelReady:
    job_id: int
    model: str  # what the user asked for (name or path)
    display_name: str  # short name for the status bar
    device: str  # "CPU", "NVIDIA GeForce …", "Apple MPS"
    family: services.FamilyInfo = field(default_factory=lambda: services.family_info(None))


@dataclass(frozen=True)
class ModelMissing:
    """The asked-for registry model is not in the cache yet: the first-run dialog takes over."""

    job_id: int
    model: str  # the registry name
    size: int | None  # bytes to download, when known
    partial: int  # bytes of a resumable ``.part`` already on disk
    sources: tuple[str, ...] = ()  # the servers a download tries, in order


@dataclass(frozen=True)
class RankBatch:
    job_id: int
    request: RankRequest
    predictions: tuple[Prediction, ...]


@dataclass(frozen=True)
class SearchDone:
    job_id: int
    request: SearchRequest
    scores: dict[str, float]  # cosine similarity per photo that could be read
    seconds: float  # ranking the photos, after the query was encoded


@dataclass(frozen=True)
class DuplicatesDone:
    job_id: int
    request: DuplicatesRequest
    groups: tuple[tuple[tuple[str, float], ...], ...]  # (path, similarity to the group's first photo)


@dataclass(frozen=True)
class LabelsChecked:
    """Labels the model had to cut at its context, and other notes on the label list."""

    job_id: int
    truncated: tuple[str, ...]
    warnings: tuple[str, ...]
    context_length: int = 77  # the tokens the model reads, which the truncated labels exceed


@dataclass(frozen=True)
class WeightsReady:
    """A download or an import finished: ``model`` is now in the cache."""

    job_id: int
    model: str


@dataclass(frozen=True)
class JobFailed:
    job_id: int
    kind: JobKind
    message: str  # one readable line
    topic: str = "other"  # "device" or "other": which next step to offer (services.error_topic)


@dataclass(frozen=True)
class JobDone:
    job_id: int
    kind: JobKind
    cancelled: bool
