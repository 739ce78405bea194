"""``clipdesk.cnclip.load``: release files, names from the registry, hostile and broken files, precision."""

from __future__ import annotations

import hashlib
import os

import pytest
import torch

import clipdesk.cnclip as cnclip
from clipdesk.clip.checkpoint import CheckpointError
from clipdesk.clip.precision import fast_differs
from tests.clip.test_checkpoint import PAYLOADS
from tests.weights.helpers import write_models_json
from tests.weights.http_server import FileServer


def test_the_api_mirrors_cn_clip():
    assert cnclip.available_models() == ["ViT-B-16", "ViT-L-14", "ViT-L-14-336", "ViT-H-14", "RN50"]
    assert cnclip.tokenize("猫").shape == (1, 52)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_pickle_in_the_release_format_is_refused_without_running(payload, cn_reference_models,
                                                                           tmp_path):
    target = tmp_path / "pwned"
    state = {f"module.{k}": v for k, v in cn_reference_models["vit-base"].state_dict().items()}
    torch.save({"epoch": 1, "step": 2, "state_dict": state, "evil": payload(target)}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="refused"):
        cnclip.load(tmp_path / "evil.pt", device="cpu")
    assert not target.exists()


def test_a_truncated_release_file_gets_one_clear_error(cn_checkpoints, tmp_path):
    data = cn_checkpoints["vit-base"].read_bytes()
    (tmp_path / "half.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="half.pt"):
        cnclip.load(tmp_path / "half.pt", device="cpu")


def test_an_openai_checkpoint_is_named_as_the_other_family(tiny_vit_path):
    with pytest.raises(CheckpointError, match="not a Chinese-CLIP model.*clipdesk.clip.load"):
        cnclip.load(tiny_vit_path, device="cpu")


def test_a_state_dict_with_a_missing_tensor_names_it(cn_reference_models, tmp_path):
    state = cn_reference_models["rn50-rbt3"].state_dict()
    del state["bert.encoder.layer.1.output.dense.weight"]
    torch.save(state, tmp_path / "broken.pt")
    with pytest.raises(CheckpointError, match="bert.encoder.layer.1.output.dense.weight"):
        cnclip.load(tmp_path / "broken.pt", device="cpu")


def test_a_registry_name_is_downloaded_verified_and_loaded(cn_checkpoints, monkeypatch):
    data = cn_checkpoints["vit-base"].read_bytes()
    with FileServer({"/m/chinese-clip-vit-base-patch16/clip_cn_vit-b-16.pt": data}) as server:
        write_models_json([{"name": "CN-CLIP/ViT-B-16", "url": server.url("/m/chinese-clip-vit-base-patch16/"
                                                                         "clip_cn_vit-b-16.pt"),
                            "sha256": hashlib.sha256(data).hexdigest(), "family": "cnclip"}])
        model, preprocess = cnclip.load("ViT-B-16", device="cpu")
    assert preprocess.n_px == model.visual.input_resolution == 32
    cached = os.path.join(os.environ["CLIPDESK_DATA_DIR"], "models", "clip_cn_vit-b-16.pt")
    assert open(cached, "rb").read() == data


def test_an_unknown_name_says_which_exist():
    with pytest.raises(cnclip.ModelNotFoundError, match="ViT-B-16"):
        cnclip.load("ViT-Q-99", device="cpu")


@pytest.mark.skipif(not fast_differs("cpu"), reason="this CPU has no native bf16: fast equals exact here")
@pytest.mark.parametrize("pairing", ["vit-base", "rn50-rbt3"])
def test_fast_precision_stays_within_cosine_0_9999_of_exact(pairing, cn_checkpoints):
    exact, _ = cnclip.load(cn_checkpoints[pairing], device="cpu")
    fast, _ = cnclip.load(cn_checkpoints[pairing], device="cpu", precision="fast")
    pixels = torch.randn(4, 3, exact.visual.input_resolution, exact.visual.input_resolution)
    tokens = cnclip.tokenize(["一张猫的照片。", "红包", "a receipt", "夜景"])
    with torch.no_grad():
        for a, b in ((exact.encode_image(pixels), fast.encode_image(pixels)),
                     (exact.encode_text(tokens), fast.encode_text(tokens))):
            assert b.dtype == torch.float32
            assert torch.nn.functional.cosine_similarity(a, b).min().item() > 0.9999


@pytest.mark.parametrize("pairing", ["vit-base", "rn50-rbt3"])
def test_the_fast_model_is_built_from_the_exact_one_and_leaves_it_as_it_was(pairing, cn_checkpoints):
    """Whatever this CPU is (bf16 is emulated where not native: slow, same numbers): features within
    cosine 0.9999 of exact, and the exact model's weights untouched by the conversion."""
    from clipdesk.cnclip.precision import to_fast

    exact, _ = cnclip.load(cn_checkpoints[pairing], device="cpu")
    before = {key: value.clone() for key, value in exact.state_dict().items()}
    fast = to_fast(exact, pack=False)
    pixels = torch.randn(2, 3, exact.visual.input_resolution, exact.visual.input_resolution)
    tokens = cnclip.tokenize(["一张猫的照片。", "红包", "a receipt"])
    with torch.no_grad():
        for a, b in ((exact.encode_image(pixels), fast.encode_image(pixels)),
                     (exact.encode_text(tokens), fast.encode_text(tokens))):
            assert torch.nn.functional.cosine_similarity(a, b.float()).min().item() > 0.9999
    assert all(torch.equal(value, before[key]) for key, value in exact.state_dict().items())
