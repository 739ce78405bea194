"""The log of every change clipdesk makes to a user's photos and folders, written *before* each change
lands (one JSON line, flushed and fsynced), so anything that changed — even by a run killed mid-way —
is in the log and ``clipdesk keywords undo LOG`` (or Edit → Undo) can take it back."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clipdesk.weights.locations import user_path

FORMAT = "clipdesk-changes"
VERSION = 1
SUFFIX = ".jsonl"
UNDONE = "undone"  # the kind of the line an undo appends


class ChangeLogError(ValueError):
    """A change log that cannot be read or is from a newer clipdesk; the message names the file."""


def changes_dir() -> Path:
    return user_path("data", "changes")


def new_log_path(action: str, folder: str | os.PathLike[str] | None = None) -> Path:
    """A fresh log file name, e.g. ``changes/2026-12-05_211503-keywords.jsonl``."""
    base = Path(folder) if folder is not None else changes_dir()
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    candidate = base / f"{stamp}-{action}{SUFFIX}"
    number = 2
    while candidate.exists():
        candidate = base / f"{stamp}-{action}-{number}{SUFFIX}"
        number += 1
    return candidate


def latest_log(folder: str | os.PathLike[str] | None = None) -> Path | None:
    """The newest log in ``folder`` (default: clipdesk's) that is not undone yet, or None."""
    base = Path(folder) if folder is not None else changes_dir()
    try:
        logs = sorted(base.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return None
    for log in logs:
        try:
            if not read_log(log).undone:
                return log
        except ChangeLogError:
            continue
    return None


class ChangeLog:
    """Append-only; ``record(entry)`` returns once the line is on disk."""

    def __init__(self, path: str | os.PathLike[str], action: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = open(self.path, "x", encoding="utf-8", newline="\n")  # never another run's log
        self.entries = 0
        self._line({"format": FORMAT, "version": VERSION, "action": action,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})

    def record(self, entry: dict[str, Any]) -> None:
        self._line(entry)
        self.entries += 1

    def _line(self, value: dict[str, Any]) -> None:
        self._stream.write(json.dumps(value, ensure_ascii=False) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())

    def close(self) -> None:
        self._stream.close()


def append_line(path: str | os.PathLike[str], entry: dict[str, Any]) -> None:
    """One more line on an existing log (an undo marks its log as undone)."""
    with open(path, "a", encoding="utf-8", newline="\n") as stream:
        stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
        stream.flush()
        os.fsync(stream.fileno())


@dataclass(frozen=True)
class LogContents:
    action: str
    entries: tuple[dict[str, Any], ...]  # the changes, in the order they were made
    undone: bool  # an undo already ran over this log
    warnings: tuple[str, ...] = field(default=())


def read_log(path: str | os.PathLike[str]) -> LogContents:
    """The changes in the log at ``path``; a last line cut short (a run killed while writing it) is
    left out with a warning — that change was logged before it was made, so it never landed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ChangeLogError(f"cannot read the change log {path}: {error}") from None
    lines = text.split("\n")
    warnings: list[str] = []
    values: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            if number >= len(lines) - 1 and not text.endswith("\n"):
                warnings.append(f"{path}: the last line was cut short (a run stopped while writing it); "
                                "its change was never made")
                break
            raise ChangeLogError(f"{path}, line {number}: not a clipdesk change log line") from None
        if not isinstance(value, dict):
            raise ChangeLogError(f"{path}, line {number}: not a clipdesk change log line")
        values.append(value)
    if not values or values[0].get("format") != FORMAT:
        raise ChangeLogError(f"{path} is not a clipdesk change log")
    head = values[0]
    if not isinstance(head.get("version"), int) or head["version"] > VERSION:
        raise ChangeLogError(f"{path} was written by a newer clipdesk (log version {head.get('version')}); "
                             "update clipdesk to undo it")
    changes = tuple(v for v in values[1:] if v.get("kind") != UNDONE)
    undone = any(v.get("kind") == UNDONE for v in values[1:])
    return LogContents(str(head.get("action", "")), changes, undone, tuple(warnings))


@dataclass(frozen=True)
class LoggedRun:
    """What a keyword write or a sort did: one outcome per photo reached, and the log that undoes it
    (None for a dry run, or when nothing changed)."""

    outcomes: tuple[Any, ...]
    log_path: Path | None
    cancelled: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # outcome status -> photos


def run_logged(items: Iterable[tuple[str, Sequence[str]]], action: str, dry_run: bool,
               log_path: str | os.PathLike[str] | None,
               step: Callable[[ChangeLog | None], AbstractContextManager[Callable[[str, Sequence[str]], Any]]],
               on_progress: Callable[[int, Any], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> LoggedRun:
    """Run ``step(log)``'s per-photo callable over ``(photo, labels)`` items under one change log,
    stopping between photos when ``should_stop()`` says so; a log that recorded nothing is removed."""
    outcomes: list[Any] = []
    log: ChangeLog | None = None
    cancelled = False
    try:
        if not dry_run:
            log = ChangeLog(Path(log_path) if log_path is not None else new_log_path(action), action)
        with step(log) as do:
            for photo, labels in items:
                if should_stop is not None and should_stop():
                    cancelled = True
                    break
                outcomes.append(do(photo, labels))
                if on_progress is not None:
                    on_progress(len(outcomes), outcomes[-1])
    finally:
        if log is not None:
            log.close()
            if log.entries == 0:
                with contextlib.suppress(OSError):
                    os.unlink(log.path)
    kept = log.path if log is not None and log.entries else None
    return LoggedRun(tuple(outcomes), kept, cancelled, dict(Counter(o.status for o in outcomes)))
