"""``clipdesk search`` and ``clipdesk duplicates`` on real photos and random-weight models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from clipdesk.labeling import ZeroShotClassifier, iter_image_files
from tests import photos


@pytest.fixture
def album(tmp_path: Path) -> Path:
    folder = tmp_path / "album"
    for name in ("astronaut", "coffee", "chelsea", "rocket", "camera"):
        photos.write_jpeg(folder, name)
    shutil.copy(folder / "coffee.jpg", folder / "coffee copy.jpg")
    (folder / "broken.jpg").write_bytes(b"not a photo")
    return folder


def direct(model_path: Path, folder: Path, text: str | None = None, like: Path | None = None):
    classifier = ZeroShotClassifier(str(model_path), device="cpu", precision="exact", image_cache=None)
    files = [p for p in iter_image_files([folder]) if p.name != "broken.jpg"]  # the CLI's order: ties keep it
    features = torch.stack(classifier.image_features(files)).float()
    features = features / features.norm(dim=-1, keepdim=True)
    if text is not None:
        query = classifier.text_features([text], ("{}",))[0].cpu().float()
    else:
        query = classifier.image_features([like])[0].float()
    scores = features @ (query / query.norm())
    order = sorted(range(len(files)), key=lambda i: (-float(scores[i]), i))
    return [(str(files[i]), float(scores[i])) for i in order]


@pytest.mark.parametrize("text", ["a red envelope", "猫"])
def test_search_by_text_equals_cosine_similarity_of_the_embeddings(cli, album, tiny_vit_path, text):
    run = cli("search", album, "--text", text, "--model", tiny_vit_path, "--precision", "exact", "--json")
    assert run.code == 1 and "broken.jpg" in run.err  # a photo that cannot be read is said, and left out
    document = json.loads(run.out)
    assert document["query"] == text and document["model"] == str(tiny_vit_path)
    expected = direct(tiny_vit_path, album, text=text)
    assert [r["path"] for r in document["results"]] == [path for path, _ in expected]
    assert [r["score"] for r in document["results"]] == pytest.approx([s for _, s in expected], abs=1e-5)


def test_search_like_a_photo_puts_it_and_its_copy_first(cli, album, tiny_vit_path):
    run = cli("search", album, "--like", album / "coffee.jpg", "--model", tiny_vit_path, "--top", "2",
              "--precision", "exact", "--json")
    results = json.loads(run.out)["results"]
    assert sorted(Path(r["path"]).name for r in results) == ["coffee copy.jpg", "coffee.jpg"]
    assert all(r["score"] == pytest.approx(1.0, abs=1e-5) for r in results)
    expected = direct(tiny_vit_path, album, like=album / "coffee.jpg")
    assert [r["path"] for r in results] == [path for path, _ in expected[:2]]


def test_search_uses_the_embedding_cache_and_encodes_nothing_twice(cli, album, tiny_vit_path, monkeypatch):
    from clipdesk.clip.model import CLIP

    cli("label", album, "--labels", "cat,dog", "--model", tiny_vit_path, "--out", album.parent / "r.csv")
    encoded = []
    original = CLIP.encode_image

    def counting(self, image, *args, **kwargs):
        encoded.append(int(image.shape[0]))
        return original(self, image, *args, **kwargs)

    monkeypatch.setattr(CLIP, "encode_image", counting)
    run = cli("search", album, "--text", "a cat", "--model", tiny_vit_path)
    assert run.code == 1 and len(run.out.splitlines()) == 6
    assert sum(encoded) == 0  # every photo came from the cache the labelling filled
    cli("search", album, "--text", "a cat", "--model", tiny_vit_path, "--no-cache")
    assert sum(encoded) == 6  # the same search without the cache encodes each photo


def test_search_lines_are_score_then_path(cli, album, tiny_vit_path):
    run = cli("search", album / "coffee.jpg", album / "rocket.jpg", "--text", "rocket", "--model", tiny_vit_path)
    lines = run.out.splitlines()
    assert len(lines) == 2 and all(float(line.split("  ", 1)[0]) <= 1.0 for line in lines)
    assert {line.split("  ", 1)[1] for line in lines} == {str(album / "coffee.jpg"), str(album / "rocket.jpg")}


def test_duplicates_groups_the_copy_with_its_original(cli, album, tiny_vit_path):
    run = cli("duplicates", album, "--model", tiny_vit_path, "--min-similarity", "0.9999", "--json")
    groups = json.loads(run.out)["groups"]
    assert [sorted(Path(m["path"]).name for m in group) for group in groups] == [["coffee copy.jpg", "coffee.jpg"]]
    assert run.code == 1 and "1 group of near-duplicates among 6 photos" in run.err


@pytest.mark.parametrize("args, message", [(["--text", "  "], "empty"), (["--like", "nope.jpg"], "no such photo")])
def test_search_usage_errors(cli, album, tiny_vit_path, args, message):
    run = cli("search", album, *args, "--model", tiny_vit_path)
    assert run.code == 2 and message in run.err
