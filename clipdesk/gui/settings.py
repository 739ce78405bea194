"""Everything the window remembers between runs — the only module that touches ``QSettings``.

Lists are stored as JSON text because INI-backed ``QSettings`` hands a one-element list back as a plain
string. Labels and the template are written (and synced to disk) as soon as they change, so a crash
never loses what the user typed. The file lives in clipdesk's config folder, beside ``models.json``
(``CLIPDESK_CONFIG_DIR`` moves both: portable installs, tests).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

from PySide6.QtCore import QByteArray, QLocale, QSettings

from clipdesk.defaults import DEFAULT_MODEL, DEFAULT_TEMPLATE, DEVICE_CHOICES, PRECISIONS, WINDOW_BATCH_SIZE
from clipdesk.labeling.keep_rule import DEFAULT_KEEP_RULE, KeepRule, parse_keep_rule
from clipdesk.weights.locations import config_dir, config_dir_override

DEFAULT_TOP_K = 5
LANGUAGES = ("system", "en", "zh_CN")
MAX_RECENT = 8
SETTINGS_FILE = "clipdesk-gui.ini"


def open_qsettings() -> QSettings:
    """The settings store for this user: ``clipdesk-gui.ini`` in the config folder, beside
    ``models.json`` (``CLIPDESK_CONFIG_DIR`` moves both). Settings that 0.1 kept at Qt's own per-user
    location are copied over the first time, so nothing the user chose is forgotten."""
    path = config_dir() / SETTINGS_FILE
    if config_dir_override() is None and not path.exists():
        native = Path(QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "clipdesk",
                                "clipdesk").fileName())
        if native.is_file() and native != path:
            with contextlib.suppress(OSError):  # cannot copy: the defaults, and the old file stays
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(native, path)
    return QSettings(str(path), QSettings.Format.IniFormat)


class Settings:
    """Typed accessors over one ``QSettings``; unknown or damaged values fall back to defaults."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else open_qsettings()

    # -- plain values -------------------------------------------------------------------------
    def _text(self, key: str, default: str) -> str:
        value = self._store.value(key, default)
        return value if isinstance(value, str) else default

    def _int(self, key: str, default: int, low: int, high: int) -> int:
        try:
            value = int(self._store.value(key, default))
        except (TypeError, ValueError):
            return default
        return min(max(value, low), high)

    def _list(self, key: str) -> list[str]:
        raw = self._store.value(key, "")
        try:
            value = json.loads(raw) if isinstance(raw, str) and raw else []
        except json.JSONDecodeError:
            return []
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def _set(self, key: str, value: object, sync: bool = False) -> None:
        self._store.setValue(key, value)
        if sync:
            self._store.sync()

    def sync(self) -> None:
        self._store.sync()

    @property
    def writable(self) -> bool:
        """False once writing the settings file failed (a read-only or missing folder): nothing the
        user sets up will be remembered, and the window says so."""
        return self._store.status() != QSettings.Status.AccessError

    @property
    def file_name(self) -> str:
        return self._store.fileName()

    # -- what the user typed: synced immediately -----------------------------------------------
    @property
    def labels(self) -> list[str]:
        return self._list("labels/current")

    @labels.setter
    def labels(self, labels: list[str]) -> None:
        self._set("labels/current", json.dumps(list(labels), ensure_ascii=False), sync=True)

    @property
    def templates(self) -> tuple[str, ...]:
        """The prompt templates (an ensemble when several); settings from before ensembles kept one
        template under ``labels/template``, which is read when there is no list."""
        saved = tuple(t for t in self._list("labels/templates") if t.strip())
        if saved:
            return saved
        return (self._text("labels/template", DEFAULT_TEMPLATE) or DEFAULT_TEMPLATE,)

    @templates.setter
    def templates(self, templates: tuple[str, ...] | list[str]) -> None:
        self._set("labels/templates", json.dumps(list(templates), ensure_ascii=False), sync=True)

    @property
    def recent_label_sets(self) -> list[str]:
        return self._list("labels/recent")

    def add_recent_label_set(self, path: str) -> None:
        recent = [path] + [p for p in self.recent_label_sets if p != path]
        self._set("labels/recent", json.dumps(recent[:MAX_RECENT], ensure_ascii=False))

    def clear_recent_label_sets(self) -> None:
        self._set("labels/recent", "[]")

    # -- model and engine ---------------------------------------------------------------------
    @property
    def model(self) -> str:
        """The model chosen last; on a fresh install the default for the window's language (a Chinese
        window proposes Chinese-CLIP, whose labels are typed in Chinese)."""
        return self._text("model/name", "") or self.default_model()

    def default_model(self) -> str:
        from clipdesk.gui.i18n import locale_for
        from clipdesk.weights.registry import DEFAULT_CHINESE_MODEL

        chinese = locale_for(self.language).language() == QLocale.Language.Chinese
        return DEFAULT_CHINESE_MODEL if chinese else DEFAULT_MODEL

    @model.setter
    def model(self, name: str) -> None:
        self._set("model/name", name, sync=True)

    @property
    def device(self) -> str:
        value = self._text("model/device", "auto")
        return value if value in DEVICE_CHOICES else "auto"

    @device.setter
    def device(self, device: str) -> None:
        self._set("model/device", device if device in DEVICE_CHOICES else "auto")

    @property
    def precision(self) -> str:
        """``fast`` (bf16/fp16 where the hardware does it natively) unless the user asked for exact."""
        value = self._text("model/precision", "fast")
        return value if value in PRECISIONS else "fast"

    @precision.setter
    def precision(self, precision: str) -> None:
        self._set("model/precision", precision if precision in PRECISIONS else "fast")

    @property
    def batch_size(self) -> int:
        return self._int("model/batch_size", WINDOW_BATCH_SIZE, 1, 256)

    @batch_size.setter
    def batch_size(self, size: int) -> None:
        self._set("model/batch_size", int(size))

    # -- presentation -------------------------------------------------------------------------
    @property
    def language(self) -> str:
        value = self._text("ui/language", "system")
        return value if value in LANGUAGES else "system"

    @language.setter
    def language(self, language: str) -> None:
        self._set("ui/language", language if language in LANGUAGES else "system")

    @property
    def top_k(self) -> int:
        """How many labels the results table shows; 0 means all of them."""
        return self._int("ui/top_k", DEFAULT_TOP_K, 0, 1000)

    @top_k.setter
    def top_k(self, k: int) -> None:
        self._set("ui/top_k", int(k))

    @property
    def recent_projects(self) -> list[str]:
        return self._list("projects/recent")

    def add_recent_project(self, path: str) -> None:
        recent = [path] + [p for p in self.recent_projects if p != path]
        self._set("projects/recent", json.dumps(recent[:MAX_RECENT], ensure_ascii=False))

    @property
    def project(self) -> str:
        """The project file the window had open ("" for the unnamed session)."""
        return self._text("projects/current", "")

    @project.setter
    def project(self, path: str) -> None:
        self._set("projects/current", path)

    @property
    def keep_rule(self) -> KeepRule:
        """Which labels a photo gets as keywords and folders (``--keep`` in the CLI)."""
        try:
            return parse_keep_rule(self._text("labels/keep", DEFAULT_KEEP_RULE.text))
        except ValueError:
            return DEFAULT_KEEP_RULE

    @keep_rule.setter
    def keep_rule(self, rule: KeepRule) -> None:
        self._set("labels/keep", rule.text)

    @property
    def keyword_mode(self) -> str:
        """Where Write Keywords… puts them last time: "embedded" or "sidecar"."""
        mode = self._text("library/keywords", "embedded")
        return mode if mode in ("embedded", "sidecar") else "embedded"

    @keyword_mode.setter
    def keyword_mode(self, mode: str) -> None:
        self._set("library/keywords", mode)

    def window_state(self, name: str) -> QByteArray | None:
        """Saved geometry/state blob for ``name`` (window geometry, dock state, a splitter)."""
        return self._bytes(f"window/{name}")

    def set_window_state(self, name: str, blob: QByteArray) -> None:
        self._set(f"window/{name}", blob)

    # -- folders the file dialogs start in ------------------------------------------------------
    def last_folder(self, purpose: str) -> str:
        """Last folder used for ``purpose`` ("images", "labelsets", "exports", "weights")."""
        folder = self._text(f"folders/{purpose}", "")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def set_last_folder(self, purpose: str, path: str) -> None:
        folder = Path(path)
        self._set(f"folders/{purpose}", str(folder if folder.is_dir() else folder.parent))
