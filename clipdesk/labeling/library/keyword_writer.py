"""Writing the labels a photo keeps as its keywords — embedded (JPEG, PNG, TIFF, WebP) or in an XMP
sidecar (every other format, a read-only photo, or on request) — safely:

- the photo is written to a temporary copy by ExifTool, checked, and atomically swapped in (image data,
  EXIF, GPS, ICC and orientation are not touched; the modification time can be kept);
- every change is in the change log before it lands, so it can be undone;
- a failure on one photo (locked, read-only folder, vanished, corrupt, disk full) is that photo's
  outcome, and the original is never left half-written.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from clipdesk.labeling.library.change_log import ChangeLog, LoggedRun, run_logged
from clipdesk.labeling.library.exiftool import MetadataTool, MetadataToolError
from clipdesk.labeling.library.keyword_sets import DEFAULT_PARENT, KeywordPlan, Keywords, merge
from clipdesk.labeling.library.safe_files import (
    finish_replacement,
    remove_quietly,
    sha256_of_bytes,
    temp_beside,
    write_bytes_atomic,
)
from clipdesk.labeling.library.sidecar import SidecarError, merged_sidecar, read_sidecar, sidecar_path

EMBEDDED = "embedded"
SIDECAR = "sidecar"
MODES = (EMBEDDED, SIDECAR)
# Formats whose keywords ExifTool writes in place: suffix -> whether the format has IPTC (WebP has not).
EMBEDDABLE = {".jpg": True, ".jpeg": True, ".jpe": True, ".png": True, ".tif": True, ".tiff": True,
              ".webp": False}
SIDECAR_COPY_LIMIT = 4 << 20  # a sidecar up to this size is kept whole in the log, for a byte-exact undo

WRITTEN, UNCHANGED, WOULD_WRITE, FAILED = "written", "unchanged", "would write", "failed"


@dataclass(frozen=True)
class KeywordOptions:
    mode: str = EMBEDDED  # or SIDECAR for every photo
    parent: str = DEFAULT_PARENT  # lr:hierarchicalSubject parent ("" for none)
    keep_mtime: bool = False  # keep each photo's modification time
    dry_run: bool = False  # say what would change, change nothing

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"keywords go {' or '.join(MODES)}, not {self.mode!r}")


@dataclass(frozen=True)
class KeywordOutcome:
    photo: str
    status: str  # WRITTEN, UNCHANGED, WOULD_WRITE or FAILED
    file: str = ""  # what was (or would be) written: the photo or its sidecar
    place: str = ""  # EMBEDDED or SIDECAR
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    note: str = ""  # why a sidecar was used, labels too long for IPTC…
    error: str | None = None


KeywordRun = LoggedRun  # outcomes are KeywordOutcome


def where_keywords_go(photo: Path, mode: str) -> tuple[str, str]:
    """(EMBEDDED or SIDECAR, the reason a sidecar is used or "")."""
    if mode == SIDECAR:
        return SIDECAR, ""
    if photo.suffix.lower() not in EMBEDDABLE:
        return SIDECAR, f"{photo.suffix or 'this format'} is not written in place: keywords are in the sidecar"
    if not os.access(photo, os.W_OK) or not photo.stat().st_mode & 0o222:  # root may write anything
        return SIDECAR, "the photo is read-only: keywords are in the sidecar"
    return EMBEDDED, ""


class KeywordWriter:
    """Holds one ExifTool and the change log for a run; ``write(photo, labels)`` per photo."""

    def __init__(self, options: KeywordOptions, log: ChangeLog | None,
                 tool: MetadataTool | None = None) -> None:
        if log is None and not options.dry_run:
            raise ValueError("a keyword run that changes photos needs a change log")
        self.options = options
        self.log = log
        self._own_tool = tool is None
        # ExifTool is started up front (a missing one is one clear error, not a failure per photo);
        # sidecars alone never need it.
        self._tool = tool if tool is not None or options.mode == SIDECAR else MetadataTool()

    @property
    def tool(self) -> MetadataTool:
        if self._tool is None:
            self._tool = MetadataTool()
        return self._tool

    def write(self, photo: str | os.PathLike[str], labels: Sequence[str]) -> KeywordOutcome:
        path = Path(os.path.realpath(photo))  # a link is written through and stays a link
        try:
            if not path.is_file():
                raise FileNotFoundError(f"{photo} is not there any more")
            place, note = where_keywords_go(path, self.options.mode)
            if place == EMBEDDED:
                return self._embedded(path, str(photo), labels, note)
            return self._sidecar(path, str(photo), labels, note)
        except MetadataToolError:
            raise
        except (OSError, SidecarError, ValueError) as error:
            return KeywordOutcome(str(photo), FAILED, error=_reason(error))

    def _embedded(self, path: Path, shown: str, labels: Sequence[str], note: str) -> KeywordOutcome:
        with_iptc = EMBEDDABLE[path.suffix.lower()]
        before_stat = path.stat()
        try:
            current = self.tool.read(path)
        except MetadataToolError as error:
            return KeywordOutcome(shown, FAILED, str(path), EMBEDDED, error=f"cannot read its metadata: {error}")
        plan = merge(current, labels, self.options.parent, with_iptc)
        note = _join(note, _iptc_note(plan))
        if not plan.changes:
            return KeywordOutcome(shown, UNCHANGED, str(path), EMBEDDED, note=note)
        if self.options.dry_run:
            return KeywordOutcome(shown, WOULD_WRITE, str(path), EMBEDDED, plan.added, plan.removed, note)
        temp = temp_beside(path)
        try:
            try:
                self.tool.write(path, temp, plan.after, with_iptc)
                written = self.tool.read(temp)
            except MetadataToolError as error:
                return KeywordOutcome(shown, FAILED, str(path), EMBEDDED,
                                      error=f"not written: {error}{_space_hint(path, before_stat.st_size)}")
            if written != plan.after:
                return KeywordOutcome(shown, FAILED, str(path), EMBEDDED,
                                      error="the written keywords did not read back as planned; not written")
            if _changed_since(path, before_stat):
                return KeywordOutcome(shown, FAILED, str(path), EMBEDDED,
                                      error="the photo changed while its keywords were written; left as it is")
            assert self.log is not None
            self.log.record({"kind": "keywords", "photo": shown, "file": str(path), "place": EMBEDDED,
                             "iptc": with_iptc, "keep_mtime": self.options.keep_mtime,
                             "before": plan.before.as_dict(), "after": plan.after.as_dict()})
            finish_replacement(temp, path, before_stat, self.options.keep_mtime)
        finally:
            remove_quietly(temp)
        return KeywordOutcome(shown, WRITTEN, str(path), EMBEDDED, plan.added, plan.removed, note)

    def _sidecar(self, path: Path, shown: str, labels: Sequence[str], note: str) -> KeywordOutcome:
        target = sidecar_path(path)
        data: bytes | None = target.read_bytes() if target.is_file() else None
        current = read_sidecar(data) if data is not None else Keywords()
        plan = merge(current, labels, self.options.parent, with_iptc=False)
        if not plan.changes:
            return KeywordOutcome(shown, UNCHANGED, str(target), SIDECAR, note=note)
        if self.options.dry_run:
            return KeywordOutcome(shown, WOULD_WRITE, str(target), SIDECAR, plan.added, plan.removed, note)
        new = merged_sidecar(data, plan.after)
        if read_sidecar(new) != _xmp_only(plan.after):
            raise SidecarError("the merged sidecar did not read back as planned; not written")
        entry = {"kind": "keywords", "photo": shown, "file": str(target), "place": SIDECAR,
                 "created": data is None, "before": plan.before.as_dict(), "after": plan.after.as_dict(),
                 "sha256_after": sha256_of_bytes(new)}
        if data is not None and len(data) <= SIDECAR_COPY_LIMIT:
            entry["bytes_before"] = base64.b64encode(data).decode("ascii")
        assert self.log is not None
        self.log.record(entry)
        like = target.stat() if data is not None else None
        write_bytes_atomic(target, new, like, keep_mtime=False)
        return KeywordOutcome(shown, WRITTEN, str(target), SIDECAR, plan.added, plan.removed, note)

    def close(self) -> None:
        if self._own_tool and self._tool is not None:
            self._tool.close()

    def __enter__(self) -> KeywordWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def write_keywords(items: Iterable[tuple[str, Sequence[str]]], options: KeywordOptions,
                   log_path: str | os.PathLike[str] | None = None,
                   on_progress: Callable[[int, KeywordOutcome], None] | None = None,
                   should_stop: Callable[[], bool] | None = None, tool: MetadataTool | None = None) -> KeywordRun:
    """Write each ``(photo, kept labels)``; one log for the run (None for a dry run or when nothing
    changed). Raises MetadataToolError only when ExifTool cannot run at all."""

    @contextlib.contextmanager
    def writer(log: ChangeLog | None) -> Iterator[Callable[[str, Sequence[str]], KeywordOutcome]]:
        with KeywordWriter(options, log, tool) as open_writer:
            yield open_writer.write

    return run_logged(items, "keywords", options.dry_run, log_path, writer, on_progress, should_stop)


def _xmp_only(keywords: Keywords) -> Keywords:
    return Keywords(keywords.subject, keywords.hierarchy, (), keywords.added_subjects, keywords.added_hierarchy,
                    keywords.added_keywords)


def _iptc_note(plan: KeywordPlan) -> str:
    if not plan.skipped_iptc:
        return ""
    return "IPTC keywords hold 64 bytes; in XMP only: " + ", ".join(plan.skipped_iptc)


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _changed_since(path: Path, before: os.stat_result) -> bool:
    with contextlib.suppress(OSError):
        now = path.stat()
        return (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns)
    return True


def _space_hint(path: Path, size: int) -> str:
    """ExifTool says only "Error writing image data" when the disk is full; say why."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return ""
    return " (the disk is full: a photo is rewritten beside itself, which needs its size free)" if free < size else ""


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}" + (f": {error.filename}" if error.filename else "")
    return str(error)

