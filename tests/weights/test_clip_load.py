"""`clipdesk.clip.load(name)` downloads on first use, loads from the cache afterwards, and never loads
bytes whose SHA256 is wrong."""

from __future__ import annotations

import hashlib
import io
import shutil
import sys

import pytest
import torch

import clipdesk.clip as clip
from clipdesk.clip.model_files import import_weights
from clipdesk.weights import CorruptFileError, HTTPStatusError, load_registry
from tests import checkpoints
from tests.weights.helpers import MODEL_NAME, write_models_json

TINY_RESOLUTION = checkpoints.TINY_CONFIGS["vit"].image_resolution


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_first_load_downloads_then_later_loads_use_the_cache(tiny_spec, server, models_root):
    model, preprocess = clip.load(MODEL_NAME, device="cpu")
    requests_after_first = len(server.requests)
    again, _ = clip.load(MODEL_NAME, device="cpu")

    assert requests_after_first == 1 and len(server.requests) == 1
    assert (models_root / "tiny-vit.pt").is_file()
    assert model.visual.input_resolution == again.visual.input_resolution == TINY_RESOLUTION
    for ours, theirs in zip(model.parameters(), again.parameters(), strict=True):
        assert torch.equal(ours, theirs)


def test_download_root_overrides_the_cache_for_one_call(tiny_spec, server, tmp_path, models_root):
    clip.load(MODEL_NAME, device="cpu", download_root=tmp_path / "project-models")

    assert (tmp_path / "project-models" / "tiny-vit.pt").is_file()
    assert not models_root.exists()


def test_a_file_already_in_download_root_is_used_without_network(tiny_vit_path, tiny_bytes, tmp_path):
    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])
    shutil.copy(tiny_vit_path, tmp_path / "tiny-vit.pt")

    model, _ = clip.load(MODEL_NAME, device="cpu", download_root=tmp_path)

    assert model.visual.input_resolution == TINY_RESOLUTION


def test_a_terminal_shows_a_progress_bar_while_downloading(tiny_spec, server, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    clip.load(MODEL_NAME, device="cpu")

    assert terminal.getvalue().startswith("\rDownloading tiny-vit: [")
    assert "100%" in terminal.getvalue() and terminal.getvalue().endswith("\n")


def test_without_a_terminal_load_prints_nothing(tiny_spec, server, capsys):
    clip.load(MODEL_NAME, device="cpu")

    assert capsys.readouterr().err == ""


def test_builtin_names_are_fetched_from_the_registry_url(server, monkeypatch):
    monkeypatch.setenv("CLIPDESK_MODEL_MIRROR", server.url("/clip/models"))
    sha256 = load_registry().get("ViT-L/14@336px").sha256

    with pytest.raises(HTTPStatusError) as caught:  # the local mirror does not have it
        clip.load("ViT-L/14@336px", device="cpu")

    assert server.requests[0].path == f"/clip/models/{sha256}/ViT-L-14-336px.pt"
    assert "answered HTTP 404" in str(caught.value)


def test_a_cached_file_whose_bytes_changed_is_downloaded_again_before_loading(tiny_spec, server, tiny_bytes,
                                                                               models_root):
    clip.load(MODEL_NAME, device="cpu")
    cached = models_root / "tiny-vit.pt"
    cached.write_bytes(b"\0" * 100)  # damaged after it was verified

    model, _ = clip.load(MODEL_NAME, device="cpu")

    assert cached.read_bytes() == tiny_bytes and len(server.requests) == 2
    assert model.visual.input_resolution == TINY_RESOLUTION


def test_a_changed_imported_model_is_reported_not_loaded(tiny_vit_path):
    path = import_weights(tiny_vit_path, "my-vit").path
    assert clip.load("my-vit", device="cpu")[0].visual.input_resolution == TINY_RESOLUTION
    with open(path, "r+b") as stream:
        stream.truncate(path.stat().st_size // 2)

    with pytest.raises(CorruptFileError, match="changed after it was imported"):
        clip.load("my-vit", device="cpu")


def test_an_unknown_name_still_lists_the_available_models():
    with pytest.raises(clip.ModelNotFoundError, match="ViT-B/99"):
        clip.load("ViT-B/99", device="cpu")
