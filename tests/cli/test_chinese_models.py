"""The CLI with Chinese labels: a Chinese-CLIP file is recognised by its keys and ranks like the reference;
Chinese labels on OpenAI's English model get one clear warning."""

from __future__ import annotations

import csv
import json

import torch

from tests.labeling.conftest import make_photos
from tests.labeling.test_chinese_labels import reference_probabilities

LABELS = "红包,猫,收据,夜景"


def test_classify_json_with_chinese_labels_equals_the_reference_recipe(cli, tmp_path, cn_checkpoints,
                                                                       cn_reference_models):
    images = make_photos(tmp_path / "photos", 3)
    run = cli("classify", *images, "--labels", LABELS, "--model", cn_checkpoints["vit-base"], "--json",
              "--precision", "exact", "--top", "4")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["templates"] == ["一张{}的照片。"]  # the family's own default
    got = torch.tensor([[next(p["probability"] for p in r["predictions"] if p["label"] == label)
                         for label in LABELS.split(",")] for r in document["results"]])
    expected = reference_probabilities(cn_reference_models["vit-base"], images, LABELS.split(","), ["一张{}的照片。"])
    torch.testing.assert_close(got, expected, atol=2e-6, rtol=1e-5)
    assert "need" not in run.err and "Chinese model" not in run.err


def test_label_writes_chinese_labels_into_the_csv_as_utf8(cli, tmp_path, cn_checkpoints):
    make_photos(tmp_path / "photos", 4)
    out = tmp_path / "results.csv"
    run = cli("label", tmp_path / "photos", "--labels", LABELS, "--model", cn_checkpoints["rn50-rbt3"],
              "--out", out, "--template", "{}的照片")
    assert run.code == 0, run.err
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 4 and {row["top_label"] for row in rows} <= set(LABELS.split(","))


def test_chinese_labels_on_an_english_model_are_warned_about_once(cli, tmp_path, tiny_vit_path):
    images = make_photos(tmp_path / "photos", 2)
    run = cli("classify", *images, "--labels", LABELS, "--model", tiny_vit_path)
    assert run.code == 0
    assert run.err.count("most labels are Chinese") == 1 and "--model CN-CLIP/ViT-B-16" in run.err
    english = cli("classify", *images, "--labels", "cat,dog,猫", "--model", tiny_vit_path)
    assert "most labels are Chinese" not in english.err


def test_models_list_describes_both_families(cli):
    run = cli("models", "list")
    assert run.code == 0
    assert "CN-CLIP/ViT-B-16" in run.out and "ViT-B/32" in run.out
    assert "Chinese-CLIP" in run.out and "OpenAI CLIP" in run.out


def test_a_chinese_clip_file_is_imported_checked_and_then_usable_by_name(cli, tmp_path, cn_checkpoints):
    run = cli("models", "import", cn_checkpoints["vit-h-large"], "--name", "my-cn")
    assert run.code == 0, run.err
    images = make_photos(tmp_path / "photos", 1)
    assert cli("classify", *images, "--labels", LABELS, "--model", "my-cn").code == 0
    broken = tmp_path / "broken.pt"
    broken.write_bytes(cn_checkpoints["vit-h-large"].read_bytes()[:5000])
    refused = cli("models", "import", broken, "--name", "broken")
    assert refused.code != 0 and "broken.pt" in refused.err
