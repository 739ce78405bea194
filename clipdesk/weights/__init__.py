"""Where CLIP weights come from: registry, download, cache. Stdlib and platformdirs only.

Public API::

    ensure_model(name, download_root=None, on_progress=None, should_stop=None) -> Path
    import_weights(path, name=None, validate=...) -> ImportResult
    list_models() / remove_model(name) / models_dir()
    load_registry() -> Registry, ModelSpec, DEFAULT_MODEL
    WeightsError and subclasses: str(error) is one line to show the user.

Names are imported on first use (PEP 562), so ``clipdesk --help`` and the progress bar do not pay for
``urllib``/``ssl`` until something is really fetched.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["CacheEntry", "ensure_model", "list_models", "remove_model", "resolve"], "cache"),
    **dict.fromkeys(["ChecksumError", "CorruptFileError", "DownloadCancelled", "HTTPStatusError",
                     "InvalidWeightsError", "LockBusyError", "NetworkError", "RegistryError", "StorageError",
                     "UnknownModelError", "WeightsError"], "errors"),
    **dict.fromkeys(["ImportResult", "import_weights"], "importing"),
    **dict.fromkeys(["config_dir", "data_dir", "models_dir", "models_json_path"], "locations"),
    "ProgressBar": "progress",
    **dict.fromkeys(["DEFAULT_MODEL", "ModelSpec", "Registry", "load_registry"], "registry"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

