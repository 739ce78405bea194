"""Folder runs: discovery + ranking + timing in one result, partial results kept when stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipdesk.labeling import RunInterrupted, ZeroShotClassifier, label_files, run_batch
from tests.labeling.conftest import make_photos


@pytest.fixture(scope="module")
def classifier(tiny_checkpoints: dict) -> ZeroShotClassifier:
    return ZeroShotClassifier(tiny_checkpoints[("vit", "torchscript")], device="cpu", batch_size=2)


def test_folder_run_labels_every_image_and_reports_failures(classifier: ZeroShotClassifier, tmp_path: Path) -> None:
    photos = make_photos(tmp_path / "f", 5)
    (tmp_path / "f" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (tmp_path / "f" / "notes.txt").write_text("skipped: not an image name")
    progress: list[tuple[int, int]] = []
    result = label_files(classifier, [tmp_path / "f"], [" dog", "cat", "dog"], ["{}"],
                         on_progress=lambda d, t: progress.append((d, t)))
    assert result.total == 6 and not result.cancelled
    assert (result.labelled, result.failed) == (5, 1)
    assert [Path(p.path).name for p in result.predictions] == sorted(["broken.png", *(p.name for p in photos)])
    assert result.labels == ("dog", "cat") and result.templates == ("{}",)
    assert any("duplicate" in w for w in result.warnings)
    assert result.model == classifier.model_name and result.seconds > 0
    assert progress[0] == (0, 6) and progress[-1] == (6, 6)


def test_stopping_keeps_the_finished_predictions(classifier: ZeroShotClassifier, tmp_path: Path) -> None:
    files = make_photos(tmp_path / "f", 7)
    done = [0]

    def stop_after_first_batch() -> bool:  # asked between label chunks and between batches
        return done[0] >= 1

    result = run_batch(classifier, files, ["dog", "cat"], should_stop=stop_after_first_batch,
                       on_progress=lambda finished, total: done.__setitem__(0, finished))
    assert result.cancelled and result.total == 7
    assert [p.path for p in result.predictions] == [str(f) for f in files[:2]]


def test_a_hard_interrupt_still_hands_back_the_finished_batches(classifier: ZeroShotClassifier,
                                                              tmp_path: Path) -> None:
    """A second Ctrl-C aborts the batch in flight; the batches before it must not be thrown away."""
    files = make_photos(tmp_path / "f", 7)

    def interrupt_during_the_third_batch(done: int, total: int) -> None:
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:  # still a KeyboardInterrupt for callers that stop
        run_batch(classifier, files, ["dog", "cat"], on_progress=interrupt_during_the_third_batch)
    assert isinstance(caught.value, RunInterrupted)
    result = caught.value.result
    assert result.cancelled and result.total == 7 and result.labels == ("dog", "cat")
    assert [p.path for p in result.predictions] == [str(f) for f in files[:4]]
    assert all(p.top is not None for p in result.predictions)


def test_run_batch_takes_files_as_given(classifier: ZeroShotClassifier, tmp_path: Path) -> None:
    folder = tmp_path / "x.png"
    folder.mkdir()
    make_photos(folder, 2)  # inside: must not be expanded, the folder itself is the "file"
    result = run_batch(classifier, [folder], ["dog"])
    assert [(p.path, p.error) for p in result.predictions] == [(str(folder), "is a directory")]


def test_no_labels_is_refused_before_any_work(classifier: ZeroShotClassifier, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no labels"):
        label_files(classifier, [tmp_path], ["", " "])
