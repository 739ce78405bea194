"""Keywords written into JPEG, PNG, TIFF and WebP read back in ExifTool exactly, Chinese included, and
the photo itself — pixels, EXIF orientation, GPS, ICC profile — is untouched."""

from __future__ import annotations

import os
import subprocess

import pytest

from clipdesk.labeling.library.keyword_writer import (
    EMBEDDED,
    SIDECAR,
    UNCHANGED,
    WOULD_WRITE,
    WRITTEN,
    KeywordOptions,
    write_keywords,
)
from tests.labeling.library.library_photos import (
    FORMATS,
    HAS_IPTC,
    camera_photo,
    exiftool_read,
    exiftool_tags,
    jpeg_scan_data,
    pixels,
)

LABELS = ("红包", "red envelope", "猫")


def keywords_of(path):
    found = exiftool_read(path)
    return (found.get("XMP-dc:Subject", []), found.get("XMP-lr:HierarchicalSubject", []),
            found.get("IPTC:Keywords", []))


@pytest.mark.parametrize("fmt", FORMATS)
def test_keywords_read_back_in_exiftool_and_the_image_is_untouched(tmp_path, log_folder, fmt):
    photo = camera_photo(tmp_path, fmt)
    before_pixels, before_tags = pixels(photo), exiftool_tags(photo)
    before_scan = jpeg_scan_data(photo) if fmt == "jpeg" else None

    run = write_keywords([(str(photo), LABELS)], KeywordOptions(), log_folder / "log.jsonl")

    assert [o.status for o in run.outcomes] == [WRITTEN] and run.outcomes[0].place == EMBEDDED
    subject, hierarchy, iptc = keywords_of(photo)
    assert subject == list(LABELS)
    assert hierarchy == [f"clipdesk|{label}" for label in LABELS]
    assert iptc == (list(LABELS) if HAS_IPTC[fmt] else [])
    assert pixels(photo) == before_pixels
    assert exiftool_tags(photo) == before_tags  # EXIF (orientation, GPS, camera), ICC profile…
    assert exiftool_tags(photo)["IFD0:Orientation"] == "Rotate 90 CW" or exiftool_tags(photo)[
        "IFD0:Orientation"] == 6
    if before_scan is not None:
        assert jpeg_scan_data(photo) == before_scan


def test_iptc_is_marked_utf8_so_other_readers_see_chinese(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    write_keywords([(str(photo), ["红包"])], KeywordOptions(), log_folder / "log.jsonl")
    found = exiftool_read(photo, "-IPTC:CodedCharacterSet", "-IPTC:Keywords")
    assert found["IPTC:CodedCharacterSet"] == ["UTF8"] and found["IPTC:Keywords"] == ["红包"]


def test_keywords_of_the_user_and_other_programs_are_kept_and_a_rerun_replaces_only_clipdesks(
        tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    subprocess.run(["exiftool", "-overwrite_original", "-charset", "iptc=UTF8", "-IPTC:CodedCharacterSet=UTF8",
                    "-XMP-dc:Subject=holiday", "-XMP-dc:Subject=猫", "-IPTC:Keywords=holiday",
                    "-XMP-lr:HierarchicalSubject=Places|Beijing", str(photo)], check=True, capture_output=True)

    write_keywords([(str(photo), ["猫", "dog"])], KeywordOptions(), log_folder / "one.jsonl")
    write_keywords([(str(photo), ["car"])], KeywordOptions(), log_folder / "two.jsonl")

    subject, hierarchy, iptc = keywords_of(photo)
    assert subject == ["holiday", "猫", "car"]  # 猫 was the user's before clipdesk: it stays theirs
    assert hierarchy == ["Places|Beijing", "clipdesk|car"]  # clipdesk|猫 was clipdesk's own
    assert iptc == ["holiday", "car"]


def test_a_chosen_parent_and_no_parent_shape_the_hierarchy(tmp_path, log_folder):
    one, two = camera_photo(tmp_path, "jpeg", stem="one"), camera_photo(tmp_path, "png", stem="two")
    write_keywords([(str(one), ["cat"])], KeywordOptions(parent="Auto|CLIP"), log_folder / "a.jsonl")
    write_keywords([(str(two), ["cat"])], KeywordOptions(parent=""), log_folder / "b.jsonl")
    assert keywords_of(one)[1] == ["Auto|CLIP|cat"] and keywords_of(two)[1] == ["cat"]


def test_writing_the_same_keywords_again_changes_nothing(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "tiff")
    write_keywords([(str(photo), LABELS)], KeywordOptions(), log_folder / "a.jsonl")
    content = photo.read_bytes()
    run = write_keywords([(str(photo), LABELS)], KeywordOptions(), log_folder / "b.jsonl")
    assert [o.status for o in run.outcomes] == [UNCHANGED] and photo.read_bytes() == content
    assert run.log_path is None and not (log_folder / "b.jsonl").exists()  # nothing to undo, no log


def test_a_dry_run_says_what_would_change_and_changes_nothing(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "webp")
    content = photo.read_bytes()
    run = write_keywords([(str(photo), ["cat"])], KeywordOptions(dry_run=True))
    assert [(o.status, o.added) for o in run.outcomes] == [(WOULD_WRITE, ("cat",))]
    assert photo.read_bytes() == content and run.log_path is None


def test_the_modification_time_is_kept_when_asked(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    os.utime(photo, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
    write_keywords([(str(photo), ["cat"])], KeywordOptions(keep_mtime=True), log_folder / "a.jsonl")
    assert photo.stat().st_mtime_ns == 1_500_000_000_000_000_000
    write_keywords([(str(photo), ["dog"])], KeywordOptions(), log_folder / "b.jsonl")
    assert photo.stat().st_mtime_ns != 1_500_000_000_000_000_000


def test_a_label_too_long_for_iptc_stays_whole_in_xmp_and_is_not_cut(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    long_label = "红包" * 11  # 66 bytes in UTF-8: IPTC's 64 would cut a character in half
    run = write_keywords([(str(photo), [long_label, "cat"])], KeywordOptions(), log_folder / "a.jsonl")
    subject, _, iptc = keywords_of(photo)
    assert subject == [long_label, "cat"] and iptc == ["cat"]
    assert "64 bytes" in run.outcomes[0].note


@pytest.mark.parametrize("suffix", [".heic", ".cr2", ".gif"])
def test_formats_not_written_in_place_get_a_sidecar(tmp_path, log_folder, suffix):
    photo = tmp_path / f"IMG_0001{suffix}"
    photo.write_bytes(b"not really a photo, never opened")
    run = write_keywords([(str(photo), ["猫"])], KeywordOptions(), log_folder / "a.jsonl")
    outcome = run.outcomes[0]
    assert (outcome.status, outcome.place) == (WRITTEN, SIDECAR) and "sidecar" in outcome.note
    sidecar = tmp_path / f"IMG_0001{suffix}.xmp"
    assert exiftool_read(sidecar)["XMP-dc:Subject"] == ["猫"]
    assert photo.read_bytes() == b"not really a photo, never opened"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_a_photo_keeps_its_owner_and_permissions(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    os.chown(photo, 1234, 5678)
    photo.chmod(0o640)
    write_keywords([(str(photo), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    stat = photo.stat()
    assert (stat.st_uid, stat.st_gid, stat.st_mode & 0o777) == (1234, 5678, 0o640)
