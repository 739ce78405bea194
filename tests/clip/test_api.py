"""``clipdesk.clip.load`` / ``available_models`` behave like OpenAI's ``clip`` and fail with clear messages."""

from __future__ import annotations

import re
import warnings

import pytest
import torch
from PIL import Image

import clipdesk.clip as clip
from clipdesk.clip.device import pick_device
from tests import checkpoints

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pkg_resources deprecation inside clip-anytorch
    import clip as reference

NINE = ["RN50", "RN101", "RN50x4", "RN50x16", "RN50x64", "ViT-B/32", "ViT-B/16", "ViT-L/14", "ViT-L/14@336px"]


@pytest.fixture
def no_accelerator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_available_models_are_the_nine_openai_models_in_the_reference_order():
    assert clip.available_models() == NINE == reference.available_models()


@pytest.mark.parametrize(("cuda", "mps", "expected"), [
    (True, True, "cuda"), (False, True, "mps"), (False, False, "cpu"),
])
def test_no_device_means_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    assert pick_device(None) == torch.device(expected)


def test_an_explicit_device_is_taken_as_given_in_either_spelling():
    assert pick_device("cpu") == pick_device(torch.device("cpu")) == torch.device("cpu")
    assert pick_device("cuda:1") == torch.device("cuda", 1)


def test_load_without_a_device_gives_an_fp32_eval_model_on_this_cpu(tiny_vit_path, no_accelerator):
    model, _ = clip.load(tiny_vit_path)  # an fp16 TorchScript archive, like OpenAI's files

    assert not model.training
    assert model.dtype == torch.float32
    assert {(tensor.device.type, tensor.dtype) for tensor in model.parameters()} == {("cpu", torch.float32)}


def test_load_accepts_a_torch_device_and_a_path_object(tiny_checkpoints):
    model, _ = clip.load(tiny_checkpoints[("resnet", "state_dict")], device=torch.device("cpu"))

    assert model.visual.input_resolution == checkpoints.TINY_CONFIGS["resnet"].image_resolution


def test_jit_true_warns_once_and_loads_the_same_eager_model(tiny_vit_path):
    with pytest.warns(UserWarning) as records:
        jit_model, _ = clip.load(str(tiny_vit_path), device="cpu", jit=True)
    eager_model, _ = clip.load(str(tiny_vit_path), device="cpu")
    text = clip.tokenize(["a dog", "a cat"])

    assert len([r for r in records if "jit" in str(r.message)]) == 1
    assert isinstance(jit_model, clip.CLIP) and not isinstance(jit_model, torch.jit.ScriptModule)
    with torch.no_grad():
        assert torch.equal(jit_model.encode_text(text), eager_model.encode_text(text))


@pytest.mark.parametrize("family", list(checkpoints.TINY_CONFIGS))
def test_preprocess_makes_the_input_the_model_expects(tiny_checkpoints, family):
    model, preprocess = clip.load(tiny_checkpoints[(family, "state_dict")], device="cpu")
    n_px = checkpoints.TINY_CONFIGS[family].image_resolution
    photo = Image.new("RGB", (120, 70), (200, 30, 60))

    image = preprocess(photo)

    assert image.shape == (3, n_px, n_px)
    with torch.no_grad():
        assert model.encode_image(image[None]).shape == (1, checkpoints.TINY_CONFIGS[family].embed_dim)


# Loading by name (download on first use, the cache folder, download_root, a verified file already
# there) is tested with a local server in tests/weights/test_clip_load.py.


def test_an_unknown_name_lists_the_available_models():
    with pytest.raises(clip.ModelNotFoundError) as caught:
        clip.load("ViT-B/99", device="cpu")

    message = str(caught.value)
    assert "ViT-B/99" in message
    assert all(name in message for name in NINE)


def test_a_checkpoint_of_another_network_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "resnet18-finetune.pt"
    torch.save(torch.nn.Linear(4, 2).state_dict(), path)

    with pytest.raises(clip.CheckpointError) as caught:
        clip.load(path, device="cpu")

    assert str(path) in str(caught.value)
    assert "not a CLIP model" in str(caught.value)


def test_a_damaged_checkpoint_is_refused_naming_the_file(tiny_vit_path, tmp_path):
    path = tmp_path / "ViT-B-32.pt"
    path.write_bytes(tiny_vit_path.read_bytes()[:5000])

    with pytest.raises(clip.CheckpointError, match=re.escape(str(path))):
        clip.load(path, device="cpu")
