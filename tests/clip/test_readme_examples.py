"""OpenAI CLIP's two README examples run against clipdesk with only the import and the checkpoint path
changed, and print what the same code prints against the reference ``clip`` package.

The zero-shot example classifies real photos (scikit-image's samples) among a list of class names
instead of downloading CIFAR-100: the dataset line is the only other change.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings

import pytest
import torch

from tests import checkpoints, photos

# "Usage", as in OpenAI's README (the version that also calls encode_image / encode_text).
USAGE_EXAMPLE = '''
import torch
import clip
from PIL import Image

device = "cuda" if torch.cuda.is_available() else "cpu"
model, preprocess = clip.load("ViT-B/32", device=device)

image = preprocess(Image.open("CLIP.png")).unsqueeze(0).to(device)
text = clip.tokenize(["a diagram", "a dog", "a cat"]).to(device)

with torch.no_grad():
    image_features = model.encode_image(image)
    text_features = model.encode_text(text)

    logits_per_image, logits_per_text = model(image, text)
    probs = logits_per_image.softmax(dim=-1).cpu().numpy()

print("Label probs:", probs)  # prints: [[0.9927937  0.00421068 0.00299572]]
'''

# "Zero-Shot Prediction", as in OpenAI's README.
ZERO_SHOT_EXAMPLE = '''
import os
import clip
import torch
from torchvision.datasets import CIFAR100

# Load the model
device = "cuda" if torch.cuda.is_available() else "cpu"
model, preprocess = clip.load('ViT-B/32', device)

# Download the dataset
cifar100 = CIFAR100(root=os.path.expanduser("~/.cache"), download=True, train=False)

# Prepare the inputs
image, class_id = cifar100[3637]
image_input = preprocess(image).unsqueeze(0).to(device)
text_inputs = torch.cat([clip.tokenize(f"a photo of a {c}") for c in cifar100.classes]).to(device)

# Calculate features
with torch.no_grad():
    image_features = model.encode_image(image_input)
    text_features = model.encode_text(text_inputs)

# Pick the top 5 most similar labels for the image
image_features /= image_features.norm(dim=-1, keepdim=True)
text_features /= text_features.norm(dim=-1, keepdim=True)
similarity = (100.0 * image_features @ text_features.T).softmax(dim=-1)
values, indices = similarity[0].topk(5)

# Print the result
print("\\nTop predictions:\\n")
for value, index in zip(values, indices):
    print(f"{cifar100.classes[index]:>16s}: {100 * value.item():.2f}%")
'''

# Class names for the photos (scikit-image sample -> class) and a few that fit none of them.
PHOTO_CLASSES = {"astronaut": "astronaut", "coffee": "cup of coffee", "chelsea": "cat", "rocket": "rocket"}
CLASSES = [*PHOTO_CLASSES.values(), "dog", "bicycle", "red envelope", "receipt", "snake", "sweet_pepper"]
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


class SamplePhotos:
    """What the example uses of CIFAR100: ``dataset[i] -> (PIL image, class id)`` and ``.classes``."""

    classes = CLASSES

    def __getitem__(self, index: int):
        name = list(PHOTO_CLASSES)[index]
        return photos.photo(name), CLASSES.index(PHOTO_CLASSES[name])


def run_example(source: str, use_clipdesk: bool) -> tuple[str, dict]:
    """Execute the example; return what it printed and its variables."""
    if use_clipdesk:
        source = source.replace("\nimport clip\n", "\nimport clipdesk.clip as clip\n")
    namespace: dict = {"__name__": "__readme_example__", "SamplePhotos": SamplePhotos}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkg_resources deprecation inside clip-anytorch
        exec(compile(source, "<README example>", "exec"), namespace)
    return printed.getvalue(), namespace


def assert_same_printout(ours: str, reference: str, tolerance: float) -> None:
    """Same words in the same order, numbers within ``tolerance`` (a last printed digit may differ)."""
    def words(text: str) -> str:  # numpy pads "[[0.99 0.004 0.003 ]]" by the widest number: not a word
        return re.sub(r"\s*([\[\]])\s*", r"\1", " ".join(NUMBER.sub("#", text).split()))

    assert words(ours) == words(reference)
    ours_numbers = [float(n) for n in NUMBER.findall(ours)]
    reference_numbers = [float(n) for n in NUMBER.findall(reference)]
    assert len(ours_numbers) == len(reference_numbers) > 0
    assert max(abs(a - b) for a, b in zip(ours_numbers, reference_numbers)) <= tolerance


@pytest.fixture(autouse=True)
def cpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples pick cuda when there is one; the fp32 CPU path is the one compared to 1e-4."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.mark.parametrize("family", list(checkpoints.TINY_CONFIGS))
def test_usage_example_prints_the_reference_numbers(tiny_checkpoints, tmp_path, family):
    picture = tmp_path / "CLIP.png"
    photos.photo("chelsea").save(picture)
    source = (USAGE_EXAMPLE.replace('"ViT-B/32"', repr(str(tiny_checkpoints[(family, "torchscript")])))
              .replace('"CLIP.png"', repr(str(picture))))

    reference_printed, reference_run = run_example(source, use_clipdesk=False)
    ours_printed, ours_run = run_example(source, use_clipdesk=True)

    assert_same_printout(ours_printed, reference_printed, tolerance=1e-4)  # probabilities
    for name in ("image_features", "text_features", "logits_per_image", "logits_per_text"):
        assert (ours_run[name] - reference_run[name]).abs().max().item() <= 1e-4, name
    assert ours_run["probs"].shape == (1, 3)
    assert ours_run["probs"].max() - ours_run["probs"].min() > 1e-3  # the labels are told apart


# Each photo once, every family at least once (each run loads both packages' models: keep it short).
@pytest.mark.parametrize(("family", "photo_index"), [("vit", 0), ("resnet", 1), ("resnet-deep", 2), ("vit", 3)])
def test_zero_shot_example_prints_the_reference_top_5(tiny_checkpoints, family, photo_index):
    source = (ZERO_SHOT_EXAMPLE.replace("'ViT-B/32'", repr(str(tiny_checkpoints[(family, "torchscript")])))
              .replace('CIFAR100(root=os.path.expanduser("~/.cache"), download=True, train=False)',
                       "SamplePhotos()")
              .replace("cifar100[3637]", f"cifar100[{photo_index}]"))

    reference_printed, reference_run = run_example(source, use_clipdesk=False)
    ours_printed, ours_run = run_example(source, use_clipdesk=True)

    assert_same_printout(ours_printed, reference_printed, tolerance=0.01)  # percentages, 2 decimals
    assert ours_run["indices"].tolist() == reference_run["indices"].tolist()
    assert (ours_run["similarity"] - reference_run["similarity"]).abs().max().item() <= 1e-4
    assert len(set(ours_run["indices"].tolist())) == 5

