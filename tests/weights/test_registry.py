"""The model registry: OpenAI's nine releases, the user's models.json, and the mirror variable."""

from __future__ import annotations

import json
import warnings
from urllib.parse import urlsplit

import pytest

from clipdesk.weights import DEFAULT_MODEL, RegistryError, UnknownModelError, load_registry
from clipdesk.weights.registry import (
    CHINESE_CLIP,
    CN_CLIP_PREFIX,
    OPENAI,
    OPENAI_BASE_URL,
    builtin_models,
    safe_file_name,
)
from tests.weights.helpers import write_models_json

SHA = "ab" * 32


def reference_urls() -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from clip import clip as reference
    return dict(reference._MODELS)


def test_builtins_are_openais_nine_models_with_their_published_urls(monkeypatch):
    monkeypatch.delenv("CLIPDESK_MODEL_MIRROR")  # tests/conftest.py points it at a closed port
    registry = load_registry()

    openai = [spec for spec in registry.models if spec.family == OPENAI]
    assert {spec.name: spec.url for spec in openai} == reference_urls()
    assert [spec.name for spec in openai] == list(reference_urls())  # same order as the reference
    assert DEFAULT_MODEL == "ViT-B/32" and registry.get(DEFAULT_MODEL)


def test_chinese_clip_builtins_are_the_five_ofa_sys_releases_from_two_sources(monkeypatch):
    monkeypatch.delenv("CLIPDESK_CN_CLIP_MIRROR")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cn_clip.clip import utils as reference
    chinese = {spec.name: spec for spec in load_registry().models if spec.family == CHINESE_CLIP}

    assert list(chinese) == [CN_CLIP_PREFIX + name for name in reference._MODELS]
    for short, (repo, file_name) in reference._MODELS.items():
        spec = chinese[CN_CLIP_PREFIX + short]
        assert spec.file_name == file_name and len(spec.sha256) == 64 and spec.size > 300_000_000
        assert spec.sources == (f"https://huggingface.co/OFA-Sys/{repo}/resolve/main/{file_name}",
                                f"https://modelscope.cn/models/AI-ModelScope/{repo}/resolve/master/{file_name}")
    assert chinese["CN-CLIP/ViT-B-16"].sha256.startswith("5997ef32c50d")
    assert chinese["CN-CLIP/RN50"].size == 308_316_425


def test_a_named_chinese_clip_mirror_replaces_the_sources_in_the_order_given(monkeypatch):
    monkeypatch.setenv("CLIPDESK_CN_CLIP_MIRROR", "http://10.0.0.5/hf/, https://mirror.example.cn/m")
    spec = load_registry().get("CN-CLIP/ViT-L-14")
    assert spec.sources == ("http://10.0.0.5/hf/chinese-clip-vit-large-patch14/clip_cn_vit-l-14.pt",
                            "https://mirror.example.cn/m/chinese-clip-vit-large-patch14/clip_cn_vit-l-14.pt")
    monkeypatch.setenv("CLIPDESK_CN_CLIP_MIRROR", "ftp://nope")
    with pytest.raises(RegistryError, match="CLIPDESK_CN_CLIP_MIRROR"):
        load_registry()


def test_chinese_and_openai_names_never_collide():
    registry = load_registry()
    assert registry.get("ViT-B-16").family == OPENAI  # OpenAI's ViT-B/16 file is ViT-B-16.pt
    assert registry.get("cn-clip/vit-b-16").name == "CN-CLIP/ViT-B-16"
    assert registry.get("clip_cn_rn50").name == "CN-CLIP/RN50"


def test_user_entries_may_list_mirrors_and_a_family(tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": [{"name": "mine", "url": "https://a.example/x.pt", "sha256": SHA,
                                            "mirrors": ["https://b.example/x.pt"], "family": "cnclip"}]}))
    spec = load_registry(path).get("mine")
    assert spec.sources == ("https://a.example/x.pt", "https://b.example/x.pt") and spec.family == "cnclip"
    path.write_text(json.dumps({"models": [{"name": "mine", "url": "https://a.example/x.pt", "sha256": SHA,
                                            "family": "klingon"}]}))
    with pytest.raises(RegistryError, match="'family' must be one of"):
        load_registry(path)


def test_each_builtin_hash_is_the_sha256_segment_of_its_https_url():
    for spec in builtin_models()[:9]:
        parts = urlsplit(spec.url).path.split("/")
        assert urlsplit(spec.url).scheme == "https"
        assert parts[-2] == spec.sha256 and len(spec.sha256) == 64
        assert parts[-1] == spec.file_name


def test_names_are_found_ignoring_case_or_by_file_name():
    registry = load_registry()

    assert registry.get("vit-b/32").name == "ViT-B/32"
    assert registry.get("ViT-L-14-336px").name == "ViT-L/14@336px"
    assert registry.get("RN50x4.pt").name == "RN50x4"


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownModelError, match=r"unknown model 'ViT-Q/7'; known models: RN50, .*ViT-B/32"):
        load_registry().get("ViT-Q/7")


def test_user_sources_from_models_json_are_added_and_may_use_http():
    write_models_json([{"name": "in-house", "url": "http://models.lan:8080/clip/in-house.pt", "sha256": SHA,
                        "size": 1234}])

    spec = load_registry().get("in-house")

    assert (spec.url, spec.sha256, spec.size, spec.file_name) == (
        "http://models.lan:8080/clip/in-house.pt", SHA, 1234, "in-house.pt")
    assert len(load_registry().models) == 15  # 9 OpenAI + 5 Chinese-CLIP + 1


def test_a_user_entry_with_a_builtin_name_replaces_the_builtin():
    write_models_json([{"name": "ViT-B/32", "url": "https://intranet.example/ViT-B-32.pt",
                        "sha256": builtin_models()[5].sha256}])

    registry = load_registry()

    assert registry.get("ViT-B/32").url == "https://intranet.example/ViT-B-32.pt"
    assert registry.names().count("ViT-B/32") == 1


def test_the_mirror_replaces_the_openai_base_url(monkeypatch):
    monkeypatch.setenv("CLIPDESK_MODEL_MIRROR", "https://mirror.example/clip/")

    for spec, original in zip(load_registry().models, builtin_models(), strict=True):
        assert spec.url == original.url.replace(OPENAI_BASE_URL, "https://mirror.example/clip")
        assert spec.sha256 == original.sha256


def test_a_malformed_mirror_is_refused(monkeypatch):
    monkeypatch.setenv("CLIPDESK_MODEL_MIRROR", "ftp://mirror.example/clip")

    with pytest.raises(RegistryError, match="CLIPDESK_MODEL_MIRROR='ftp://mirror.example/clip'"):
        load_registry()


def test_a_mirror_with_a_query_is_refused_rather_than_mangled(monkeypatch):
    monkeypatch.setenv("CLIPDESK_MODEL_MIRROR", "https://mirror.example/clip?token=1")

    with pytest.raises(RegistryError, match=r"without \?query or #fragment"):
        load_registry()


GOOD = {"name": "mine", "url": "https://example.com/mine.pt", "sha256": SHA}


@pytest.mark.parametrize(("entries", "expected"), [
    (["not an object"], r"entry 1: expected an object"),
    ([{"url": GOOD["url"], "sha256": SHA}], r"entry 1: 'name' must be a non-empty string"),
    ([{**GOOD, "name": " padded "}], r"entry 1: 'name' must be"),
    ([{**GOOD, "url": "ftp://example.com/mine.pt"}], r"entry 1 \('mine'\): the URL must start with https://"),
    ([{**GOOD, "url": "https:///no-host.pt"}], r"entry 1 \('mine'\): the URL must start"),
    ([{**GOOD, "url": 42}], r"entry 1 \('mine'\): 'url' must be a string"),
    ([{**GOOD, "sha256": "abc"}], r"entry 1 \('mine'\): 'sha256' must be 64 hexadecimal digits"),
    ([{**GOOD, "sha256": "z" * 64}], r"'sha256' must be 64 hexadecimal digits"),
    ([{**GOOD, "size": -1}], r"entry 1 \('mine'\): 'size' must be a positive number of bytes"),
    ([{**GOOD, "size": True}], r"'size' must be a positive number"),
    ([{**GOOD, "sha": SHA}], r"entry 1 \('mine'\): unknown key 'sha'; allowed keys: name, url, sha256"),
    ([GOOD, {**GOOD}], r"entry 2: the name 'mine' is used twice"),
    ([{**GOOD, "url": "https://example.com/"}], r"give a 'file_name'"),
    ([{**GOOD, "file_name": "../escape.pt"}], r"give a 'file_name'"),
    ([GOOD, {**GOOD, "name": "other", "sha256": "cd" * 32}], r"'other' and 'mine' would both be saved as mine.pt"),
    ([{**GOOD, "name": "clash", "url": "https://example.com/RN50.pt"}],
     r"'clash' and 'RN50' would both be saved as RN50.pt"),
    ([{**GOOD, "file_name": "ViT-B-32.pt.sha256.json"}], r"ends like clipdesk's own files"),
    ([{**GOOD, "file_name": "mine.pt.part"}], r"ends like clipdesk's own files"),
    ([{**GOOD, "url": "https://user:secret@example.com/mine.pt"}], r"passwords in the URL are not supported"),
    ([{**GOOD, "url": "https://example.com:http/mine.pt"}], r"is not a usable URL"),
])
def test_a_bad_entry_in_models_json_is_named_in_the_error(entries, expected):
    path = write_models_json(entries)

    with pytest.raises(RegistryError, match=expected) as caught:
        load_registry()
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("text", "expected"), [
    ('{"models": [', r"is not valid JSON \(line 1, column 13"),
    ('{"model": []}', r'must look like \{"models": \['),
    ('[]', r'must look like'),
])
def test_a_malformed_models_json_says_how_it_should_look(text, expected):
    path = write_models_json([])
    path.write_text(text, encoding="utf-8")

    with pytest.raises(RegistryError, match=expected):
        load_registry()


@pytest.mark.parametrize(("data", "expected"), [
    (b'{"models": [{"name": "caf\xe9"}]}', r"is not UTF-8 text \(byte 25\); save it as UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, r"is nested too deeply"),
    (b'{"models": [{"name": "x", "size": ' + b"9" * 5000 + b"}]}", r"holds a number too long to read"),
], ids=["latin-1", "deeply-nested", "5000-digit-number"])
def test_a_models_json_that_is_not_json_text_is_one_clear_line(data, expected):
    path = write_models_json([])
    path.write_bytes(data)

    with pytest.raises(RegistryError, match=expected) as caught:
        load_registry()
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_a_models_json_saved_with_a_byte_order_mark_is_read():
    path = write_models_json([GOOD])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # what Windows Notepad writes

    assert load_registry().get("mine").url == GOOD["url"]


def test_no_models_json_means_only_builtins():
    assert len(load_registry().models) == 14  # 9 OpenAI + 5 Chinese-CLIP


def test_entries_may_name_their_cache_file():
    write_models_json([{**GOOD, "url": "https://example.com/download?id=7", "file_name": "mine-v2.pt"}])

    assert load_registry().get("mine").file_name == "mine-v2.pt"


def test_models_json_round_trips_what_a_user_would_write(tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": [GOOD]}), encoding="utf-8")

    assert load_registry(models_json=path).get("mine").url == GOOD["url"]


@pytest.mark.parametrize(("name", "file_name"), [
    ("ViT-B/32", "ViT-B-32.pt"), ("my model (v2)", "my-model-v2.pt"), ("///", "model.pt"), ("ok_1.0", "ok_1.0.pt"),
])
def test_imported_names_become_safe_file_names(name, file_name):
    assert safe_file_name(name) == file_name
