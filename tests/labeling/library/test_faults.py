"""Whatever goes wrong on one photo — read-only, vanished, a full disk, the process killed mid-write —
that photo is reported, the run goes on, and no photo is ever damaged or lost."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clipdesk.labeling.library.keyword_writer import FAILED, SIDECAR, WRITTEN, KeywordOptions, write_keywords
from clipdesk.labeling.library.undo import undo_log
from tests.labeling.library.library_photos import camera_photo, exiftool_read, folder_hashes, pixels

REPO = Path(__file__).resolve().parents[3]


def test_a_read_only_photo_gets_a_sidecar_and_is_not_touched(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    photo.chmod(0o444)
    content = photo.read_bytes()
    run = write_keywords([(str(photo), ["猫"])], KeywordOptions(), log_folder / "a.jsonl")
    assert (run.outcomes[0].status, run.outcomes[0].place) == (WRITTEN, SIDECAR)
    assert "read-only" in run.outcomes[0].note
    assert photo.read_bytes() == content and photo.stat().st_mode & 0o777 == 0o444
    assert exiftool_read(tmp_path / f"{photo.name}.xmp")["XMP-dc:Subject"] == ["猫"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; see the mounted test below")
def test_a_read_only_folder_fails_that_photo_and_the_run_goes_on(tmp_path, log_folder):
    locked, free = tmp_path / "locked", tmp_path / "free"
    locked.mkdir(), free.mkdir()
    one, two = camera_photo(locked, "jpeg"), camera_photo(free, "png")
    locked.chmod(0o555)
    try:
        run = write_keywords([(str(one), ["cat"]), (str(two), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    finally:
        locked.chmod(0o755)
    assert [o.status for o in run.outcomes] == [FAILED, WRITTEN]


def test_a_photo_that_vanished_is_reported_and_the_others_are_written(tmp_path, log_folder):
    one, two = camera_photo(tmp_path, "jpeg", stem="one"), camera_photo(tmp_path, "jpeg", stem="two")
    two.unlink()
    run = write_keywords([(str(two), ["cat"]), (str(one), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    assert [o.status for o in run.outcomes] == [FAILED, WRITTEN]
    assert "not there" in run.outcomes[0].error
    assert not two.exists() and not list(tmp_path.glob(".*clipdesk-*"))


def test_a_corrupt_photo_is_reported_and_left_byte_for_byte(tmp_path, log_folder):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG")
    run = write_keywords([(str(broken), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
    assert run.outcomes[0].status == FAILED and broken.read_bytes() == b"\xff\xd8\xff\xe0 this is not a JPEG"


@contextlib.contextmanager
def small_disk(tmp_path: Path, size_kb: int):
    """A real file system that runs out of space (tmpfs; needs root, as CI has)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="mounting a tmpfs needs Linux and root")
def test_a_full_disk_fails_the_photo_and_leaves_it_whole(tmp_path, log_folder):
    with small_disk(tmp_path, 2000) as disk:
        photo = camera_photo(disk, "tiff", name="astronaut")  # 770 kB: room for it once, not twice
        filler = disk / "filler"
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        filler.write_bytes(b"\0" * max(0, free - photo.stat().st_size // 2))
        before = folder_hashes(disk)
        run = write_keywords([(str(photo), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
        assert run.outcomes[0].status == FAILED and "disk is full" in run.outcomes[0].error
        assert folder_hashes(disk) == before  # no temporary file left, the photo as it was


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="mounting a tmpfs needs Linux and root")
def test_a_read_only_medium_fails_each_photo_and_changes_nothing(tmp_path, log_folder):
    with small_disk(tmp_path, 4000) as disk:
        photo = camera_photo(disk, "jpeg")
        before = folder_hashes(disk)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        run = write_keywords([(str(photo), ["cat"])], KeywordOptions(), log_folder / "a.jsonl")
        assert run.outcomes[0].status == FAILED, run.outcomes[0]
        assert folder_hashes(disk) == before


KILLED_RUN = """
import sys
from clipdesk.labeling.library.keyword_writer import KeywordOptions, write_keywords
photos = sys.argv[2:]
print("started", flush=True)
write_keywords([(p, ["红包", "cat", str(i)]) for i, p in enumerate(photos)], KeywordOptions(), sys.argv[1])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("delay_s", [0.3, 0.6, 1.0])
def test_kill_9_mid_run_damages_nothing_and_the_log_undoes_everything(tmp_path, log_folder, delay_s):
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = [camera_photo(folder, ("jpeg", "png", "tiff", "webp")[i % 4], name="astronaut", stem=f"p{i:02d}")
             for i in range(24)]
    originals = {p.name: pixels(p) for p in paths}
    before = folder_hashes(folder)
    log = log_folder / "killed.jsonl"
    child = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(log), *map(str, paths)], cwd=REPO,
                             stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"started"
    time.sleep(delay_s)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    leftovers = [p for p in folder.iterdir() if p.name.startswith(".")]
    for leftover in leftovers:  # at most the temporary file of the photo in flight, never a photo
        assert ".clipdesk-" in leftover.name
        leftover.unlink()
    after = folder_hashes(folder)
    assert set(after) == set(before)
    for path in paths:
        assert pixels(path) == originals[path.name]  # every photo whole, written or not
    if log.exists():
        report = undo_log(log)
        assert not [o for o in report.outcomes if o.status == "failed"]
    for path in paths:
        found = exiftool_read(path)
        assert found == {} or found.get("XMP-dc:Subject") in (None, [])
