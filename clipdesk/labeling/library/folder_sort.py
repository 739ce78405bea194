"""Per-label folders: copy (or move) each photo into ``<target>/<label>/`` — into each of its labels'
folders when it keeps several, into ``unsorted/`` when it keeps none — never overwriting (a free name
such as ``IMG_0001 (2).jpg``), its sidecars travelling with it, every placement in the change log."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clipdesk.labeling.keep_rule import UNSORTED
from clipdesk.labeling.library.change_log import ChangeLog, LoggedRun, run_logged
from clipdesk.labeling.library.safe_files import claim, sha256_of

COPIED, MOVED, ALREADY_THERE, WOULD_COPY, WOULD_MOVE, FAILED = (
    "copied", "moved", "already there", "would copy", "would move", "failed")
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})
MAX_FOLDER_NAME = 120  # characters; file systems allow 255 bytes, and a path must stay usable


@dataclass(frozen=True)
class SortOptions:
    into: Path
    move: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class SortOutcome:
    photo: str
    status: str
    destinations: tuple[str, ...] = ()  # where the photo is (or would be) placed
    error: str | None = None


SortRun = LoggedRun  # outcomes are SortOutcome


def folder_name(label: str) -> str:
    """A folder name for ``label`` that every OS accepts (Chinese kept; ``/``, ``:``… become ``_``)."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]', "_", label).strip().rstrip(". ")[:MAX_FOLDER_NAME].rstrip(". ")
    if not name or name in (".", ".."):
        name = "_"
    if name.split(".")[0].lower() in WINDOWS_RESERVED:
        name += "_"
    return name


def destinations(into: Path, labels: Sequence[str]) -> list[Path]:
    """The folders a photo keeping ``labels`` goes to (``unsorted`` for none), each once."""
    names = [folder_name(label) for label in labels] or [UNSORTED]
    return [into / name for name in dict.fromkeys(names)]


def companions(photo: Path) -> list[Path]:
    """The sidecars that belong to ``photo``: ``photo.jpg.xmp`` (digiKam, darktable, Immich) and
    ``photo.xmp`` (Lightroom) when no other file shares that stem."""
    found: list[Path] = []
    try:
        siblings = list(photo.parent.iterdir())
    except OSError:
        return found
    by_lower = {p.name.lower(): p for p in siblings}
    full = by_lower.get(photo.name.lower() + ".xmp")
    if full is not None:
        found.append(full)
    stem = by_lower.get(photo.stem.lower() + ".xmp")
    shares_stem = [p for p in siblings if p.stem.lower() == photo.stem.lower() and p.suffix.lower() != ".xmp"
                   and p != photo]
    if stem is not None and stem != full and not shares_stem:
        found.append(stem)
    return found


def free_name(folder: Path, photo: Path, sidecars: Sequence[Path], number: int) -> tuple[Path, list[Path]]:
    """``IMG.jpg`` (number 1), ``IMG (2).jpg``…, and the sidecar names that go with it."""
    stem = photo.stem if number == 1 else f"{photo.stem} ({number})"
    target = folder / f"{stem}{photo.suffix}"
    names = []
    for sidecar in sidecars:
        if sidecar.name.lower() == (photo.name + ".xmp").lower():
            names.append(folder / (target.name + sidecar.name[len(photo.name):]))
        else:
            names.append(folder / (stem + sidecar.suffix))
    return target, names


class FolderSorter:
    def __init__(self, options: SortOptions, log: ChangeLog | None) -> None:
        if log is None and not options.dry_run:
            raise ValueError("a sort that changes folders needs a change log")
        self.options = options
        self.log = log
        self._made_folders: set[str] = set()

    def place(self, photo: str | os.PathLike[str], labels: Sequence[str]) -> SortOutcome:
        source = Path(photo)
        shown = str(photo)
        try:
            if not source.is_file():
                raise FileNotFoundError(f"{photo} is not there any more")
            folders = destinations(self.options.into, labels)
            if self.options.dry_run:
                status = WOULD_MOVE if self.options.move else WOULD_COPY
                return SortOutcome(shown, status, tuple(str(f / source.name) for f in folders))
            sidecars = companions(source)
            placed: list[str] = []
            statuses = []
            for index, folder in enumerate(folders):
                last = index == len(folders) - 1
                move = self.options.move and last  # copies to the other labels' folders first
                where, status = self._place_one(source, sidecars, folder, move)
                placed.append(str(where))
                statuses.append(status)
            overall = ALREADY_THERE if all(s == ALREADY_THERE for s in statuses) else (
                MOVED if self.options.move else COPIED)
            return SortOutcome(shown, overall, tuple(placed))
        except OSError as error:
            reason = error.strerror or str(error)
            if error.filename:
                reason += f": {error.filename}"
            return SortOutcome(shown, FAILED, error=reason)

    def _place_one(self, source: Path, sidecars: Sequence[Path], folder: Path, move: bool) -> tuple[Path, str]:
        if not folder.is_dir():
            missing = [f for f in (folder, *folder.parents) if not f.exists()]
            folder.mkdir(parents=True, exist_ok=True)
            self._made_folders.update(str(f) for f in missing)
        number = 1
        while True:
            target, sidecar_targets = free_name(folder, source, sidecars, number)
            if number == 1 and target.is_file() and _same_content(target, source):
                return target, ALREADY_THERE  # sorted before: no second copy
            if target.exists() or any(p.exists() for p in sidecar_targets):
                number += 1
                continue
            digest = sha256_of(source)
            assert self.log is not None
            kind = "move" if move else "copy"
            self.log.record({"kind": kind, "from": str(source), "to": str(target), "sha256": digest,
                             "created_folders": sorted(self._made_folders)})
            if not claim(source, target, move):
                number += 1  # taken a moment ago by someone else
                continue
            for sidecar, sidecar_target in zip(sidecars, sidecar_targets):
                self.log.record({"kind": kind, "from": str(sidecar), "to": str(sidecar_target),
                                 "sha256": sha256_of(sidecar), "sidecar_of": str(target)})
                if not claim(sidecar, sidecar_target, move):
                    raise FileExistsError(f"{sidecar_target} appeared while sorting; {sidecar} was kept")
            return target, MOVED if move else COPIED


def sort_into_folders(items: Iterable[tuple[str, Sequence[str]]], options: SortOptions,
                      log_path: str | os.PathLike[str] | None = None,
                      on_progress: Callable[[int, SortOutcome], None] | None = None,
                      should_stop: Callable[[], bool] | None = None) -> SortRun:
    return run_logged(items, "sort", options.dry_run, log_path,
                      lambda log: contextlib.nullcontext(FolderSorter(options, log).place), on_progress, should_stop)


def _same_content(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and sha256_of(a) == sha256_of(b)
    except OSError:
        return False
