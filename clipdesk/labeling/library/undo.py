"""Taking back a logged run (``clipdesk keywords undo LOG``, Edit → Undo), newest change first.

Keywords: what the run added is removed and what it removed is put back, so edits made since by a person
or another program survive; a sidecar nobody touched since is restored byte for byte (or removed, if
the run created it). Copies are removed only while they are still the very file clipdesk made; a move
goes back only where nothing has taken its old name. Anything skipped is said, with the reason.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clipdesk.labeling.library.change_log import UNDONE, append_line, read_log
from clipdesk.labeling.library.exiftool import MetadataTool, MetadataToolError
from clipdesk.labeling.library.keyword_sets import Keywords, reverted
from clipdesk.labeling.library.keyword_writer import EMBEDDED
from clipdesk.labeling.library.safe_files import (
    claim,
    finish_replacement,
    remove_quietly,
    sha256_of,
    sha256_of_bytes,
    temp_beside,
    write_bytes_atomic,
)
from clipdesk.labeling.library.sidecar import SidecarError, merged_sidecar, read_sidecar

RESTORED, SKIPPED, FAILED = "restored", "skipped", "failed"


@dataclass(frozen=True)
class UndoOutcome:
    path: str
    status: str  # RESTORED, SKIPPED or FAILED
    detail: str = ""


@dataclass(frozen=True)
class UndoReport:
    log: Path
    outcomes: tuple[UndoOutcome, ...]
    already_undone: bool = False
    warnings: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def undo_log(path: str | os.PathLike[str], on_progress: Callable[[int, int], None] | None = None,
             tool: MetadataTool | None = None) -> UndoReport:
    """Undo every change in the log at ``path`` and mark it undone (a second undo changes nothing)."""
    contents = read_log(path)
    if contents.undone:
        return UndoReport(Path(path), (), already_undone=True, warnings=contents.warnings)
    entries = list(reversed(contents.entries))
    outcomes: list[UndoOutcome] = []
    owned_tool = None
    try:
        for done, entry in enumerate(entries, 1):
            kind = entry.get("kind")
            try:
                if kind == "keywords" and entry.get("place") == EMBEDDED:
                    if tool is None:
                        tool = owned_tool = MetadataTool()
                    outcomes.append(_embedded(entry, tool))
                elif kind == "keywords":
                    outcomes.append(_sidecar(entry))
                elif kind in ("copy", "move"):
                    outcomes.append(_placed(entry))
                else:
                    outcomes.append(UndoOutcome(str(entry.get("file", "?")), SKIPPED, f"unknown change {kind!r}"))
            except (OSError, SidecarError, MetadataToolError, ValueError, KeyError, TypeError) as error:
                outcomes.append(UndoOutcome(str(entry.get("file") or entry.get("to") or "?"), FAILED,
                                            str(error)))
            if on_progress is not None:
                on_progress(done, len(entries))
    finally:
        if owned_tool is not None:
            owned_tool.close()
    if not any(o.status == FAILED for o in outcomes):  # a failed undo can be run again
        append_line(path, {"kind": UNDONE, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return UndoReport(Path(path), tuple(outcomes), warnings=contents.warnings)


def _embedded(entry: dict[str, Any], tool: MetadataTool) -> UndoOutcome:
    path = Path(entry["file"])
    before, after = Keywords.from_dict(entry["before"]), Keywords.from_dict(entry["after"])
    if not path.is_file():
        return UndoOutcome(str(path), SKIPPED, "the photo is not there any more")
    current = tool.read(path)
    target = reverted(current, before, after)
    if target == current:
        return UndoOutcome(str(path), SKIPPED, "its keywords are already as before")
    like = path.stat()
    temp = temp_beside(path)
    try:
        tool.write(path, temp, target, bool(entry.get("iptc", True)))
        finish_replacement(temp, path, like, keep_mtime=bool(entry.get("keep_mtime")))
    finally:
        remove_quietly(temp)
    return UndoOutcome(str(path), RESTORED, "keywords restored")


def _sidecar(entry: dict[str, Any]) -> UndoOutcome:
    path = Path(entry["file"])
    if not path.is_file():
        return UndoOutcome(str(path), SKIPPED, "the sidecar is not there any more")
    data = path.read_bytes()
    untouched = sha256_of_bytes(data) == entry.get("sha256_after")
    if untouched and entry.get("created"):
        os.unlink(path)
        return UndoOutcome(str(path), RESTORED, "sidecar removed (clipdesk had created it)")
    if untouched and "bytes_before" in entry:
        write_bytes_atomic(path, base64.b64decode(entry["bytes_before"]), path.stat())
        return UndoOutcome(str(path), RESTORED, "sidecar restored byte for byte")
    before, after = Keywords.from_dict(entry["before"]), Keywords.from_dict(entry["after"])
    current = read_sidecar(data)
    target = reverted(current, before, after)
    if target == current:
        return UndoOutcome(str(path), SKIPPED, "its keywords are already as before")
    write_bytes_atomic(path, merged_sidecar(data, target), path.stat())
    return UndoOutcome(str(path), RESTORED, "keywords restored (the sidecar was edited since)")


def _placed(entry: dict[str, Any]) -> UndoOutcome:
    """A copy is removed; a move is moved back — each only while it is still clipdesk's file."""
    source, placed = Path(entry["from"]), Path(entry["to"])
    if not placed.is_file():
        return UndoOutcome(str(placed), SKIPPED, "it is not there any more")
    if sha256_of(placed) != entry.get("sha256"):
        return UndoOutcome(str(placed), SKIPPED, "it was changed since; kept")
    if entry["kind"] == "copy":
        os.unlink(placed)
        _remove_if_empty(placed.parent, entry.get("created_folders", ()))
        return UndoOutcome(str(placed), RESTORED, "copy removed")
    source.parent.mkdir(parents=True, exist_ok=True)
    if not claim(placed, source, move=True):
        return UndoOutcome(str(placed), SKIPPED, f"{source} exists again; kept both")
    _remove_if_empty(placed.parent, entry.get("created_folders", ()))
    return UndoOutcome(str(source), RESTORED, f"moved back from {placed}")


def _remove_if_empty(folder: Path, created: Any) -> None:
    """Folders the run made (``<target>/<label>``, ``<target>`` itself) go once empty again."""
    made = set(created or ())
    while str(folder) in made:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
