"""Zero-shot labeling: one loaded model (OpenAI CLIP or Chinese-CLIP, through the seam in
``labeling_model.py``), prompt templates, and the reference scoring recipe.

Probabilities are exactly what OpenAI's README computes: L2-normalise image and text features, then
``softmax(logit_scale.exp() * image @ text.T)``. Several templates form an ensemble as in OpenAI's
prompt-engineering notebook: the mean of the normalised text features, normalised again.

Text features are cached per (model, templates, label), so editing one label encodes one label. Image
features go through an optional :class:`ImageEmbeddingCache`, so re-ranking never re-encodes a photo.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clipdesk.defaults import DEFAULT_BATCH_SIZE, DEFAULT_MODEL, PRECISIONS
from clipdesk.labeling.devices import describe_device, resolve_device
from clipdesk.labeling.embedding_cache import ImageEmbeddingCache, hash_bytes, hash_file, regular_file_stat
from clipdesk.labeling.files import describe_error, unsupported_reason
from clipdesk.labeling.labeling_model import load_labeling_model, resolve_checkpoint
from clipdesk.labeling.labels import CleanedLabels, clean_labels, clean_templates, fill_template
from clipdesk.labeling.pacing import CallPacer, timed
from clipdesk.labeling.parallel_map import default_workers, ordered_parallel_map
from clipdesk.labeling.predictions import LabelScore, Prediction

if TYPE_CHECKING:
    import torch
    from PIL import Image

EMBEDDING_FORMAT = 1  # bump when preprocessing changes, so old cached image embeddings are not reused

INVALID_NUMBERS = "the model computed no valid numbers for this photo (NaN); is the checkpoint damaged?"

ProgressCallback = Callable[[int, int], None]
StopCallback = Callable[[], bool]


@dataclass(frozen=True)
class _Prepared:
    """One image after the worker thread: a cached embedding, pixels to encode, or an error."""

    path: str
    digest: str | None = None
    embedding: torch.Tensor | None = None
    pixels: torch.Tensor | None = None
    error: str | None = None


@dataclass(frozen=True)
class PhotoContent:
    """A photo read by the caller: its bytes and their SHA-256, or why it could not be read."""

    path: str
    data: bytes | None = None
    digest: str | None = None
    error: str | None = None


class ZeroShotClassifier:
    """Ranks labels for photos with one model held on one device.

    ``model``: a registry name (``ViT-B/32``, ``CN-CLIP/ViT-B-16``...) or a checkpoint file of either
    family, told apart by its keys. Construction loads the model (this is the slow part; the window
    does it on its worker thread). Methods are not meant to be called from two threads at once.
    """

    def __init__(self, model: str | os.PathLike[str] = DEFAULT_MODEL, device: str = "auto",
                 precision: str = "exact", download_root: str | os.PathLike[str] | None = None,
                 image_cache: ImageEmbeddingCache | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 workers: int | None = None) -> None:
        import torch

        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.device = resolve_device(device)
        self.precision = precision  # "fast": bf16 products on bf16 CPUs, draft JPEG decoding everywhere
        self.model_name = os.fspath(model)
        self.batch_size = batch_size
        self.workers = workers or default_workers()
        self.image_cache = image_cache
        self._download_root = download_root
        checkpoint = resolve_checkpoint(self.model_name, download_root)
        self.labeling_model = load_labeling_model(checkpoint, torch.device(self.device), precision)
        self.model = self.labeling_model.network  # the family's nn.Module
        self.family = self.labeling_model.family
        self._text_cache: dict[tuple[tuple[str, ...], str], torch.Tensor] = {}
        self._truncated: dict[str, bool] = {}  # prompt -> cut at the model's context
        self._text_rate: float | None = None  # labels per second, once some were encoded
        self._last_cleaned: tuple[tuple[str, ...], CleanedLabels] | None = None
        self._cache_key: str | None = None
        self._cache_key_lock = threading.Lock()
        self._torch = torch

    # -- what the window and the CLI show ---------------------------------------------------------

    @property
    def device_description(self) -> str:
        return describe_device(self.device)

    @property
    def input_resolution(self) -> int:
        return self.labeling_model.input_resolution

    @property
    def context_length(self) -> int:
        """Tokens the model reads per prompt, markers included (77 for OpenAI, 52 for Chinese-CLIP)."""
        return self.labeling_model.context_length

    @property
    def default_templates(self) -> tuple[str, ...]:
        """What prompts look like when none are given: the family's own template."""
        return (self.labeling_model.default_template,)

    def templates_or_default(self, templates: Sequence[str] | None) -> tuple[str, ...]:
        return clean_templates(templates, self.default_templates[0])

    @property
    def text_rate(self) -> float | None:
        """Labels encoded per second on this machine, measured while encoding (None before any)."""
        return self._text_rate

    def check_labels(self, labels: Sequence[str], templates: Sequence[str] | None = None) -> CleanedLabels:
        """:func:`clean_labels` plus a warning for each label whose prompt exceeds the model's context
        (it is truncated as the family's reference tokenizer truncates it). Instant for labels already
        encoded (their prompts were measured then)."""
        cleaned = self._cleaned(labels)
        warnings = list(cleaned.warnings)
        for label in self.truncated_labels(cleaned.labels, templates):
            warnings.append(f"label {_short(label)!r} is longer than the model's {self.context_length}-token "
                            "limit and was truncated")
        return CleanedLabels(cleaned.labels, tuple(warnings))

    def truncated_labels(self, labels: Sequence[str], templates: Sequence[str] | None = None) -> tuple[str, ...]:
        """The labels (as given) whose prompt, with any of ``templates``, the model cuts at its context."""
        templates = self.templates_or_default(templates)
        return tuple(label for label in labels if any(self._too_long(fill_template(t, label)) for t in templates))

    # -- ranking -----------------------------------------------------------------------------------

    def rank(self, images: Sequence[str | os.PathLike[str]], labels: Sequence[str],
             templates: Sequence[str] | None = None, on_progress: ProgressCallback | None = None,
             should_stop: StopCallback | None = None) -> list[Prediction]:
        """One :class:`Prediction` per image, in input order; files that fail carry ``error``.

        ``should_stop`` is checked between batches: when it returns True the predictions finished so
        far (a prefix of ``images``) are returned. Raises ValueError when no label is left after
        cleaning, or a template lacks ``{}``.
        """
        total = len(images)
        done: list[Prediction] = []
        if on_progress:
            on_progress(0, total)
        for batch in self.iter_batches(images, labels, templates, should_stop):
            done.extend(batch)
            if on_progress:
                on_progress(len(done), total)
        return done

    def iter_batches(self, images: Sequence[str | os.PathLike[str]], labels: Sequence[str],
                     templates: Sequence[str] | None = None, should_stop: StopCallback | None = None,
                     keep: int | None = None) -> Iterator[list[Prediction]]:
        """The engine of :meth:`rank`: yields predictions batch by batch while worker threads decode
        the next photos. Stops early (between batches) when ``should_stop()`` is true. ``keep``: only
        the ``keep`` most probable labels per photo (probabilities still over every label), so a huge
        label list does not make every result huge; None keeps them all."""
        if keep is not None and keep < 1:
            raise ValueError("keep must be at least 1 (or None for every label)")
        label_list = self._cleaned(labels).labels
        if not label_list:
            raise ValueError("no labels to rank: give at least one non-blank label")
        template_list = self.templates_or_default(templates)
        text = self.text_features(label_list, template_list, should_stop)  # [labels, dim], unit length
        if text is None:  # stopped while the labels were encoded: nothing was labelled
            return
        paths = [os.fspath(p) for p in images]
        window = 2 * self.batch_size  # one batch being encoded, one being decoded
        prepared = ordered_parallel_map(self._prepare, paths, self.workers, window)
        try:
            while not (should_stop and should_stop()):
                batch = [item for _, item in zip(range(self.batch_size), prepared)]
                if not batch:
                    return
                yield self._score_batch(batch, text, label_list, keep)
        finally:
            prepared.close()  # cancels decoding that has not started

    def text_features(self, labels: Sequence[str], templates: Sequence[str] | None = None,
                      should_stop: StopCallback | None = None,
                      on_progress: ProgressCallback | None = None) -> torch.Tensor | None:
        """``[len(labels), embed_dim]`` float32 unit vectors on the device; only labels not seen before
        with these templates are encoded, ``on_progress(done, total)`` counting those. ``should_stop``
        is asked between model calls, each sized to last about 0.2 s (a huge label list takes minutes):
        once it says yes, None is returned; the labels done stay cached."""
        torch = self._torch
        template_list = self.templates_or_default(templates)
        missing = [label for label in dict.fromkeys(labels) if (template_list, label) not in self._text_cache]
        pacer = CallPacer(most=max(1, self.labeling_model.text_chunk // len(template_list)))  # one text pass
        start = 0
        if on_progress is not None and missing:
            on_progress(0, len(missing))
        while start < len(missing):
            if should_stop is not None and should_stop():
                return None
            chunk = missing[start:start + pacer.size()]
            elapsed = timed()
            prompts = [fill_template(t, label) for label in chunk for t in template_list]
            features = self._encode_prompts(prompts).reshape(len(chunk), len(template_list), -1)
            if len(template_list) > 1:  # ensemble: mean of unit vectors, back to unit length
                features = features.mean(dim=1)
                features = features / features.norm(dim=-1, keepdim=True)
            else:
                features = features[:, 0]
            for label, feature in zip(chunk, features):
                self._text_cache[(template_list, label)] = feature
            start += len(chunk)
            pacer.record(len(chunk), elapsed())
            self._text_rate = pacer.items_per_second
            if on_progress is not None:
                on_progress(start, len(missing))
        if should_stop is not None and should_stop():
            return None
        return torch.stack([self._text_cache[(template_list, label)] for label in labels])

    def image_features(self, images: Sequence[str | os.PathLike[str]]) -> list[torch.Tensor | str]:
        """Raw (unnormalised) image features on the CPU, or the error text, per image — through the
        image cache when there is one."""
        out: list[torch.Tensor | str] = []
        prepared = ordered_parallel_map(self._prepare, [os.fspath(p) for p in images], self.workers,
                                        2 * self.batch_size)
        batch: list[_Prepared] = []
        for item in prepared:
            batch.append(item)
            if len(batch) == self.batch_size:
                out += self._embed_batch(batch)
                batch = []
        if batch:
            out += self._embed_batch(batch)
        return out

    def rank_contents(self, contents: Sequence[PhotoContent], labels: Sequence[str],
                      templates: Sequence[str] | None = None, keep: int | None = None
                      ) -> list[tuple[Prediction, torch.Tensor | None]]:
        """Rank photos whose bytes the caller has read (a cluster worker reading ``s3://``…): one
        prediction per item, in order, with its raw CPU embedding (None when it failed). The same
        preprocessing, batching and scoring as :meth:`iter_batches`, so the numbers are the same;
        an item read with an error is a failed prediction with that error."""
        if keep is not None and keep < 1:
            raise ValueError("keep must be at least 1 (or None for every label)")
        label_list = self._cleaned(labels).labels
        if not label_list:
            raise ValueError("no labels to rank: give at least one non-blank label")
        text = self.text_features(label_list, self.templates_or_default(templates))
        assert text is not None  # nothing can stop it

        def prepare(item: PhotoContent) -> _Prepared:
            if item.error is not None or item.data is None:
                return _Prepared(item.path, item.digest, error=item.error or "could not be read")
            return self._decoded(item.path, item.digest, item.data)

        out: list[tuple[Prediction, torch.Tensor | None]] = []
        for start in range(0, len(contents), self.batch_size):
            part = contents[start:start + self.batch_size]
            batch = list(ordered_parallel_map(prepare, part, self.workers, 2 * self.batch_size))
            features = self._embed_batch(batch)
            predictions = self._score_features(batch, features, text, label_list, keep)
            out += [(p, None if p.error is not None or isinstance(f, str) else f)
                    for p, f in zip(predictions, features)]
        return out

    # -- internals ---------------------------------------------------------------------------------

    def _encode_prompts(self, prompts: list[str]) -> torch.Tensor:
        device = self._torch.device(self.device)
        features, cut = self.labeling_model.encode_prompts(prompts, device)  # [prompts, dim], unit length
        self._truncated.update(zip(prompts, cut))  # check_labels answers from this, no second tokenizing
        return features

    def _cleaned(self, labels: Sequence[str]) -> CleanedLabels:
        """:func:`clean_labels`, remembered for the last list: a run asks for the same (perhaps
        200,000-label) list several times, and cleaning it takes seconds."""
        key = tuple(labels)
        if self._last_cleaned is None or self._last_cleaned[0] != key:
            self._last_cleaned = (key, clean_labels(key))
        return self._last_cleaned[1]

    def _too_long(self, prompt: str) -> bool:
        if prompt not in self._truncated:
            self._truncated[prompt] = self.labeling_model.token_count(prompt) > self.context_length
        return self._truncated[prompt]

    @property
    def embedding_key(self) -> str:
        """What the image cache files this model's embeddings under (see :meth:`_embedding_key`): a
        cluster run writes it next to each embedding, so importing them files them where a local
        run of the same model looks."""
        return self._embedding_key()

    def _embedding_key(self) -> str:
        """Identity of (weights, family, numeric precision, preprocessing) for the image cache: the same
        photo under another model, dtype or input size is a different embedding."""
        with self._cache_key_lock:
            if self._cache_key is None:
                self._cache_key = (f"{self._weights_identity()}|{self.labeling_model.cache_identity()}"
                                   f"|v{EMBEDDING_FORMAT}")
            return self._cache_key

    def _weights_identity(self) -> str:
        """SHA-256 of the checkpoint's bytes, so a model named or given by path, renamed or copied, is
        one model. A registry name uses its published (and verified) hash; a file is hashed once and
        then answered by the cache's path/size/mtime fast path."""
        digest = self.image_cache.digest if self.image_cache is not None else hash_file
        checkpoint = Path(self.model_name).expanduser()
        if not checkpoint.is_file():
            from clipdesk.clip.model_files import model_file
            from clipdesk.weights import load_registry, models_dir, resolve

            try:
                spec = resolve(self.model_name, load_registry(), models_dir(self._download_root))
                if spec.sha256:
                    return "sha256:" + spec.sha256.lower()
                checkpoint = model_file(self.model_name, self._download_root) or checkpoint
            except Exception:  # noqa: BLE001 - the model loaded, so its name is its identity
                return "name:" + self.model_name
        try:
            return "sha256:" + digest(checkpoint)
        except OSError:
            return "name:" + self.model_name

    def _prepare(self, path: str) -> _Prepared:
        """Runs on a worker thread: cached embedding if any, else decoded and preprocessed pixels.
        Never raises: any failure becomes the file's error text.

        With a cache, the photo's bytes are read once, and those very bytes are both hashed and
        decoded: a photo replaced during the run can never leave its new content's embedding under
        its old content's hash."""
        try:
            digest, data = None, None
            cache = self.image_cache
            if cache is not None and cache.enabled and os.path.isfile(path):  # else the engine says why
                before = regular_file_stat(path)  # (hashing a FIFO named x.jpg would wait forever)
                known = cache.known_digest(path, before)
                hit = self._cached_embedding(known)
                if hit is not None:
                    return _Prepared(path, known, embedding=hit)
                with open(path, "rb") as file:
                    data = file.read()
                digest = hash_bytes(data)
                if known is None:
                    cache.remember_digest(path, before, digest)
                if digest != known:  # first seen here, or changed behind an unchanged identity
                    hit = self._cached_embedding(digest)
                    if hit is not None:
                        return _Prepared(path, digest, embedding=hit)
            return self._decoded(path, digest, data)
        except Exception as error:  # noqa: BLE001 - a bad file must never stop the run
            return _Prepared(path, error=unsupported_reason(path) or describe_error(error))

    def _decoded(self, path: str, digest: str | None, data: bytes | None) -> _Prepared:
        """Pixels of the photo at ``path`` (its bytes ``data`` when already read); never raises."""
        try:
            return _Prepared(path, digest, pixels=self.labeling_model.preprocess(self._open(path, data)))
        except Exception as error:  # noqa: BLE001 - a bad file must never stop the run
            return _Prepared(path, digest, error=unsupported_reason(path) or describe_error(error))

    def _cached_embedding(self, digest: str | None) -> torch.Tensor | None:
        if digest is None or self.image_cache is None:
            return None
        hit = self.image_cache.get(self._embedding_key(), digest)
        fits = hit is not None and hit.shape == (self.labeling_model.embed_dim,)
        return hit if fits else None  # else damaged: encode again

    def _open(self, path: str, data: bytes | None) -> Image.Image:
        return self.labeling_model.open_image(path, data)

    def _embed_batch(self, batch: list[_Prepared]) -> list[torch.Tensor | str]:
        """Encode the pixels in ``batch`` in one forward pass, store them in the cache, and return a
        CPU feature (or the error text) per item."""
        todo = [item for item in batch if item.pixels is not None]
        encoded: dict[int, torch.Tensor] = {}
        if todo:
            stacked = self._torch.stack([item.pixels for item in todo if item.pixels is not None])
            pixels = stacked.to(self.device)  # [n, 3, px, px]
            features = self.labeling_model.encode_images(pixels).detach().to("cpu")  # [n, dim]
            encoded = {id(item): feature for item, feature in zip(todo, features)}
            if self.image_cache is not None:
                fresh = {item.digest: encoded[id(item)] for item in todo if item.digest}
                self.image_cache.put_many(self._embedding_key(), fresh)
        out: list[torch.Tensor | str] = []
        for item in batch:
            if item.error is not None:
                out.append(item.error)
            elif item.embedding is not None:
                out.append(item.embedding)
            else:
                out.append(encoded[id(item)])
        return out

    def _score_batch(self, batch: list[_Prepared], text: torch.Tensor, labels: Sequence[str],
                     keep: int | None = None) -> list[Prediction]:
        return self._score_features(batch, self._embed_batch(batch), text, labels, keep)

    def _score_features(self, batch: list[_Prepared], features: list[torch.Tensor | str], text: torch.Tensor,
                        labels: Sequence[str], keep: int | None = None) -> list[Prediction]:
        torch = self._torch
        good = [i for i, f in enumerate(features) if not isinstance(f, str)]
        predictions: list[Prediction] = [Prediction.failed(item.path, str(f)) if isinstance(f, str)
                                          else Prediction(item.path) for item, f in zip(batch, features)]
        if good:
            image = torch.stack([features[i] for i in good]).to(self.device).float()  # [n, dim]
            image = image / image.norm(dim=-1, keepdim=True)
            probs = (self.labeling_model.logit_scale * image @ text.t()).softmax(dim=-1)  # [n, labels]
            finite = torch.isfinite(probs).all(dim=-1).tolist()
            # highest first, ties in label order; only the kept ones become Python objects
            values, order = probs.sort(dim=-1, descending=True, stable=True)
            values, order = values[:, :keep].to("cpu").tolist(), order[:, :keep].to("cpu").tolist()
            for row, i in enumerate(good):
                if not finite[row]:  # NaN from the model: never a probability, never in an export
                    predictions[i] = Prediction.failed(batch[i].path, INVALID_NUMBERS)
                    continue
                scores = tuple(LabelScore(labels[j], p) for j, p in zip(order[row], values[row]))
                predictions[i] = Prediction(batch[i].path, scores)
        return predictions


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"
