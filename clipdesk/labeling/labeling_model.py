"""The one seam between the labeling service and a model family (OpenAI CLIP, Chinese-CLIP).

Everything the service, the CLI and the window need from a model goes through :class:`LabelingModel`:
encode images and prompts, count tokens against the model's context, the logit scale, how photos
are opened and preprocessed, an identity for embedding-cache keys and the family's default prompt
template. What differs between families is stated once, in its :class:`ModelFamily`; which family a
checkpoint belongs to is read from its keys (``clipdesk.clip.architecture.is_chinese_clip``), so a
local file needs no hint.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clipdesk.defaults import CHINESE_DEFAULT_TEMPLATE, DEFAULT_TEMPLATE, TEXT_CHUNK
from clipdesk.weights.registry import CHINESE_CLIP, FAMILY_TITLES, OPENAI

if TYPE_CHECKING:
    import torch
    from PIL import Image

LANGUAGE_SAMPLE = 2_000  # labels looked at to tell what language a list is written in
TokenizeWithCuts = Callable[[Sequence[str], int], "tuple[torch.Tensor, list[bool]]"]


@dataclass(frozen=True)
class ModelFamily:
    """What one engine package provides. Functions are looked up lazily: no torch at import."""

    id: str  # OPENAI or CHINESE_CLIP: cache keys, settings, the registry
    title: str  # for menus and messages
    context_length: int  # text tokens of its released models, markers included
    default_template: str
    language: str  # what its labels should be written in: "en" or "zh"
    package: str  # the engine package: clipdesk.clip or clipdesk.cnclip

    def token_lengths(self, prompts: Sequence[str]) -> list[int]:
        """Tokens each prompt uses, markers included, before truncation (no torch needed)."""
        return _module(f"{self.package}.tokenizer").token_lengths(list(prompts))

    def tokenize(self, prompts: Sequence[str], context_length: int) -> tuple[torch.Tensor, list[bool]]:
        """Token ids, cut to ``context_length`` as the family's reference cuts them, and which were cut."""
        return _module(f"{self.package}.tokenizer").tokenize_reporting_truncation(list(prompts), context_length)

    def encode_text(self, network: Any, tokens: torch.Tensor) -> torch.Tensor:
        """The network's ``encode_text``, in chunks of similar length: the same features, faster."""
        return _module(f"{self.package}.text_chunks").encode_text_by_length(network, tokens)

    def warm_up(self) -> None:
        """Read the tokenizer's vocabulary now (while a model loads) rather than at the first label."""
        _module(f"{self.package}.tokenizer").default_tokenizer()

    def from_state_dict(self, path: Path, state: dict[str, torch.Tensor], device: torch.device,
                        precision: str) -> tuple[Any, Callable[[Image.Image], torch.Tensor]]:
        return _module(self.package).from_state_dict(path, state, device, precision)


FAMILIES: dict[str, ModelFamily] = {
    OPENAI: ModelFamily(OPENAI, FAMILY_TITLES[OPENAI], 77, DEFAULT_TEMPLATE, "en", "clipdesk.clip"),
    CHINESE_CLIP: ModelFamily(CHINESE_CLIP, FAMILY_TITLES[CHINESE_CLIP], 52, CHINESE_DEFAULT_TEMPLATE, "zh",
                              "clipdesk.cnclip"),
}


def family(family_id: str | None) -> ModelFamily:
    """The family called ``family_id``; None (not known before loading) means OpenAI's."""
    return FAMILIES[family_id or OPENAI]


def family_of_state(state: dict[str, Any]) -> ModelFamily:
    from clipdesk.clip.architecture import is_chinese_clip

    return FAMILIES[CHINESE_CLIP if is_chinese_clip(state) else OPENAI]


def family_of_name(name: str) -> ModelFamily | None:
    """The family of a registry model, or None when the name is no registry model (a file, an
    imported model of unknown family: its keys will tell). Cheap: no torch, no file read."""
    from clipdesk.weights import load_registry
    from clipdesk.weights.registry import family_of

    try:
        spec = load_registry().find(name)
    except Exception:  # noqa: BLE001 - a broken models.json is reported where the model is loaded
        return None
    found = family_of(spec) if spec is not None else None
    return FAMILIES[found] if found is not None else None


@cache
def _module(name: str) -> Any:
    import importlib

    return importlib.import_module(name)


class LabelingModel:
    """A loaded model of either family, seen only through what labeling needs."""

    def __init__(self, model_family: ModelFamily, network: Any, preprocess: Callable[[Image.Image], torch.Tensor],
                 precision: str) -> None:
        self.family = model_family
        self.network = network  # the family's nn.Module (clipdesk.clip.CLIP or clipdesk.cnclip.ChineseCLIP)
        self.preprocess = preprocess
        self.precision = precision
        self.context_length = int(network.context_length)
        self.input_resolution = int(network.visual.input_resolution)
        self.embed_dim = int(network.text_projection.shape[-1])
        self.text_chunk = TEXT_CHUNK
        self.logit_scale = network.logit_scale.detach().float().exp()  # a 0-d tensor on the device

    @property
    def default_template(self) -> str:
        return self.family.default_template

    def encode_images(self, pixels: torch.Tensor) -> torch.Tensor:
        """[n, 3, px, px] preprocessed pixels on the device -> [n, dim] raw features."""
        import torch

        with torch.no_grad():
            return self.network.encode_image(pixels)

    def encode_prompts(self, prompts: Sequence[str], device: torch.device) -> tuple[torch.Tensor, list[bool]]:
        """Unit-length float32 features ``[len(prompts), dim]`` and, per prompt, whether it was cut."""
        import torch

        tokens, cut = self.family.tokenize(prompts, self.context_length)
        with torch.no_grad():
            features = self.family.encode_text(self.network, tokens.to(device)).float()
        return features / features.norm(dim=-1, keepdim=True), cut

    def token_count(self, prompt: str) -> int:
        return self.family.token_lengths([prompt])[0]

    def open_image(self, path: str, data: bytes | None) -> Image.Image:
        """The photo as the model should see it: every pixel, or in ``fast`` a JPEG decoded at a reduced
        scale that still covers the model's input (both families resize from at least that size)."""
        from clipdesk.clip.fast_decode import open_for_model
        from clipdesk.clip.preprocess import open_image

        if self.precision == "fast":
            return open_for_model(path, self.input_resolution, data=data)
        return open_image(path, data=data)

    def cache_identity(self) -> str:
        """The numbers and preprocessing behind an image embedding, besides the weights' hash: the same
        photo under another family, dtype, precision or input size is a different embedding. OpenAI
        models keep the key format of earlier versions (their cached embeddings stay valid)."""
        from clipdesk.clip.precision import FAST_REVISION

        dtype = str(self.network.dtype).removeprefix("torch.")
        if self.precision == "fast":  # other numbers (bf16 products) and pixels (draft decoding)
            dtype += f"+fast{FAST_REVISION}"
        family_part = "" if self.family.id == OPENAI else f"{self.family.id}|"
        return f"{family_part}{dtype}|{self.input_resolution}px"


class ModelNotFoundError(RuntimeError):
    """No checkpoint for the requested name or path (a ``RuntimeError``, as ``clip.load`` raises)."""


def resolve_checkpoint(name_or_path: str | os.PathLike[str], download_root: str | os.PathLike[str] | None = None
                       ) -> Path:
    """The file to read: an existing file as given; a registry model's verified file in the weights
    cache (downloaded on first use); anything else that exists as given, so that the checkpoint reader
    can say what is wrong with it. Raises ``ModelNotFoundError`` listing the known names."""
    from clipdesk.clip.model_files import model_file

    given = Path(os.fspath(name_or_path)).expanduser()
    if given.is_file():
        return given
    cached = model_file(os.fspath(name_or_path), download_root)
    if cached is not None:
        return cached
    if given.exists():
        return given
    from clipdesk.weights import load_registry

    raise ModelNotFoundError(f"Model {os.fspath(name_or_path)} not found: no such file, and not one of the "
                             f"known models {load_registry().names()}")


def load_labeling_model(checkpoint: str | os.PathLike[str], device: torch.device, precision: str) -> LabelingModel:
    """Read ``checkpoint`` once, tell its family from its keys, and build that family's model."""
    from clipdesk.clip.checkpoint import read_state_dict

    path = Path(checkpoint)
    state = read_state_dict(path)
    model_family = family_of_state(state)
    network, preprocess = model_family.from_state_dict(path, state, device, precision)
    network.eval()
    return LabelingModel(model_family, network, preprocess, precision)


def validate_checkpoint(path: str | os.PathLike[str]) -> None:
    """Raise ``CheckpointError`` / ``StateDictError`` unless ``path`` reads as weights that a family
    (told by the keys) can build, all finite. Reads without running anything stored in the file."""
    import warnings

    from clipdesk.clip.checkpoint import finite_check, read_state_dict

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. torch's note on an unusual pickle protocol
        state = read_state_dict(path)
        model_family = family_of_state(state)
        builder = _module(f"{model_family.package}.model").build_model
        builder(state, on_converted=finite_check(path, state))


def looks_chinese(labels: Sequence[str], share: float = 0.5) -> bool:
    """True when at least ``share`` of the labels that have letters are written with Chinese
    characters: an English-only model would rank them as noise. Cheap enough for the GUI thread."""
    sample = labels[:LANGUAGE_SAMPLE]  # a pasted keyword list of 200,000 is judged by its start
    written = [label for label in sample if any(char.isalpha() for char in label)]
    if not written:
        return False
    chinese = sum(1 for label in written if any(_is_han(char) for char in label))
    return chinese >= share * len(written)


def _is_han(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))
