"""The window's controllers on their own, with a fake worker client: what they ask the worker for and
what they tell the window, without a model, a worker thread or a main window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QApplication, QWidget

from clipdesk.gui.file_actions import FileActions
from clipdesk.gui.image_list import PhotoListModel
from clipdesk.gui.jobs import JobKind, JobProgress, LabelsChecked, RankBatch, RankRequest
from clipdesk.gui.model_control import READY
from clipdesk.gui.photo_input import PhotoInput
from clipdesk.gui.ranking import RankControl
from clipdesk.gui.settings import Settings
from clipdesk.gui.status_bar import ActivityStatusBar
from clipdesk.labeling.keep_rule import KeepRule
from clipdesk.labeling.labelsets import LabelSet
from clipdesk.labeling.predictions import LabelScore, Prediction
from tests.gui.fakes import FakeModel, FakeWorkerClient


class Screen:
    """The prompts a user typed, as the window hands them to RankControl."""

    def __init__(self, labels: list[str], templates: tuple[str, ...] = ("a photo of a {}.",)) -> None:
        self.labels, self.templates = labels, templates

    def __call__(self) -> tuple[list[str], tuple[str, ...]]:
        return self.labels, self.templates


@pytest.fixture
def parts(qtbot) -> dict:
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = Settings()
    settings.model, settings.batch_size = "ViT-B/32", 8
    return {"parent": parent, "settings": settings, "status": ActivityStatusBar(parent),
            "photos": PhotoListModel(parent), "client": FakeWorkerClient(), "model": FakeModel(READY)}


def rank_control(parts: dict, screen: Screen) -> RankControl:
    return RankControl(parts["client"], parts["model"], parts["photos"], parts["settings"], parts["status"],
                       screen, parts["parent"])


def scores(path: str, *labels: str) -> Prediction:
    share = 1 / len(labels)
    return Prediction(path, tuple(LabelScore(label, share) for label in labels))


def test_ranking_asks_for_the_photos_without_results_and_shows_what_comes_back(parts: dict, qtbot) -> None:
    photos, client = parts["photos"], parts["client"]
    photos.add_paths(["/p/a.jpg", "/p/b.jpg"])
    ranking = rank_control(parts, Screen(["cat", " dog ", "cat", ""]))
    with qtbot.waitSignal(ranking.results_changed):
        ranking.request_rank()
    ((job, request),) = client.of_kind(JobKind.RANK)
    assert request == RankRequest(("/p/a.jpg", "/p/b.jpg"), ("cat", "dog"), ("a photo of a {}.",), 8)
    with qtbot.waitSignal(ranking.photos_ranked) as arrived:
        client.ranked.emit(RankBatch(job, request, (scores("/p/a.jpg", "cat", "dog"),)))
    assert arrived.args == [["/p/a.jpg"]]
    assert photos.is_up_to_date("/p/a.jpg") and photos.counts() == (1, 0)
    ranking.request_rank()  # only b is left to rank
    assert client.of_kind(JobKind.RANK)[-1][1].paths == ("/p/b.jpg",)


def test_nothing_is_ranked_without_labels_or_before_the_model_is_ready(parts: dict, qtbot) -> None:
    parts["photos"].add_paths(["/p/a.jpg"])
    model = parts["model"]
    model.state = "loading"
    screen = Screen(["receipt"])
    ranking = rank_control(parts, screen)
    ranking.request_rank()  # the model is still loading: only the labels' length is checked
    assert parts["client"].of_kind(JobKind.RANK) == []
    assert parts["client"].of_kind(JobKind.CHECK) == [(1, (("receipt",), ("a photo of a {}.",), "ViT-B/32"))]
    screen.labels = []
    with qtbot.waitSignal(ranking.labels_truncated) as cleared:  # no labels: no warnings either
        ranking.request_rank()
    assert cleared.args == [set(), -1]
    screen.labels = ["receipt"]
    model.become(READY)  # the model arrives: what waited is ranked
    assert [r.paths for _, r in parts["client"].of_kind(JobKind.RANK)] == [("/p/a.jpg",)]


def test_label_all_without_labels_asks_for_labels(parts: dict, qtbot) -> None:
    ranking = rank_control(parts, Screen(["   "]))
    with qtbot.waitSignal(ranking.labels_needed):
        ranking.label_all()
    assert parts["client"].of_kind(JobKind.RANK) == []
    assert "label" in parts["status"].activity.text().lower()


def test_reports_of_other_jobs_and_the_labels_check_reach_the_right_places(parts: dict, qtbot) -> None:
    photos, client, status = parts["photos"], parts["client"], parts["status"]
    photos.add_paths(["/p/a.jpg"])
    ranking = rank_control(parts, Screen(["cat"]))
    ranking.request_rank()
    ((job, _),) = client.of_kind(JobKind.RANK)
    client.progress.emit(JobProgress(job + 99, JobKind.RANK, 5, 9))  # an old job: ignored
    assert "5 of 9" not in status.activity.text()
    client.progress.emit(JobProgress(job, JobKind.RANK, 0, 1, phase="photos"))
    assert "0 of 1" in status.activity.text()
    with qtbot.waitSignal(ranking.labels_truncated) as flagged:
        client.labels_checked.emit(LabelsChecked(job, ("a very long label",), (), 52))
    assert flagged.args == [{"a very long label"}, 52]


def test_cancel_stops_ranking_and_downloads_and_says_how_far_it_got(parts: dict) -> None:
    client = parts["client"]
    parts["photos"].add_paths(["/p/a.jpg"])
    ranking = rank_control(parts, Screen(["cat"]))
    ranking.request_rank()
    ranking.cancel_work()
    assert client.cancelled[-2:] == [JobKind.RANK, JobKind.DOWNLOAD]
    assert "Cancelled" in parts["status"].activity.text()


def test_photo_input_adds_new_photos_and_says_which(parts: dict, qtbot, tmp_path: Path) -> None:
    for name in ("a.jpg", "b.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    photos = parts["photos"]
    photo_input = PhotoInput(photos, parts["settings"], parts["status"], parts["parent"])
    with qtbot.waitSignal(photo_input.photos_added, timeout=10_000) as added:
        photo_input.add_paths([str(tmp_path)])
    assert sorted(Path(p).name for p in added.args[0]) == ["a.jpg", "b.png"]
    assert photos.rowCount() == 2 and not photo_input.scanning()
    with qtbot.waitSignal(photo_input.photos_added, timeout=10_000) as again:
        photo_input.add_paths([str(tmp_path / "a.jpg")])
    assert again.args == [[]] and photos.rowCount() == 2


def test_pasted_text_that_is_not_paths_becomes_labels(parts: dict, qtbot) -> None:
    photo_input = PhotoInput(parts["photos"], parts["settings"], parts["status"], parts["parent"])
    mime = QMimeData()
    mime.setText("red envelope, receipt\n猫")
    QApplication.clipboard().setMimeData(mime)
    with qtbot.waitSignal(photo_input.labels_pasted) as pasted:
        photo_input.paste()
    assert pasted.args == [["red envelope", "receipt", "猫"]]


def test_file_actions_export_the_current_results_and_hand_opened_label_sets_up(parts: dict, qtbot,
                                                                                tmp_path: Path) -> None:
    photos = parts["photos"]
    photos.add_paths(["/p/a.jpg", "/p/b.jpg"])
    ranking = rank_control(parts, Screen(["cat", "dog"]))
    ranking.request_rank()
    ((job, request),) = parts["client"].of_kind(JobKind.RANK)
    parts["client"].ranked.emit(RankBatch(job, request, (scores("/p/a.jpg", "cat", "dog"),)))
    on_screen = LabelSet("", ("cat", "dog"), ("a photo of a {}.",), KeepRule(top=2))
    files = FileActions(photos, parts["settings"], parts["status"], lambda: on_screen, parts["parent"])
    with qtbot.waitSignal(files.exported, timeout=10_000) as done:
        assert files.export_to(str(tmp_path / "out.json"))
    assert done.args == [str(tmp_path / "out.json"), True]
    exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [result["path"] for result in exported["results"]] == ["/p/a.jpg"]  # b is not labelled yet
    assert files.save_label_set(str(tmp_path / "pets.json"))
    with qtbot.waitSignal(files.label_set_opened) as opened:
        assert files.open_label_set(str(tmp_path / "pets.json"))
    assert opened.args[0].labels == ("cat", "dog") and opened.args[0].keep == KeepRule(top=2)
