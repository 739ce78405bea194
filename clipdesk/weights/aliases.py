"""Names a user gave to a published model's file: ``clipdesk models import b32.pt --name office-b32``
where ``b32.pt`` is OpenAI's ViT-B/32 makes that model, and ``office-b32`` must then work everywhere a
model name does (``clip.load("office-b32")``, ``--model office-b32``).

Kept in ``aliases.json`` in the weights folder (beside the files they name, so copying the folder keeps
them), written atomically: ``{"office-b32": "ViT-B/32"}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

ALIASES_FILE = "aliases.json"


def read_aliases(root: Path) -> dict[str, str]:
    """Alias -> model name; an unreadable or damaged file is no aliases (never a crash)."""
    try:
        document = json.loads((root / ALIASES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict):
        return {}
    return {k: v for k, v in document.items() if isinstance(k, str) and isinstance(v, str)}


def find_alias(root: Path, name: str) -> str | None:
    """The model ``name`` stands for (compared case-insensitively, as model names are), if any."""
    wanted = name.strip().casefold()
    return next((target for alias, target in read_aliases(root).items() if alias.casefold() == wanted), None)


def add_alias(root: Path, alias: str, target: str) -> None:
    aliases = {k: v for k, v in read_aliases(root).items() if k.casefold() != alias.casefold()}
    aliases[alias] = target
    _write(root, aliases)


def remove_alias(root: Path, alias: str) -> bool:
    """Forget ``alias``; False when there was no such alias."""
    aliases = read_aliases(root)
    kept = {k: v for k, v in aliases.items() if k.casefold() != alias.strip().casefold()}
    if kept == aliases:
        return False
    _write(root, kept)
    return True


def _write(root: Path, aliases: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".aliases-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(aliases, stream, ensure_ascii=False, indent=2, sort_keys=True)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, root / ALIASES_FILE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
