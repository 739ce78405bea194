"""Per-label folders: copies (or moves) that never overwrite, sidecars with their photo, undo."""

from __future__ import annotations

import shutil

from clipdesk.labeling.library.folder_sort import (
    ALREADY_THERE,
    COPIED,
    FAILED,
    MOVED,
    WOULD_COPY,
    SortOptions,
    folder_name,
    sort_into_folders,
)
from clipdesk.labeling.library.undo import undo_log
from tests.labeling.library.library_photos import camera_photo, folder_hashes


def test_each_photo_lands_in_each_kept_labels_folder_and_unsorted_for_none(tmp_path, log_folder):
    source, into = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    one, two = camera_photo(source, "jpeg", stem="one"), camera_photo(source, "png", stem="two")
    run = sort_into_folders([(str(one), ("红包", "cat")), (str(two), ())], SortOptions(into), log_folder / "s.jsonl")
    assert [o.status for o in run.outcomes] == [COPIED, COPIED]
    assert sorted(str(p.relative_to(into)) for p in into.rglob("*") if p.is_file()) == [
        "cat/one.jpg", "unsorted/two.png", "红包/one.jpg"]
    assert (into / "cat" / "one.jpg").read_bytes() == one.read_bytes() and one.exists()


def test_a_taken_name_gets_a_free_one_and_nothing_is_overwritten(tmp_path, log_folder):
    into = tmp_path / "out"
    (into / "cat").mkdir(parents=True)
    (into / "cat" / "IMG_0001.jpg").write_bytes(b"someone else's photo")
    (into / "cat" / "IMG_0001 (2).jpg").write_bytes(b"and another")
    photo = camera_photo(tmp_path, "jpeg", stem="IMG_0001")
    sort_into_folders([(str(photo), ("cat",))], SortOptions(into), log_folder / "s.jsonl")
    assert (into / "cat" / "IMG_0001.jpg").read_bytes() == b"someone else's photo"
    assert (into / "cat" / "IMG_0001 (2).jpg").read_bytes() == b"and another"
    assert (into / "cat" / "IMG_0001 (3).jpg").read_bytes() == photo.read_bytes()


def test_sidecars_travel_with_their_photo_under_its_new_name(tmp_path, log_folder):
    source, into = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    photo = camera_photo(source, "jpeg", stem="IMG_0002")
    (source / "IMG_0002.jpg.xmp").write_text("<darktable/>")
    (source / "IMG_0002.xmp").write_text("<lightroom/>")
    (into / "cat").mkdir(parents=True)
    (into / "cat" / "IMG_0002.jpg").write_bytes(b"taken")
    sort_into_folders([(str(photo), ("cat",))], SortOptions(into, move=True), log_folder / "s.jsonl")
    assert (into / "cat" / "IMG_0002 (2).jpg.xmp").read_text() == "<darktable/>"
    assert (into / "cat" / "IMG_0002 (2).xmp").read_text() == "<lightroom/>"
    assert not any(source.iterdir())  # moved, with both sidecars


def test_a_raw_and_jpeg_pair_keep_their_shared_sidecar_where_both_can_see_it(tmp_path, log_folder):
    source, into = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    jpeg = camera_photo(source, "jpeg", stem="IMG_0003")
    (source / "IMG_0003.CR2").write_bytes(b"raw")
    (source / "IMG_0003.xmp").write_text("<shared/>")
    sort_into_folders([(str(jpeg), ("cat",))], SortOptions(into, move=True), log_folder / "s.jsonl")
    assert (source / "IMG_0003.xmp").exists() and not (into / "cat" / "IMG_0003.xmp").exists()


def test_move_into_several_labels_copies_then_moves_and_undo_puts_it_back(tmp_path, log_folder):
    source, into = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    photo = camera_photo(source, "webp", stem="p")
    before = folder_hashes(source)
    run = sort_into_folders([(str(photo), ("a", "b"))], SortOptions(into, move=True), log_folder / "s.jsonl")
    assert run.outcomes[0].status == MOVED and not photo.exists()
    assert (into / "a" / "p.webp").exists() and (into / "b" / "p.webp").exists()
    undo_log(run.log_path)
    assert folder_hashes(source) == before and not into.exists()


def test_sorting_again_finds_the_photos_already_there(tmp_path, log_folder):
    into = tmp_path / "out"
    photo = camera_photo(tmp_path, "jpeg")
    sort_into_folders([(str(photo), ("cat",))], SortOptions(into), log_folder / "one.jsonl")
    run = sort_into_folders([(str(photo), ("cat",))], SortOptions(into), log_folder / "two.jsonl")
    assert run.outcomes[0].status == ALREADY_THERE and len(list((into / "cat").iterdir())) == 1


def test_a_dry_run_places_nothing(tmp_path):
    into = tmp_path / "out"
    photo = camera_photo(tmp_path, "jpeg")
    run = sort_into_folders([(str(photo), ("cat",))], SortOptions(into, dry_run=True))
    assert run.outcomes[0].status == WOULD_COPY and not into.exists() and run.log_path is None


def test_a_vanished_photo_fails_alone(tmp_path, log_folder):
    into = tmp_path / "out"
    photo = camera_photo(tmp_path, "jpeg")
    run = sort_into_folders([(str(tmp_path / "gone.jpg"), ("cat",)), (str(photo), ("cat",))], SortOptions(into),
                            log_folder / "s.jsonl")
    assert [o.status for o in run.outcomes] == [FAILED, COPIED]


def test_undo_keeps_a_copy_that_was_changed_since(tmp_path, log_folder):
    into = tmp_path / "out"
    photo = camera_photo(tmp_path, "jpeg")
    run = sort_into_folders([(str(photo), ("cat",))], SortOptions(into), log_folder / "s.jsonl")
    (into / "cat" / photo.name).write_bytes(b"edited by the user")
    report = undo_log(run.log_path)
    assert report.outcomes[0].status == "skipped" and (into / "cat" / photo.name).exists()


def test_folder_names_are_safe_on_every_system():
    assert folder_name("红包") == "红包"
    assert folder_name("a/b:c*?") == "a_b_c__"
    assert folder_name("CON") == "CON_" and folder_name("...") == "_" and folder_name("cat. ") == "cat"
    assert len(folder_name("x" * 500)) <= 120


def test_copy_keeps_the_modification_time(tmp_path, log_folder):
    into = tmp_path / "out"
    photo = camera_photo(tmp_path, "jpeg")
    import os

    os.utime(photo, ns=(1_400_000_000_000_000_000, 1_400_000_000_000_000_000))
    sort_into_folders([(str(photo), ("cat",))], SortOptions(into), log_folder / "s.jsonl")
    assert (into / "cat" / photo.name).stat().st_mtime_ns == 1_400_000_000_000_000_000
    shutil.rmtree(into)
