"""Where CLIP weights come from: registry, download, cache. Stdlib and platformdirs only.

Public API::

    ensure_model(name, download_root=None, on_progress=None, should_stop=None) -> Path
    import_weights(path, name=None, validate=...) -> ImportResult
    list_models() / remove_model(name) / models_dir()
    load_registry() -> Registry, ModelSpec, DEFAULT_MODEL
    WeightsError and subclasses: str(error) is one line to show the user.
"""

from clipdesk.weights.cache import CacheEntry, ensure_model, list_models, remove_model, resolve
from clipdesk.weights.errors import (ChecksumError, CorruptFileError, DownloadCancelled, HTTPStatusError,
                                     InvalidWeightsError, LockBusyError, NetworkError, RegistryError,
                                     StorageError, UnknownModelError, WeightsError)
from clipdesk.weights.importing import ImportResult, import_weights
from clipdesk.weights.locations import config_dir, data_dir, models_dir, models_json_path
from clipdesk.weights.progress import ProgressBar
from clipdesk.weights.registry import DEFAULT_MODEL, ModelSpec, Registry, load_registry

__all__ = [
    "CacheEntry", "ChecksumError", "CorruptFileError", "DEFAULT_MODEL", "DownloadCancelled",
    "HTTPStatusError", "ImportResult", "InvalidWeightsError", "LockBusyError", "ModelSpec",
    "NetworkError", "ProgressBar", "Registry", "RegistryError", "StorageError", "UnknownModelError",
    "WeightsError",
    "config_dir", "data_dir", "ensure_model", "import_weights", "list_models",
    "load_registry", "models_dir", "models_json_path", "remove_model", "resolve",
]
