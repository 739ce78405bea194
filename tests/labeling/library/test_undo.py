"""Every change clipdesk makes to photos can be taken back from its log, and only that change."""

from __future__ import annotations

import json
import subprocess

import pytest

from clipdesk.labeling.library.change_log import ChangeLogError, latest_log, read_log
from clipdesk.labeling.library.keyword_writer import KeywordOptions, write_keywords
from clipdesk.labeling.library.undo import RESTORED, SKIPPED, undo_log
from tests.labeling.library.library_photos import FORMATS, camera_photo, exiftool_read, pixels


@pytest.mark.parametrize("fmt", FORMATS)
def test_undo_gives_back_exactly_the_keywords_a_photo_had(tmp_path, log_folder, fmt):
    photo = camera_photo(tmp_path, fmt)
    subprocess.run(["exiftool", "-overwrite_original", "-XMP-dc:Subject=mine", str(photo)], check=True,
                   capture_output=True)
    before, before_pixels = exiftool_read(photo), pixels(photo)
    run = write_keywords([(str(photo), ["红包", "mine"])], KeywordOptions(), log_folder / "a.jsonl")
    assert exiftool_read(photo) != before

    report = undo_log(run.log_path)

    assert [o.status for o in report.outcomes] == [RESTORED]
    assert exiftool_read(photo) == before and pixels(photo) == before_pixels


def test_keywords_added_by_someone_after_the_run_survive_its_undo(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    run = write_keywords([(str(photo), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    subprocess.run(["exiftool", "-overwrite_original", "-XMP-dc:Subject+=later", str(photo)], check=True,
                   capture_output=True)
    undo_log(run.log_path)
    assert exiftool_read(photo)["XMP-dc:Subject"] == ["later"]


def test_a_second_undo_changes_nothing_and_says_so(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "png")
    run = write_keywords([(str(photo), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    undo_log(run.log_path)
    content = photo.read_bytes()
    assert undo_log(run.log_path).already_undone and photo.read_bytes() == content
    assert latest_log(log_folder) is None  # nothing left to undo


def test_undo_of_a_photo_already_as_before_is_skipped_not_rewritten(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    run = write_keywords([(str(photo), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    subprocess.run(["exiftool", "-overwrite_original", "-XMP-dc:Subject-=cat", "-IPTC:Keywords-=cat",
                    "-XMP-lr:HierarchicalSubject-=clipdesk|cat", "-XMP:all=", str(photo)], check=True,
                   capture_output=True)
    assert [o.status for o in undo_log(run.log_path).outcomes] == [SKIPPED]


def test_a_log_cut_short_by_a_kill_still_undoes_the_changes_before_the_cut(tmp_path, log_folder):
    one, two = camera_photo(tmp_path, "jpeg", stem="one"), camera_photo(tmp_path, "jpeg", stem="two")
    before = exiftool_read(one)
    run = write_keywords([(str(one), ["cat"]), (str(two), ["dog"])], KeywordOptions(), log_folder / "a.jsonl")
    text = run.log_path.read_text(encoding="utf-8")
    run.log_path.write_text(text[:-40], encoding="utf-8")  # the last line half-written
    contents = read_log(run.log_path)
    assert len(contents.entries) == 1 and "cut short" in contents.warnings[0]
    undo_log(run.log_path)
    assert exiftool_read(one) == before


def test_a_log_from_a_newer_clipdesk_or_not_a_log_is_refused(tmp_path):
    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps({"format": "clipdesk-changes", "version": 99}) + "\n", encoding="utf-8")
    with pytest.raises(ChangeLogError, match="newer clipdesk"):
        undo_log(newer)
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": 1}\n', encoding="utf-8")
    with pytest.raises(ChangeLogError, match="not a clipdesk change log"):
        undo_log(other)


def test_the_change_is_logged_before_the_photo_is_replaced(tmp_path, log_folder, monkeypatch):
    """A run killed between the log line and the swap has a log line for a change that never landed:
    its undo finds the photo as before and skips it, so a log never misses a change that did land."""
    import clipdesk.labeling.library.keyword_writer as writer

    photo = camera_photo(tmp_path, "jpeg")
    content = photo.read_bytes()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "finish_replacement", killed)
    with pytest.raises(KeyboardInterrupt):
        write_keywords([(str(photo), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    assert photo.read_bytes() == content and not list(tmp_path.glob(".*clipdesk-*"))
    assert len(read_log(log_folder / "a.jsonl").entries) == 1
    assert [o.status for o in undo_log(log_folder / "a.jsonl").outcomes] == [SKIPPED]
