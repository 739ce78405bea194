"""The window's only door to the labeling service and the weights store.

``load_classifier``, ``rank_batches``, ``download`` and ``import_weights`` run on the worker thread and
import torch-backed code lazily. ``model_choices`` and ``missing_weights`` only read the weights cache
(stdlib, no hashing) and are cheap enough for the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clipdesk.labeling.predictions import Prediction

MIB = 1 << 20
ProgressCallback = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class ModelChoice:
    """One entry of the Model menu."""

    name: str
    size: int | None  # bytes to download, approximate for the built-ins
    cached: bool
    partial: int  # bytes of a resumable download already on disk
    family: str | None = None  # registry.OPENAI / CHINESE_CLIP; None: told by the file when loaded
    sources: tuple[str, ...] = ()  # the servers a download tries, in order


@dataclass(frozen=True)
class FamilyInfo:
    """What the window shows and checks per model family, without loading a model."""

    id: str
    title: str
    context_length: int
    default_template: str


def family_info(family_id: str | None) -> FamilyInfo:
    from clipdesk.labeling.labeling_model import family

    found = family(family_id)
    return FamilyInfo(found.id, found.title, found.context_length, found.default_template)


def family_of_model(model: str) -> FamilyInfo | None:
    """The family of a registry model (None for a checkpoint file, whose keys tell once loaded)."""
    from clipdesk.labeling.labeling_model import family_of_name

    found = None if looks_like_file(model) else family_of_name(model)
    return None if found is None else family_info(found.id)


def family_sections() -> list[str | None]:
    """The Model menu's sections in order, by family id; None: models of unknown family."""
    from clipdesk.weights.registry import FAMILIES

    return [*FAMILIES, None]


def default_templates() -> tuple[str, ...]:
    """Every family's default template: a template still at one of these was never the user's choice."""
    from clipdesk.labeling.labeling_model import FAMILIES

    return tuple(family.default_template for family in FAMILIES.values())


def looks_chinese(labels: Sequence[str]) -> bool:
    from clipdesk.labeling.labeling_model import looks_chinese as most_are_chinese

    return most_are_chinese(labels)


def default_chinese_model() -> str:
    from clipdesk.weights.registry import DEFAULT_CHINESE_MODEL

    return DEFAULT_CHINESE_MODEL


CHECKPOINT_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".safetensors")
WEIGHTS_FILTER = " ".join(f"*{suffix}" for suffix in CHECKPOINT_SUFFIXES)  # for file dialogs


def is_checkpoint_path(model: str) -> bool:
    """True when ``model`` names a file rather than a registry model."""
    return bool(model) and Path(model).expanduser().is_file()


def check_checkpoint_exists(model: str) -> None:
    """Raise a readable ``FileNotFoundError`` when ``model`` is a checkpoint file that has gone (moved,
    deleted, on a drive that is not plugged in) — instead of "unknown model" and a list of names."""
    if looks_like_file(model) and not Path(model).expanduser().is_file():
        raise FileNotFoundError(f"the checkpoint file {model} is not there any more (moved, renamed, deleted, "
                                f"or on a drive that is not connected)")


def display_name(model: str) -> str:
    """What the status bar shows: the registry name, or the file name of a checkpoint (also of one
    that has gone missing: a deep path would crowd out everything else)."""
    return Path(model).name if is_checkpoint_path(model) or looks_like_file(model) else model


def model_choices() -> list[ModelChoice]:
    """Every model the Model menu offers (built-ins, the user's sources, imported files)."""
    from clipdesk.weights import cache, registry

    choices = []
    for entry in cache.list_models():
        size = entry.spec.size
        if size is None and entry.spec.name in registry.APPROX_SIZE_MIB:
            size = registry.APPROX_SIZE_MIB[entry.spec.name] * MIB
        cached = entry.state in (cache.CACHED, cache.CHANGED)
        partial = (entry.size_on_disk or 0) if entry.state == cache.PARTIAL else 0
        choices.append(ModelChoice(entry.spec.name, size, cached, partial, registry.family_of(entry.spec),
                                   entry.spec.source_hosts))
    return choices


def missing_weights(model: str) -> ModelChoice | None:
    """The menu entry of ``model`` when it still has to be downloaded or imported, else None.

    Raises ``WeightsError`` for a name that no registry or import knows.
    """
    if is_checkpoint_path(model):
        return None
    check_checkpoint_exists(model)
    from clipdesk.weights import load_registry, models_dir, resolve

    name = resolve(model, load_registry(), models_dir()).name
    choice = next((c for c in model_choices() if c.name == name), None)
    return None if choice is None or choice.cached else choice


def load_classifier(model: str, device: str, precision: str, batch_size: int) -> Any:
    """A ``ZeroShotClassifier`` for a checkpoint path or a cached model, with the on-disk image cache."""
    with _quiet_imports():
        from clipdesk.labeling import ImageEmbeddingCache, ZeroShotClassifier
        from clipdesk.weights import ensure_model, load_registry, models_dir, resolve

    target, download_root = model, None
    if not is_checkpoint_path(model):
        spec = resolve(model, load_registry(), models_dir())
        path = ensure_model(spec.name)  # cached already: the first-run dialog saw to that
        if spec.url is not None:
            target, download_root = spec.name, path.parent  # its published hash keys the embedding cache
        else:
            target = str(path)
    return ZeroShotClassifier(target, device=device, precision=precision, download_root=download_root,
                              image_cache=ImageEmbeddingCache(), batch_size=batch_size)


@contextmanager
def _quiet_imports() -> Iterator[None]:
    """Keep the window responsive while the worker imports torch and afterwards. Importing torch
    creates ~350k long-lived objects, and every full garbage collection walks them all while holding
    the GIL (80-330 ms in which the GUI thread cannot run): no collections during the import, then the
    objects are moved out of the collector's sight for good. The tokenizer's vocabulary is read here
    too, while the status bar says the model is loading, not at the first label."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        from clipdesk.labeling.labeling_model import FAMILIES

        for family in FAMILIES.values():
            family.warm_up()
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def device_description(classifier: Any) -> str:
    return str(getattr(classifier, "device_description", "CPU"))


CHECK_STEP = 1_000  # labels tokenized between looks at Cancel (a pasted keyword list has 200,000)


def truncated_labels(labels: Sequence[str], templates: Sequence[str], family: FamilyInfo,
                     should_stop: Callable[[], bool] = lambda: False) -> tuple[str, ...] | None:
    """Labels whose prompt does not fit the ``family``'s context (the model sees them cut short);
    None when stopped first."""
    from clipdesk.labeling.labeling_model import family as engine_family
    from clipdesk.labeling.labels import fill_template

    engine = engine_family(family.id)
    too_long = []
    for start in range(0, len(labels), CHECK_STEP):
        if should_stop():
            return None
        for label in labels[start:start + CHECK_STEP]:
            prompts = [fill_template(template, label) for template in templates]
            if max(engine.token_lengths(prompts), default=0) > family.context_length:
                too_long.append(label)
    return tuple(too_long)


def classifier_family(classifier: Any) -> FamilyInfo:
    """The loaded model's family, with its real context length."""
    info = family_info(classifier.family.id)
    return FamilyInfo(info.id, info.title, int(classifier.context_length), classifier.default_templates[0])


def encode_labels(classifier: Any, labels: Sequence[str], templates: Sequence[str],
                  should_stop: Callable[[], bool], on_progress: Callable[[int, int], None]) -> tuple[str, ...] | None:
    """Encode the label prompts before any photo (progress and Cancel every ~0.2 s), then the labels
    the model had to cut; None when cancelled."""
    if classifier.text_features(list(labels), tuple(templates), should_stop, on_progress) is None:
        return None
    return classifier.truncated_labels(list(labels), tuple(templates))


def rank_batches(classifier: Any, paths: Sequence[str], labels: Sequence[str], templates: Sequence[str],
                 batch_size: int, should_stop: Callable[[], bool]) -> Iterator[list[Prediction]]:
    """Predictions batch by batch (decoding overlaps encoding); stops between batches when asked. A
    huge label list keeps the most probable few per photo, as the CLI's results do."""
    from clipdesk.labeling.labels import kept_per_photo

    classifier.batch_size = max(1, batch_size)
    yield from classifier.iter_batches(list(paths), list(labels), tuple(templates), should_stop,
                                       kept_per_photo(len(labels)))


def download(model: str, on_progress: ProgressCallback, should_stop: Callable[[], bool],
             on_source: Callable[[str], None] | None = None) -> bool:
    """Fetch ``model`` into the cache; False when the user cancelled (the ``.part`` file is kept).
    ``on_source(host)``: which server is being tried (a model may have several, in order)."""
    from urllib.parse import urlsplit

    from clipdesk.weights import DownloadCancelled, ensure_model

    def source(url: str) -> None:
        if on_source is not None:
            on_source(urlsplit(url).netloc)

    try:
        ensure_model(model, on_progress=on_progress, should_stop=should_stop, on_source=source)
    except DownloadCancelled:
        return False
    return not should_stop()


def import_weights(path: Path, on_progress: ProgressCallback) -> str:
    """Copy a weights file into the cache; returns the model name it is now known by.

    A file with a published SHA256 becomes that model; any other must be a loadable CLIP checkpoint
    and is registered under its file name's stem — or, when that name is taken, the stem with a number
    ("ViT-B-32-2" for a re-saved ViT-B/32 from a mirror): the window has no --name to ask for.
    """
    from clipdesk.weights import import_weights as weights_import

    result = weights_import(path, name=import_name(path), validate=_validate_checkpoint, on_progress=on_progress,
                            keep_name=False)  # a made-up name is no alias anyone asked for
    return result.spec.name


def import_name(path: Path) -> str:
    """The stem of ``path`` unless a known model, or an imported one of another size, has that name or
    file name. An imported one of the same size keeps the name: it is most likely this very file, which
    the import then recognises by its hash."""
    from clipdesk.weights import load_registry, models_dir
    from clipdesk.weights.cache import imported_models
    from clipdesk.weights.registry import safe_file_name

    registry, size = load_registry(), path.stat().st_size
    imported = imported_models(models_dir())
    known_files = {spec.file_name.casefold() for spec in registry.models}

    def free(name: str) -> bool:
        if registry.find(name) is not None or safe_file_name(name).casefold() in known_files:
            return False
        same = [spec for spec in imported if spec.name.casefold() == name.casefold()
                or spec.file_name.casefold() == safe_file_name(name, path.suffix.lower()).casefold()]
        return all(spec.size == size for spec in same)

    stem = path.stem.strip() or "model"
    return next(name for name in (stem, *(f"{stem}-{n}" for n in range(2, 1000))) if free(name))


def _validate_checkpoint(path: Path) -> None:
    """The engine's own check (CRCs, finite weights, a model of either family it can build): a damaged
    file is refused in the window exactly as by ``clipdesk models import``."""
    from clipdesk.labeling.labeling_model import validate_checkpoint

    validate_checkpoint(path)


def error_topic(error: BaseException) -> str:
    """What a failure is about, so the window can offer the right next step: ``device`` (the device
    chosen in Preferences is not on this machine) or ``other``."""
    from clipdesk.labeling.devices import DeviceError

    return "device" if isinstance(error, DeviceError) else "other"


def looks_like_file(model: str) -> bool:
    """True when ``model`` was chosen as a checkpoint file (it may be gone now), not a registry name."""
    path = Path(model).expanduser()
    return path.is_absolute() or path.suffix.lower() in CHECKPOINT_SUFFIXES


def describe_error(error: BaseException) -> str:
    """One line a person can act on. Weights and labeling errors already are; others get a type name."""
    text = str(getattr(error, "window_message", error)).strip()  # the window's buttons, not commands
    first = text.splitlines()[0] if text else ""
    if isinstance(error, (ValueError, OSError)) or type(error).__module__.startswith("clipdesk"):
        return first or type(error).__name__
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
