"""``clipdesk classify``: OpenAI's README table or JSON, exit codes, and usage errors found first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clipdesk.labeling import LabelSet, ZeroShotClassifier, save_label_set
from tests.cli.conftest import write_photos

LABELS = "dog,cat,red envelope,a diagram,rocket,astronaut,coffee"
LINE = re.compile(r"^(?P<label>.+): (?P<percent>\d{1,3}\.\d{2})%$")


def _blocks(out: str) -> list[list[str]]:
    return [block.splitlines() for block in out.strip().split("\n\n")]


def test_table_shows_each_photo_with_labels_right_aligned_most_probable_first(cli, tmp_path: Path,
                                                                             tiny_vit_path: Path) -> None:
    images = write_photos(tmp_path, 3)
    run = cli("classify", *images, "--labels", LABELS, "--model", tiny_vit_path, "--top", 7, "--precision", "exact")
    assert run.code == 0, run.err
    expected = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(images, LABELS.split(","))
    blocks = _blocks(run.out)
    assert [block[0] for block in blocks] == [str(p) for p in images]
    for block, prediction in zip(blocks, expected):
        assert block[1:] == [f"{s.label:>16}: {100 * s.probability:.2f}%" for s in prediction.scores]
        assert all(LINE.match(line) and line.index(":") == 16 for line in block[1:])
        assert sum(float(LINE.match(line)["percent"]) for line in block[1:]) == pytest.approx(100, abs=0.05)


def test_default_shows_top_five_and_top_k_limits(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    image = write_photos(tmp_path, 1)[0]
    assert len(_blocks(cli("classify", image, "--labels", LABELS, "--model", tiny_vit_path).out)[0]) == 1 + 5
    assert len(_blocks(cli("classify", image, "--labels", LABELS, "--model", tiny_vit_path, "--top", 2).out)[0]) == 3


def test_long_labels_widen_the_column_instead_of_breaking_alignment(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    image = write_photos(tmp_path, 1)[0]
    run = cli("classify", image, "--labels", "a very long label indeed,cat", "--model", tiny_vit_path)
    lines = _blocks(run.out)[0][1:]
    assert {line.index(": ") for line in lines} == {len("a very long label indeed")}


def test_json_output_is_the_export_document(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    images = write_photos(tmp_path, 2)
    run = cli("classify", *images, "--labels", LABELS, "--model", tiny_vit_path, "--json",
              "--template", "a photo of a {}.", "--template", "{}")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["model"] == str(tiny_vit_path)
    assert document["templates"] == ["a photo of a {}.", "{}"]
    assert document["labels"] == LABELS.split(",")
    assert [r["path"] for r in document["results"]] == [str(p) for p in images]
    for result in document["results"]:
        assert result["error"] is None
        probabilities = [p["probability"] for p in result["predictions"]]
        assert len(probabilities) == 7 and probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) == pytest.approx(1.0, abs=1e-5)
    top1 = json.loads(cli("classify", images[0], "--labels", LABELS, "--model", tiny_vit_path, "--json",
                          "--top", 1).out)
    assert len(top1["results"][0]["predictions"]) == 1


def test_unreadable_photo_gets_its_reason_and_exit_code_1(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    good = write_photos(tmp_path, 1)[0]
    broken = tmp_path / "notes.jpg"
    broken.write_text("not a photo")
    run = cli("classify", good, broken, "--labels", "dog,cat", "--model", tiny_vit_path)
    assert run.code == 1
    blocks = _blocks(run.out)
    assert len(blocks[0]) == 3
    assert blocks[1] == [str(broken), "  error: not an image (or a format clipdesk cannot read)"]
    assert "1 of 2 photos could not be labelled" in run.err
    as_json = json.loads(cli("classify", good, broken, "--labels", "dog,cat", "--model", tiny_vit_path, "--json").out)
    assert as_json["results"][1] == {"path": str(broken), "predictions": [],
                                     "error": "not an image (or a format clipdesk cannot read)"}


def test_labels_from_txt_csv_and_a_saved_label_set(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    image = write_photos(tmp_path, 1)[0]
    (tmp_path / "l.txt").write_text("dog\ncat\n\n红包\n", encoding="utf-8")
    (tmp_path / "l.csv").write_text("label,comment\ndog,x\ncat,y\n", encoding="utf-8")
    label_set = save_label_set(LabelSet("pets", ("dog", "cat"), ("a blurry photo of a {}.",)))
    for labels_file, labels, templates in [("l.txt", ["dog", "cat", "红包"], ["a photo of a {}."]),
                                           ("l.csv", ["dog", "cat"], ["a photo of a {}."]),
                                           (label_set, ["dog", "cat"], ["a blurry photo of a {}."])]:
        run = cli("classify", image, "--labels-file", tmp_path / labels_file, "--model", tiny_vit_path, "--json")
        assert run.code == 0, run.err
        document = json.loads(run.out)
        assert document["labels"] == labels and document["templates"] == templates


def test_commas_split_labels_and_duplicates_are_warned_about(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    image = write_photos(tmp_path, 1)[0]
    run = cli("classify", image, "--labels", " dog ,猫，cat,,dog", "--model", tiny_vit_path, "--json")
    assert json.loads(run.out)["labels"] == ["dog", "猫", "cat"]
    assert "duplicate label 'dog' ignored" in run.err


@pytest.mark.parametrize("args, message", [
    (["--labels", " , ,"], "no labels"),
    (["--labels", "dog", "--template", "a photo"], "no {}"),
    (["--labels-file", "missing.txt"], "file not found"),
    (["--labels", "dog", "--model", "no-such-model"], "cannot load model 'no-such-model'"),
    (["--labels", "dog", "--device", "tpu"], "unknown device"),
    (["--labels", "dog", "--top", "0"], "must be at least 1"),
    ([], "one of the arguments --labels --labels-file is required"),
])
def test_usage_errors_exit_2_with_a_message_and_no_output(cli, tmp_path: Path, tiny_vit_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          args: list[str], message: str) -> None:
    image = write_photos(tmp_path, 1)[0]
    monkeypatch.chdir(tmp_path)
    model = [] if "--model" in args else ["--model", tiny_vit_path]
    run = cli("classify", image, *args, *model)
    assert run.code == 2
    assert message in run.err
    assert run.out == ""


def test_a_bad_checkpoint_file_is_a_usage_error_naming_it(cli, tmp_path: Path) -> None:
    image = write_photos(tmp_path, 1)[0]
    fake = tmp_path / "model.pt"
    fake.write_bytes(b"not a checkpoint")
    run = cli("classify", image, "--labels", "dog", "--model", fake)
    assert run.code == 2 and str(fake) in run.err


def test_long_and_chinese_labels_keep_the_table_aligned(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    """Percentages line up in a terminal: a 300-word label is shortened (JSON keeps it whole) and a
    Chinese character counts as the two columns it takes."""
    import unicodedata

    image = write_photos(tmp_path, 1)[0]
    long_label = " ".join(["word"] * 300)
    run = cli("classify", image, "--labels", f"中国,dog,{long_label}", "--model", tiny_vit_path)
    assert run.code == 0, run.err
    assert "truncated" in run.err
    lines = _blocks(run.out)[0][1:]

    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    assert len({columns(line.rsplit(":", 1)[0]) for line in lines}) == 1, lines
    assert max(columns(line) for line in lines) <= 60
    assert any(line.lstrip().startswith("word word") and "…" in line for line in lines)
    assert any(line.lstrip().startswith("中国:") for line in lines)
    as_json = json.loads(cli("classify", image, "--labels", f"中国,dog,{long_label}", "--model", tiny_vit_path,
                             "--json").out)
    assert as_json["labels"][2] == long_label


def test_json_after_a_second_ctrl_c_still_holds_the_photos_done(cli, tmp_path: Path, tiny_vit_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    original = ZeroShotClassifier.iter_batches

    def interrupted_after_one_photo(self, *args, **kwargs):
        batches = original(self, *args, **kwargs)
        yield next(batches)[:1]
        batches.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(ZeroShotClassifier, "iter_batches", interrupted_after_one_photo)
    images = write_photos(tmp_path, 3)
    run = cli("classify", *images, "--labels", "dog,cat", "--model", tiny_vit_path, "--json")
    assert run.code == 130 and "stopped by Ctrl-C after 1 of 3" in run.err
    assert [r["path"] for r in json.loads(run.out)["results"]] == [str(images[0])]


@pytest.mark.parametrize("json_output", [False, True], ids=["table", "json"])
def test_a_console_that_cannot_show_a_label_gets_escapes_not_a_crash(tmp_path: Path, tiny_vit_path: Path,
                                                                      json_output: bool) -> None:
    """A Windows console (cp1252) and a Chinese label: the run finishes, every label is there."""
    import os
    import subprocess
    import sys

    photo = write_photos(tmp_path, 1)[0]
    args = [sys.executable, "-m", "clipdesk", "classify", str(photo), "--labels", "猫,dog,🐈", "--model",
            str(tiny_vit_path), "--no-cache", *(["--json"] if json_output else [])]
    done = subprocess.run(args, capture_output=True, timeout=180,
                          env={**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONWARNINGS": "ignore"})
    err = done.stderr.decode("cp1252", "replace")
    assert done.returncode == 0, err
    assert "Traceback" not in err
    out = done.stdout.decode("cp1252")
    if json_output:
        labels = {p["label"] for p in json.loads(out)["results"][0]["predictions"]}
        assert labels == {"猫", "dog", "🐈"}
    else:
        assert "\\u732b" in out and "dog" in out
