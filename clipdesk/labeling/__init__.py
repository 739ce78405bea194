"""Zero-shot labeling service on top of the CLIP engine: classifier, caches, batch runs, exports.

No Qt here, and importing this package does not import torch (only the classifier's constructor does).

Public API::

    from clipdesk.labeling import (ZeroShotClassifier, ImageEmbeddingCache, label_files, ...)

    cache = ImageEmbeddingCache()                     # SQLite under CLIPDESK_CACHE_DIR / user cache dir
    clf = ZeroShotClassifier("ViT-B/32" | "/path/to/checkpoint.pt", device="auto",  # cuda -> mps -> cpu
                             precision="exact", download_root=None, image_cache=cache, batch_size=32)
    clf.model_name, clf.device, clf.device_description  # "ViT-B/32", "cpu", "CPU"
    clf.check_labels(labels, templates) -> CleanedLabels(labels, warnings)   # + 77-token truncation warnings
    clf.rank(images, labels, templates=("a photo of a {}.",), on_progress=None, should_stop=None)
        -> list[Prediction]          # one per image in order; a prefix of them if should_stop() fired
    clf.iter_batches(images, labels, templates, should_stop) -> Iterator[list[Prediction]]
    clf.text_features(labels, templates), clf.image_features(images)   # embeddings, cached

    Prediction(path, scores: tuple[LabelScore(label, probability), ...] most probable first,
               error: str | None)   .top -> LabelScore | None, .ok, .probability_of(label)
    clean_labels(labels) -> CleanedLabels;  clean_templates(templates) -> tuple[str, ...]
    iter_image_files(paths, recursive=False) -> list[Path]
    label_files(clf, paths, labels, templates=None, recursive=False, on_progress=None,
                should_stop=None) -> BatchResult(predictions, labels, templates, model, total,
                                                  cancelled, seconds, warnings; .labelled, .failed)
    run_batch(clf, files, labels, ...) -> BatchResult   # the same for an exact file list (no folders)
        # a KeyboardInterrupt mid-run arrives as RunInterrupted(KeyboardInterrupt) with .result so far
    LabelSet(name, labels, templates); save_label_set(set, path=None) -> Path;
    load_label_set(path) -> LabelSet; list_label_sets() -> list[Path]; import_labels(.txt|.csv)
    write_csv(path, predictions, labels); write_json(path, predictions, labels, templates, model);
    write_results(path, ...) picks by suffix. All writes are atomic (temp file + os.replace).

    KeepRule(top=1, min_probability=None).kept(prediction) -> labels;  parse_keep_rule("top:2,min:0.3")
    write_keywords([(path, kept_labels), ...], KeywordOptions(mode="embedded"|"sidecar", parent="clipdesk",
                   keep_mtime=False, dry_run=False), log_path=None) -> KeywordRun(outcomes, log_path, ...)
    sort_into_folders([(path, kept_labels), ...], SortOptions(into, move=False, dry_run=False)) -> SortRun
    undo_log(log_path) -> UndoReport     # takes back a logged keyword write or sort

Errors: ValueError for unusable labels/templates/precision, DeviceError (a ValueError) for a device
that is not there, LabelSetError (a ValueError) for unreadable label files; per-image problems are never
raised, they are the ``error`` of that image's Prediction.
"""

from clipdesk.defaults import DEFAULT_MODEL, DEFAULT_TEMPLATE, PRECISIONS
from clipdesk.labeling.batch import BatchResult, RunInterrupted, label_files, run_batch
from clipdesk.labeling.classifier import ZeroShotClassifier
from clipdesk.labeling.devices import DEVICE_CHOICES, DeviceError
from clipdesk.labeling.embedding_cache import ImageEmbeddingCache, default_cache_path
from clipdesk.labeling.export import write_csv, write_json, write_results
from clipdesk.labeling.files import image_extensions, iter_image_files
from clipdesk.labeling.keep_rule import KeepRule, parse_keep_rule
from clipdesk.labeling.labels import CleanedLabels, clean_labels, clean_templates
from clipdesk.labeling.labelsets import (
    LabelSet,
    LabelSetError,
    import_labels,
    list_label_sets,
    load_label_set,
    save_label_set,
)
from clipdesk.labeling.library.folder_sort import SortOptions, sort_into_folders
from clipdesk.labeling.library.keyword_writer import KeywordOptions, write_keywords
from clipdesk.labeling.library.undo import undo_log
from clipdesk.labeling.predictions import LabelScore, Prediction

__all__ = [
    "DEFAULT_MODEL", "DEFAULT_TEMPLATE", "DEVICE_CHOICES", "PRECISIONS", "BatchResult", "CleanedLabels",
    "DeviceError", "ImageEmbeddingCache", "KeepRule", "KeywordOptions", "LabelScore", "LabelSet", "LabelSetError",
    "Prediction", "RunInterrupted", "ZeroShotClassifier", "clean_labels", "clean_templates", "default_cache_path",
    "image_extensions",
    "import_labels", "iter_image_files", "label_files", "list_label_sets", "load_label_set",
    "SortOptions", "parse_keep_rule", "run_batch", "save_label_set", "sort_into_folders", "undo_log", "write_csv",
    "write_json", "write_keywords", "write_results",
]
