"""One writer per cache file, across processes: a second download waits, can be stopped while it
waits, and then finds the finished file instead of fetching it again."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from clipdesk.weights import DownloadCancelled, ensure_model
from clipdesk.weights.lock import FileLock
from tests.weights.helpers import MODEL_NAME

REPO = Path(__file__).resolve().parents[2]
HOLD_LOCK = """
import sys
from pathlib import Path
from clipdesk.weights.lock import FileLock
lock = FileLock(Path(sys.argv[1]))
assert lock.try_acquire()
print("locked", flush=True)
sys.stdin.readline()  # hold it until the test says so
lock.release()
"""


@pytest.fixture
def other_process_holding(models_root):
    """Another process that holds the lock of tiny-vit.pt until ``release()`` is called."""
    models_root.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(models_root / "tiny-vit.pt")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert process.stdout.readline() == "locked\n"

    def release() -> None:
        if process.poll() is None:
            process.stdin.write("\n")
            process.stdin.flush()
            process.wait(timeout=30)

    yield release
    release()


def test_a_download_waits_for_another_process_writing_the_same_file(tiny_spec, server, tiny_bytes,
                                                                     other_process_holding):
    waiting = threading.Event()
    result: list[Path] = []
    worker = threading.Thread(target=lambda: result.append(ensure_model(MODEL_NAME, on_wait=waiting.set)))
    worker.start()

    assert waiting.wait(10)
    assert server.requests == []  # nothing fetched while the other process holds the file
    other_process_holding()
    worker.join(30)

    assert result and result[0].read_bytes() == tiny_bytes


def test_a_download_waiting_for_the_lock_can_be_stopped(tiny_spec, server, other_process_holding):
    waited: list[bool] = []

    with pytest.raises(DownloadCancelled, match="waiting for another process"):
        ensure_model(MODEL_NAME, on_wait=lambda: waited.append(True), should_stop=lambda: bool(waited))
    assert server.requests == []


def test_two_lock_objects_exclude_each_other_even_in_one_process(tmp_path):
    first, second = FileLock(tmp_path / "a.pt"), FileLock(tmp_path / "a.pt")

    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()
