"""Which models exist, which family each belongs to, and where their bytes come from.

Two families are built in: the nine OpenAI releases (with the SHA256 that OpenAI publishes as a path
segment of each URL) and the five Chinese-CLIP releases of OFA-Sys (SHA256 of the Hugging Face LFS
objects), each Chinese-CLIP model with two sources holding the same bytes -- Hugging Face, then
ModelScope -- tried in order. Users add their own sources (an internal server, a fine-tune, a mirror)
in ``models.json`` in the config folder, shaped ``{"models": [{"name": ..., "url": ..., "sha256": ...,
"mirrors": [...]}]}``; ``CLIPDESK_MODEL_MIRROR`` replaces the OpenAI base URL for whole-mirror setups
(same file names, same hashes); ``CLIPDESK_CN_CLIP_MIRROR`` likewise replaces Chinese-CLIP's two
sources by one or more base URLs holding ``<repo>/<file>``, tried in order.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from clipdesk.defaults import DEFAULT_MODEL  # noqa: F401 - clipdesk.weights.DEFAULT_MODEL
from clipdesk.weights.errors import RegistryError, UnknownModelError
from clipdesk.weights.locations import models_json_path

OPENAI_BASE_URL = "https://openaipublic.azureedge.net/clip/models"
MIRROR_VARIABLE = "CLIPDESK_MODEL_MIRROR"
CN_CLIP_MIRROR_VARIABLE = "CLIPDESK_CN_CLIP_MIRROR"

OPENAI, CHINESE_CLIP = "openai", "cnclip"  # model families: which engine package loads the weights
FAMILIES = (OPENAI, CHINESE_CLIP)
FAMILY_TITLES = {OPENAI: "OpenAI CLIP (English)", CHINESE_CLIP: "Chinese-CLIP (中文)"}

# (name, sha256, file name) exactly as OpenAI publishes them.
_OPENAI_MODELS: tuple[tuple[str, str, str], ...] = (
    ("RN50", "afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762", "RN50.pt"),
    ("RN101", "8fa8567bab74a42d41c5915025a8e4538c3bdbe8804a470a72f30b0d94fab599", "RN101.pt"),
    ("RN50x4", "7e526bd135e493cef0776de27d5f42653e6b4c8bf9e0f653bb11773263205fdd", "RN50x4.pt"),
    ("RN50x16", "52378b407f34354e150460fe41077663dd5b39c54cd0bfd2b27167a4a06ec9aa", "RN50x16.pt"),
    ("RN50x64", "be1cfb55d75a9666199fb2206c106743da0f6468c9d327f3e0d0a543a9919d9c", "RN50x64.pt"),
    ("ViT-B/32", "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af", "ViT-B-32.pt"),
    ("ViT-B/16", "5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f", "ViT-B-16.pt"),
    ("ViT-L/14", "b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836", "ViT-L-14.pt"),
    ("ViT-L/14@336px", "3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02",
     "ViT-L-14-336px.pt"),
)

# The nine names in OpenAI's order: what ``clipdesk.clip.available_models()`` returns.
OPENAI_MODEL_NAMES: tuple[str, ...] = tuple(name for name, _sha256, _file in _OPENAI_MODELS)

CN_CLIP_PREFIX = "CN-CLIP/"
# (name, sha256, file name, size in bytes, repository) as OFA-Sys publishes them on Hugging Face and
# ModelScope (https://huggingface.co/OFA-Sys/<repo>, https://modelscope.cn/models/AI-ModelScope/<repo>).
_CN_CLIP_MODELS: tuple[tuple[str, str, str, int, str], ...] = (
    ("ViT-B-16", "5997ef32c50de18f3ac06eb5d746c324a639053c3bed8f2986f97ebb22b2ecde", "clip_cn_vit-b-16.pt",
     753_196_934, "chinese-clip-vit-base-patch16"),
    ("ViT-L-14", "26a0d4ac248fcea33e8c1e32c22a80def0fe9b1770b429129dfcc04bcd978d28", "clip_cn_vit-l-14.pt",
     1_625_135_766, "chinese-clip-vit-large-patch14"),
    ("ViT-L-14-336", "53b9a3141f14b2e87366b0857ce78ac1c4c99e028d4d3d832ca8107deae0775b",
     "clip_cn_vit-l-14-336.pt", 1_626_446_358, "chinese-clip-vit-large-patch14-336px"),
    ("ViT-H-14", "4549b1a9775db38806dfa398e8e97be4e27299b84b71250d8d2ef0472e708aee", "clip_cn_vit-h-14.pt",
     3_830_716_726, "chinese-clip-vit-huge-patch14"),
    ("RN50", "b196ee3ee528b70be1158ab1aafb1d2f1c801ad2d9ffb3bae31b0d305f82fc88", "clip_cn_rn50.pt",
     308_316_425, "chinese-clip-rn50"),
)
CN_CLIP_MODEL_NAMES: tuple[str, ...] = tuple(CN_CLIP_PREFIX + name for name, *_ in _CN_CLIP_MODELS)
HUGGING_FACE_URL = "https://huggingface.co/OFA-Sys/{repo}/resolve/main/{file}"
MODELSCOPE_URL = "https://modelscope.cn/models/AI-ModelScope/{repo}/resolve/master/{file}"
DEFAULT_CHINESE_MODEL = CN_CLIP_PREFIX + "ViT-B-16"  # what a fresh install with a Chinese UI proposes

# What each model is for, shown by `clipdesk models list` and the window's Model menu.
PURPOSES: dict[str, str] = {
    "RN50": "smallest OpenAI model", "RN101": "ResNet, a little more accurate than RN50",
    "RN50x4": "ResNet at 288 px", "RN50x16": "ResNet at 384 px, slow on a CPU",
    "RN50x64": "largest ResNet, a GPU is advised", "ViT-B/32": "fast, good default for English labels",
    "ViT-B/16": "more accurate than B/32, 4x the work", "ViT-L/14": "most accurate, slow on a CPU",
    "ViT-L/14@336px": "most accurate, slowest",
    "CN-CLIP/RN50": "smallest Chinese model", "CN-CLIP/ViT-B-16": "good default for Chinese labels",
    "CN-CLIP/ViT-L-14": "more accurate Chinese labels, slow on a CPU",
    "CN-CLIP/ViT-L-14-336": "most accurate Chinese ViT-L, slowest of the two",
    "CN-CLIP/ViT-H-14": "largest Chinese model, a GPU is advised",
}

# Approximate download sizes, shown by `clipdesk models list` before a model is fetched. Display only:
# verification uses the SHA256, so an approximate number here can never accept a wrong file.
APPROX_SIZE_MIB: dict[str, int] = {
    "RN50": 244, "RN101": 278, "RN50x4": 402, "RN50x16": 630, "RN50x64": 1290,
    "ViT-B/32": 338, "ViT-B/16": 335, "ViT-L/14": 890, "ViT-L/14@336px": 891,
    **{CN_CLIP_PREFIX + name: round(size / 2**20) for name, _sha, _file, size, _repo in _CN_CLIP_MODELS},
}

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,200}")
_RESERVED_SUFFIXES = (".part", ".lock", ".sha256.json", ".tmp")  # clipdesk's own files beside each model
_ENTRY_KEYS = ("name", "url", "sha256", "size", "file_name", "mirrors", "family")


@dataclass(frozen=True)
class ModelSpec:
    """One model: where to fetch it, the SHA256 its bytes must have, and its file name in the cache."""

    name: str
    url: str | None  # None for imported models, which cannot be fetched again
    sha256: str  # lowercase hex
    size: int | None  # bytes, when known; checked against the server's Content-Length
    file_name: str
    mirrors: tuple[str, ...] = ()  # more URLs with the same bytes, tried in order after ``url``
    family: str | None = None  # OPENAI or CHINESE_CLIP; None: told by the checkpoint's keys when loaded

    @property
    def sources(self) -> tuple[str, ...]:
        """Every URL to try, in order (empty for an imported model)."""
        return () if self.url is None else (self.url, *self.mirrors)

    @property
    def source_hosts(self) -> tuple[str, ...]:
        """The servers of ``sources``, each once, in the order tried (what the CLI and window show)."""
        return tuple(dict.fromkeys(urlsplit(url).netloc for url in self.sources))


@dataclass(frozen=True)
class Registry:
    """The models clipdesk can fetch: built-ins (possibly mirrored) plus the user's ``models.json``."""

    models: tuple[ModelSpec, ...]

    def names(self) -> list[str]:
        return [spec.name for spec in self.models]

    def find(self, name: str) -> ModelSpec | None:
        """Exact name first, then a case-insensitive name or file-name match (``vit-b-32`` finds ViT-B/32)."""
        for spec in self.models:
            if spec.name == name:
                return spec
        wanted = name.strip().casefold()
        for spec in self.models:
            stem = spec.file_name.rsplit(".", 1)[0].casefold()
            if wanted in (spec.name.casefold(), spec.file_name.casefold(), stem):
                return spec
        return None

    def get(self, name: str) -> ModelSpec:
        spec = self.find(name)
        if spec is None:
            raise UnknownModelError(f"unknown model {name!r}; known models: {', '.join(self.names())} "
                                f"(add your own in {models_json_path()})")
        return spec

    def by_sha256(self, sha256: str) -> ModelSpec | None:
        return next((spec for spec in self.models if spec.sha256 == sha256.lower()), None)


def builtin_models(mirror: str | None = None) -> tuple[ModelSpec, ...]:
    """The OpenAI releases, fetched from ``mirror`` (a base URL with the same layout) when given."""
    base = OPENAI_BASE_URL
    if mirror:
        where = f"{MIRROR_VARIABLE}={mirror!r}"
        base = _check_url(mirror.strip(), where).rstrip("/")
        if urlsplit(base).query or urlsplit(base).fragment:
            raise RegistryError(f"{where}: give the base URL without ?query or #fragment; clipdesk adds "
                                f"<sha256>/<file>.pt to it")
    openai = tuple(ModelSpec(name, f"{base}/{sha}/{file_name}", sha, None, file_name, family=OPENAI)
                   for name, sha, file_name in _OPENAI_MODELS)
    return openai + chinese_clip_models(os.environ.get(CN_CLIP_MIRROR_VARIABLE) or None)


def chinese_clip_models(mirror: str | None = None) -> tuple[ModelSpec, ...]:
    """The Chinese-CLIP releases, from Hugging Face then ModelScope; or, when ``mirror`` names one or
    more base URLs (separated by spaces or commas), from ``<base>/<repo>/<file>`` of each, in order."""
    bases = []
    if mirror:
        where = f"{CN_CLIP_MIRROR_VARIABLE}={mirror!r}"
        bases = [_check_url(base, where).rstrip("/") for base in re.split(r"[\s,]+", mirror.strip()) if base]
    specs = []
    for name, sha, file_name, size, repo in _CN_CLIP_MODELS:
        urls = [f"{base}/{repo}/{file_name}" for base in bases] or [
            HUGGING_FACE_URL.format(repo=repo, file=file_name), MODELSCOPE_URL.format(repo=repo, file=file_name)]
        specs.append(ModelSpec(CN_CLIP_PREFIX + name, urls[0], sha, size, file_name, tuple(urls[1:]),
                               CHINESE_CLIP))
    return tuple(specs)


def load_registry(models_json: Path | None = None, mirror: str | None = None) -> Registry:
    """Built-ins plus user sources. Reads ``CLIPDESK_MODEL_MIRROR`` and ``models.json`` unless given.
    A user entry with a built-in's name replaces that built-in (e.g. an internal copy of ViT-B/32)."""
    if mirror is None:
        mirror = os.environ.get(MIRROR_VARIABLE) or None
    path = models_json_path() if models_json is None else models_json
    user = read_user_models(path)
    user_names = {spec.name for spec in user}
    models = tuple(spec for spec in builtin_models(mirror) if spec.name not in user_names) + user
    _check_file_names(models, path)
    return Registry(models)


def read_user_models(path: Path) -> tuple[ModelSpec, ...]:
    """Parse and validate ``models.json``; a missing file means no user sources."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # editors such as Notepad may add a BOM
    except FileNotFoundError:
        return ()
    except UnicodeDecodeError as error:
        raise RegistryError(f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8, or fix or "
                            f"delete it") from error
    except OSError as error:
        raise RegistryError(f"cannot read {path}: {error.strerror or error}; fix or delete it") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RegistryError(f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: "
                            f"{error.msg}); fix or delete it") from error
    except RecursionError as error:
        raise RegistryError(f"{path} is nested too deeply to be a model list; fix or delete it") from error
    except ValueError as error:  # a number of thousands of digits: Python refuses to convert it
        raise RegistryError(f"{path} holds a number too long to read ({error}); fix or delete it") from error
    if not isinstance(document, dict) or not isinstance(document.get("models"), list):
        raise RegistryError(f'{path} must look like {{"models": [{{"name": ..., "url": ..., '
                            f'"sha256": ...}}]}}')
    specs: list[ModelSpec] = []
    for index, entry in enumerate(document["models"], start=1):
        spec = _parse_entry(entry, f"{path}: entry {index}")
        clash = next((s for s in specs if s.name == spec.name), None)
        if clash is not None:
            raise RegistryError(f"{path}: entry {index}: the name {spec.name!r} is used twice")
        specs.append(spec)
    return tuple(specs)


def _parse_entry(entry: object, where: str) -> ModelSpec:
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected an object with name, url and sha256, got {entry!r:.60}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or name != name.strip() or not name.isprintable():
        raise RegistryError(f"{where}: 'name' must be a non-empty string without surrounding spaces")
    where = f"{where} ({name!r})"
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        raise RegistryError(f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(_ENTRY_KEYS)}")
    url = entry.get("url")
    if not isinstance(url, str):
        raise RegistryError(f"{where}: 'url' must be a string")
    url = _check_url(url, where)
    sha256 = entry.get("sha256")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256.lower()):
        raise RegistryError(f"{where}: 'sha256' must be 64 hexadecimal digits")
    size = entry.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
        raise RegistryError(f"{where}: 'size' must be a positive number of bytes")
    file_name = entry.get("file_name")
    if file_name is None:
        file_name = unquote(PurePosixPath(urlsplit(url).path).name)
    if not isinstance(file_name, str) or not _SAFE_FILE_NAME.fullmatch(file_name):
        raise RegistryError(f"{where}: give a 'file_name' made of letters, digits and ._-@+ "
                            f"(the URL does not end in a usable one)")
    if file_name.lower().endswith(_RESERVED_SUFFIXES):
        raise RegistryError(f"{where}: the file name {file_name!r} ends like clipdesk's own files "
                            f"({', '.join(_RESERVED_SUFFIXES)}); give another 'file_name'")
    mirrors = entry.get("mirrors", [])
    if not isinstance(mirrors, list) or not all(isinstance(mirror, str) for mirror in mirrors):
        raise RegistryError(f"{where}: 'mirrors' must be a list of URLs with the same file")
    family = entry.get("family")
    if family is not None and family not in FAMILIES:
        raise RegistryError(f"{where}: 'family' must be one of {', '.join(FAMILIES)} (or left out: the "
                            f"checkpoint tells)")
    return ModelSpec(name, url, sha256.lower(), size, file_name, tuple(_check_url(m, where) for m in mirrors),
                     family)


def family_of(spec: ModelSpec) -> str | None:
    """The model's family, from the registry or, for a user entry without one, from a built-in with the
    same bytes."""
    if spec.family is not None:
        return spec.family
    builtin = next((model for model in builtin_models() if model.sha256 == spec.sha256), None)
    return builtin.family if builtin is not None else None


def _check_url(url: str, where: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError for a port that is not a number
    except ValueError as error:
        raise RegistryError(f"{where}: {url!r} is not a usable URL ({error})") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"{where}: the URL must start with https:// (or http:// for a local server), "
                            f"got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise RegistryError(f"{where}: user names and passwords in the URL are not supported; use a "
                            f"server or mirror that needs no login")
    return url


def _check_file_names(models: tuple[ModelSpec, ...], path: Path) -> None:
    """Two models with different bytes must never share a cache file."""
    seen: dict[str, ModelSpec] = {}
    for spec in models:
        other = seen.setdefault(spec.file_name.casefold(), spec)
        if other is not spec and other.sha256 != spec.sha256:
            raise RegistryError(f"{path}: {spec.name!r} and {other.name!r} would both be saved as "
                                f"{spec.file_name}; give one of them another 'file_name'")


def safe_file_name(name: str, suffix: str = ".pt") -> str:
    """A cache file name for an imported model called ``name`` (``ViT-B/32`` -> ``ViT-B-32.pt``)."""
    stem = re.sub(r"[^A-Za-z0-9._+-]+", "-", name).strip("-.") or "model"
    return f"{stem[:120]}{suffix}"
