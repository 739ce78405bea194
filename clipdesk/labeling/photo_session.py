"""The photos of a working session and what is known about each, in plain Python: the order they are
shown in, their latest prediction and what it was computed under, which are missing on disk, and the
scores of a search. The window's photo grid adapts this to Qt (``gui.image_list.PhotoListModel``);
the logic -- which photos need ranking, what counts as labelled, how a search orders them -- lives here,
where it is tested without Qt and can serve a persistent library too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clipdesk.labeling.predictions import Prediction


@dataclass(frozen=True)
class Signature:
    """What a prediction is computed under. A photo whose prediction has another signature than the
    current one is out of date until it is re-ranked: labels, template, model, device and precision
    all change the numbers."""

    model: str  # a registry name or a checkpoint path
    engine: str  # device and precision as chosen in Preferences, e.g. "auto/fast"
    labels: tuple[str, ...]
    templates: tuple[str, ...]


@dataclass(frozen=True)
class Relocation:
    """What ``PhotoSession.relocate`` did: photos pointed at their new place (their rows), and rows of
    photos found where another listed photo already is (still listed: the caller removes them)."""

    moved_rows: tuple[int, ...]
    duplicate_rows: tuple[int, ...]


class PhotoSession:
    """Photos in the order they were added (or best match first during a search), each with its
    latest prediction or none yet. Every path is listed at most once."""

    def __init__(self) -> None:
        self._paths: list[str] = []  # in display order
        self._rows: dict[str, int] = {}
        self._added: dict[str, int] = {}  # path -> when it was added (the order a search returns to)
        self._next_added = 0
        self._scores: dict[str, float] | None = None
        self._missing: set[str] = set()
        self._predictions: dict[str, Prediction] = {}
        self._signatures: dict[str, Signature] = {}
        self.current_signature: Signature | None = None

    # -- editing -------------------------------------------------------------------------------
    def add(self, paths: Iterable[str]) -> list[str]:
        """Append photos not already listed (at the end, in the order given); returns the new ones."""
        new = [path for path in dict.fromkeys(paths) if path not in self._rows]  # linear: 20,000 at once
        for path in new:
            self._rows[path] = len(self._paths)
            self._paths.append(path)
            self._added[path] = self._next_added
            self._next_added += 1
        return new

    def remove_range(self, first: int, last: int) -> list[str]:
        """Remove the photos in rows ``first``..``last`` (inclusive) with everything known about
        them; returns their paths."""
        removed = self._paths[first:last + 1]
        del self._paths[first:last + 1]
        for path in removed:
            self._forget(path)
        self._rows = {path: row for row, path in enumerate(self._paths)}
        return removed

    def clear(self) -> list[str]:
        removed = list(self._paths)
        self._paths.clear()
        self._rows.clear()
        for path in removed:
            self._forget(path)
        self._scores = None
        return removed

    def _forget(self, path: str) -> None:
        self._added.pop(path, None)
        self._missing.discard(path)
        self._predictions.pop(path, None)
        self._signatures.pop(path, None)
        if self._scores is not None:
            self._scores.pop(path, None)

    def set_predictions(self, predictions: Iterable[Prediction], signature: Signature) -> list[int]:
        """Store results computed under ``signature``; returns the rows that changed (results of
        photos removed meanwhile are dropped)."""
        rows = []
        for prediction in predictions:
            row = self._rows.get(prediction.path)
            if row is not None:
                self._predictions[prediction.path] = prediction
                self._signatures[prediction.path] = signature
                rows.append(row)
        return rows

    def set_current_signature(self, signature: Signature | None) -> bool:
        """What results *should* be computed under now; True when that changed."""
        changed = signature != self.current_signature
        self.current_signature = signature
        return changed

    # -- missing photos --------------------------------------------------------------------------
    def set_missing(self, paths: Iterable[str]) -> None:
        """Mark listed photos as not on disk: kept and shown as missing, never ranked."""
        self._missing = {p for p in paths if p in self._rows}

    def missing(self) -> list[str]:
        return [p for p in self._paths if p in self._missing]

    def is_missing(self, path: str) -> bool:
        return path in self._missing

    def relocate(self, moves: Mapping[str, str]) -> Relocation:
        """Point missing photos at where they were found (old -> new path). A photo found where a
        listed photo already is stays listed, no longer missing, for the caller to remove."""
        moved: list[int] = []
        duplicates: list[int] = []
        for old, new in moves.items():
            row = self._rows.get(old)
            if row is None or old not in self._missing:
                continue
            self._missing.discard(old)
            if new in self._rows:
                duplicates.append(row)
                continue
            self._paths[row] = new
            del self._rows[old]
            self._rows[new] = row
            self._added[new] = self._added.pop(old)
            self._predictions.pop(old, None)  # the file there may differ: ranked again
            self._signatures.pop(old, None)
            moved.append(row)
        return Relocation(tuple(moved), tuple(duplicates))

    # -- search order ----------------------------------------------------------------------------
    @property
    def searching(self) -> bool:
        return self._scores is not None

    def score(self, path: str) -> float | None:
        return self._scores.get(path) if self._scores is not None else None

    def show_search(self, scores: Mapping[str, float]) -> None:
        """Best match first (ties in the order added); photos without a score (unreadable) last."""
        self._reorder(lambda p: (p not in scores, -scores.get(p, 0.0), self._added[p]))
        self._scores = dict(scores)

    def show_groups(self, groups: list[list[tuple[str, float]]]) -> None:
        """Near-duplicates side by side: each group together (in the order of its first photo), each
        photo with its similarity to the group's first; photos in no group after them, as added."""
        rank = {path: (number, position) for number, group in enumerate(groups)
                for position, (path, _) in enumerate(group)}
        self._reorder(lambda p: rank.get(p, (len(groups), self._added[p])))
        self._scores = {path: score for group in groups for path, score in group}

    def clear_search(self) -> bool:
        """Back to the order the photos were added in; False when no search was shown."""
        if self._scores is None:
            return False
        self._scores = None
        self._reorder(lambda p: self._added[p])
        return True

    def _reorder(self, key: Callable[[str], Any]) -> None:
        self._paths.sort(key=key)
        self._rows = {path: row for row, path in enumerate(self._paths)}

    # -- queries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._paths)

    def paths(self) -> list[str]:
        return list(self._paths)

    def paths_as_added(self) -> list[str]:
        """The photos in the order they were added, whatever order a search shows."""
        return sorted(self._paths, key=self._added.__getitem__)

    def path_at(self, row: int) -> str | None:
        return self._paths[row] if 0 <= row < len(self._paths) else None

    def row_of(self, path: str) -> int | None:
        return self._rows.get(path)

    def prediction(self, path: str) -> Prediction | None:
        return self._predictions.get(path)

    def predictions(self) -> list[Prediction]:
        """Predictions of the listed photos, in list order (photos not ranked yet are left out)."""
        return [self._predictions[p] for p in self._paths if p in self._predictions]

    def is_up_to_date(self, path: str) -> bool:
        """True when ``path`` has a prediction computed under the current signature."""
        return self.current_signature is not None and self._signatures.get(path) == self.current_signature

    def is_stale(self, path: str) -> bool:
        """It has a prediction, computed under another signature than the current one."""
        return path in self._predictions and self._signatures.get(path) != self.current_signature

    def paths_needing(self, signature: Signature) -> list[str]:
        """Photos without a prediction under ``signature`` (new ones, or ranked with other labels);
        missing photos never."""
        return [p for p in self._paths if self._signatures.get(p) != signature and p not in self._missing]

    def counts(self) -> tuple[int, int]:
        """(photos labelled under the current signature, photos that failed)."""
        if self.current_signature is None:
            return 0, 0
        current = [p for p in self._paths if self._signatures.get(p) == self.current_signature]
        failed = sum(1 for p in current if self._predictions[p].error)
        return len(current) - failed, failed
