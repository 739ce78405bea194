"""A cluster run finds photos in folders, in .txt lists and behind URIs, each once, as absolute paths."""

from __future__ import annotations

from pathlib import Path

from clipdesk.labeling.cluster.sources import find_sources
from tests.labeling.conftest import make_photos


def test_folders_lists_and_uris_expand_to_each_photo_once(tmp_path: Path, monkeypatch) -> None:
    photos = make_photos(tmp_path / "a", 4)
    (tmp_path / "a" / ".hidden.jpg").write_bytes(b"x")
    (tmp_path / "a" / "notes.md").write_text("not a photo")
    listed = tmp_path / "list.txt"
    listed.write_text(f"# photos from elsewhere\n\na/{photos[0].name}\n{photos[1]}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = find_sources(["a", str(listed), (tmp_path / "a").as_uri()])
    local = [str(p) for p in photos]
    assert list(found.photos[:4]) == local  # the folder first, each photo once although listed again
    assert list(found.photos[4:]) == [p.as_uri() for p in photos]  # the URI's photos keep their URI form
    assert found.unreadable == ()


def test_a_source_that_cannot_be_listed_is_a_failed_row_not_a_failed_run(tmp_path: Path) -> None:
    make_photos(tmp_path / "ok", 2)
    found = find_sources([str(tmp_path / "ok"), str(tmp_path / "gone.txt"), "nosuchscheme://bucket/photos"])
    assert len(found.photos) == 2
    reasons = {p.path: p.error for p in found.unreadable}
    assert "could not be read" in reasons[str(tmp_path / "gone.txt")]
    assert "could not be listed" in reasons["nosuchscheme://bucket/photos"]


def test_missing_photo_named_directly_is_kept_so_the_run_reports_it(tmp_path: Path) -> None:
    found = find_sources([str(tmp_path / "missing.jpg")])
    assert found.photos == (str(tmp_path / "missing.jpg"),)
