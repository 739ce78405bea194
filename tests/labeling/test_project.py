"""Projects reopen the work as it was, wherever the folder moved, and a damaged file loses nothing that
can be read."""

from __future__ import annotations

import json
import shutil

import pytest

from clipdesk.labeling.keep_rule import parse_keep_rule
from clipdesk.labeling.project import Project, ProjectError, open_project, relocate, save_project


def make(tmp_path, count=3):
    folder = tmp_path / "work"
    (folder / "photos").mkdir(parents=True)
    photos = []
    for i in range(count):
        photo = folder / "photos" / f"IMG_{i:04d}.jpg"
        photo.write_bytes(b"jpeg")
        photos.append(str(photo))
    return folder, photos


def test_a_project_reads_back_as_it_was_saved(tmp_path):
    folder, photos = make(tmp_path)
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(b"jpeg")
    project = Project(photos=(*photos, str(outside)), labels=("红包", "cat"), templates=("一张{}的照片。",),
                      keep=parse_keep_rule("top:2,min:0.1"), model="CN-CLIP/ViT-B-16", selected=(photos[1],),
                      current=photos[1], watched=(str(folder / "photos"),))
    path = save_project(project, folder / "trip.clipdesk")
    opened = open_project(path)
    assert opened.project == project and opened.missing == () and opened.warnings == ()
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["photos"][0] == "photos/IMG_0000.jpg" and stored["photos"][-1] == str(outside)
    assert stored["format"] == "clipdesk-project" and stored["version"] == 1


def test_a_project_moved_with_its_photos_still_finds_them(tmp_path):
    folder, photos = make(tmp_path)
    save_project(Project(photos=tuple(photos), labels=("cat",)), folder / "p.clipdesk")
    moved = tmp_path / "moved"
    shutil.move(str(folder), moved)
    opened = open_project(moved / "p.clipdesk")
    assert opened.project.photos == tuple(str(moved / "photos" / f"IMG_{i:04d}.jpg") for i in range(3))
    assert opened.missing == ()


def test_missing_photos_are_kept_and_reported_and_can_be_located(tmp_path):
    folder, photos = make(tmp_path)
    outside = [str(tmp_path / "card" / "DCIM" / "100" / "A.jpg"), str(tmp_path / "card" / "DCIM" / "200" / "A.jpg")]
    save_project(Project(photos=(*photos, *outside)), folder / "p.clipdesk")
    opened = open_project(folder / "p.clipdesk")
    assert opened.missing == tuple(outside) and len(opened.project.photos) == 5
    backup = tmp_path / "backup"
    for sub in ("100", "200"):
        (backup / "DCIM" / sub).mkdir(parents=True)
        (backup / "DCIM" / sub / "A.jpg").write_bytes(sub.encode())
    found = relocate(opened.missing, backup)
    assert found == {outside[0]: str(backup / "DCIM" / "100" / "A.jpg"),
                     outside[1]: str(backup / "DCIM" / "200" / "A.jpg")}  # the deepest matching tail wins


def test_a_project_cut_short_keeps_every_photo_before_the_cut(tmp_path):
    folder, photos = make(tmp_path, count=50)
    path = save_project(Project(photos=tuple(photos), labels=("cat", "dog")), folder / "p.clipdesk")
    text = path.read_text(encoding="utf-8")
    cut = text.index("IMG_0030")
    path.write_text(text[:cut], encoding="utf-8")
    opened = open_project(path)
    assert opened.project.photos == tuple(photos[:30]) and opened.project.labels == ("cat", "dog")
    assert "cut short" in opened.warnings[0] and "30 photos" in opened.warnings[0]


def test_a_project_from_a_newer_clipdesk_opens_what_it_can_with_a_warning(tmp_path):
    folder, photos = make(tmp_path)
    (folder / "p.clipdesk").write_text(json.dumps({
        "format": "clipdesk-project", "version": 7, "photos": photos, "labels": ["cat"], "albums": [{"x": 1}],
        "keep": "best:3"}), encoding="utf-8")
    opened = open_project(folder / "p.clipdesk")
    assert opened.project.photos == tuple(photos) and opened.project.labels == ("cat",)
    assert any("newer clipdesk" in w for w in opened.warnings) and any("keep rule" in w for w in opened.warnings)


@pytest.mark.parametrize("content", ["", "{", "[1, 2]", '{"format": "something-else"}', "\x00\x01"])
def test_a_file_that_is_no_project_is_refused_with_the_reason(tmp_path, content):
    path = tmp_path / "p.clipdesk"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ProjectError, match="p.clipdesk"):
        open_project(path)


def test_saving_never_leaves_a_half_written_project(tmp_path, monkeypatch):
    folder, photos = make(tmp_path)
    path = save_project(Project(photos=tuple(photos)), folder / "p.clipdesk")
    before = path.read_bytes()
    import os

    def failing(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        save_project(Project(photos=tuple(photos[:1])), path)
    assert path.read_bytes() == before and [p.name for p in folder.iterdir() if p.is_file()] == ["p.clipdesk"]
