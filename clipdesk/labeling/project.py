"""Projects: the photos, labels, templates, keep rule, model and selection of a piece of work, saved as
a ``.clipdesk`` JSON file so the window reopens where it was left (results come back from the embedding
cache: no photo is encoded again).

Paths are stored relative to the project file's folder where they can be (a project and its photos
moved together still open), absolute otherwise. Writes are atomic. A file cut short is read as far as
it goes (every photo and label before the cut is kept) and said so; a file from a newer clipdesk is read
for what this version understands, also with a warning; photos that are not there are returned as
missing, never dropped.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clipdesk.labeling.export import write_atomic
from clipdesk.labeling.keep_rule import DEFAULT_KEEP_RULE, KeepRule, parse_keep_rule
from clipdesk.weights.locations import user_path

FORMAT = "clipdesk-project"
VERSION = 1
SUFFIX = ".clipdesk"


class ProjectError(ValueError):
    """A project file with nothing usable in it; the message names the file and says why."""


@dataclass(frozen=True)
class Project:
    photos: tuple[str, ...] = ()  # absolute paths, in the order they were added
    labels: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()  # () : the model family's default
    keep: KeepRule = DEFAULT_KEEP_RULE
    model: str = ""  # "" : whatever the window has
    selected: tuple[str, ...] = ()
    current: str = ""
    watched: tuple[str, ...] = ()  # folders whose new photos join the project


@dataclass(frozen=True)
class OpenedProject:
    project: Project
    missing: tuple[str, ...] = ()  # photos of the project that are not on disk now
    warnings: tuple[str, ...] = field(default=())


def session_path() -> Path:
    """The project the window saves on closing and reopens on starting (the unnamed work of last time)."""
    return user_path("data", "session" + SUFFIX)


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    folder = Path(os.path.abspath(target.parent))
    document = {
        "format": FORMAT, "version": VERSION,
        "model": project.model, "labels": list(project.labels), "templates": list(project.templates),
        "keep": project.keep.text,
        "photos": [_stored(p, folder) for p in project.photos],
        "selected": [_stored(p, folder) for p in project.selected],
        "current": _stored(project.current, folder) if project.current else "",
        "watched": [_stored(p, folder) for p in project.watched],
    }
    return write_atomic(target, json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def open_project(path: str | os.PathLike[str]) -> OpenedProject:
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read the project {source}: {error}") from None
    warnings: list[str] = []
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        document = _salvage(text)
        if not document.get("photos") and not document.get("labels"):
            raise ProjectError(f"{source} is not a clipdesk project, or it is damaged beyond reading "
                               f"({error.msg} at character {error.pos})") from None
        warnings.append(f"{source.name} was cut short (at character {error.pos}): the "
                        f"{len(document.get('photos', []))} photos and {len(document.get('labels', []))} labels "
                        "before the cut were kept; save the project to repair the file")
    if not isinstance(document, dict) or document.get("format", FORMAT) != FORMAT:
        raise ProjectError(f"{source} is not a clipdesk project")
    version = document.get("version", VERSION)
    if isinstance(version, int) and version > VERSION:
        warnings.append(f"{source.name} was saved by a newer clipdesk (project version {version}): what this "
                        "version understands was opened; saving writes version "
                        f"{VERSION}, which drops the rest")
    folder = Path(os.path.abspath(source.parent))
    photos = _paths(document.get("photos"), folder)
    keep, keep_warning = _keep(document.get("keep"))
    if keep_warning:
        warnings.append(keep_warning)
    project = Project(
        photos=photos, labels=_texts(document.get("labels")), templates=_texts(document.get("templates")),
        keep=keep, model=document["model"] if isinstance(document.get("model"), str) else "",
        selected=_paths(document.get("selected"), folder),
        current=_paths([document.get("current")], folder)[0] if isinstance(document.get("current"), str)
        and document.get("current") else "",
        watched=_paths(document.get("watched"), folder))
    missing = tuple(p for p in photos if not os.path.exists(p))
    return OpenedProject(project, missing, tuple(warnings))


def relocate(missing: tuple[str, ...], folder: str | os.PathLike[str]) -> dict[str, str]:
    """Where missing photos are now, found in ``folder`` (and below) by file name, then by the deepest
    matching tail of their old path (``2024/trip/IMG_1.jpg`` before ``IMG_1.jpg``): old path -> new."""
    by_name: dict[str, list[Path]] = {}
    for root, _, files in os.walk(folder):
        for name in files:
            by_name.setdefault(name, []).append(Path(root) / name)
    found = {}
    for old in missing:
        candidates = by_name.get(Path(old).name, [])
        if not candidates:
            continue
        def shared_tail(candidate: Path, old_parts: tuple[str, ...] = Path(old).parts) -> int:
            count = 0
            for a, b in zip(reversed(candidate.parts), reversed(old_parts)):
                if a != b:
                    break
                count += 1
            return count

        best = max(candidates, key=shared_tail)
        found[old] = str(best)
    return found


def _stored(path: str, folder: Path) -> str:
    """Relative to the project's folder when the photo is inside it, else absolute (a relative path
    through ``..`` breaks as soon as the project file moves alone)."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(folder).as_posix()
    except ValueError:
        return str(absolute)


def _paths(values: Any, folder: Path) -> tuple[str, ...]:
    base = str(folder)
    out = []
    for value in values if isinstance(values, list) else ():  # os.path, not pathlib: 20,000 paths
        if isinstance(value, str) and value and "\x00" not in value:
            out.append(value if os.path.isabs(value) else os.path.normpath(os.path.join(base, value)))
    return tuple(dict.fromkeys(out))


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str)) if isinstance(values, list) else ()


def _keep(value: Any) -> tuple[KeepRule, str]:
    if not isinstance(value, str):
        return DEFAULT_KEEP_RULE, ""
    try:
        return parse_keep_rule(value), ""
    except ValueError as error:
        return DEFAULT_KEEP_RULE, f"the project's keep rule was not understood ({error}); top:1 is used"


def _salvage(text: str) -> dict[str, Any]:
    """The string lists of a document cut short: each list read up to the last whole entry."""
    decoder = json.JSONDecoder()
    salvaged: dict[str, Any] = {}
    for key in ("labels", "templates", "photos", "selected", "watched"):
        match = re.search(rf'"{key}"\s*:\s*\[', text)
        if match is None:
            continue
        items, index = [], match.end()
        while True:
            while index < len(text) and text[index] in " \t\r\n,":
                index += 1
            if index >= len(text) or text[index] == "]":
                break
            try:
                value, index = decoder.raw_decode(text, index)
            except json.JSONDecodeError:
                break
            if isinstance(value, str):
                items.append(value)
        salvaged[key] = items
    for key in ("model", "keep", "current"):
        match = re.search(rf'"{key}"\s*:\s*("(?:[^"\\]|\\.)*")', text)
        if match:
            salvaged[key] = json.loads(match.group(1))
    return salvaged
