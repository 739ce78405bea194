"""The real ``clipdesk`` command as a user's shell runs it: exit codes, and Ctrl-C (SIGINT) that stops
cleanly and still writes the photos already labelled."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import big_jpeg, run_subprocess, write_photos


def test_exit_codes_0_1_2(tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "good", 2)
    good = run_subprocess("label", tmp_path / "good", "--labels", "dog,cat", "--model", tiny_vit_path,
                          "--out", tmp_path / "good.csv")
    assert good.code == 0, good.err

    write_photos(tmp_path / "mixed", 1)
    (tmp_path / "mixed" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    some_failed = run_subprocess("classify", *sorted((tmp_path / "mixed").iterdir()), "--labels", "dog,cat",
                                 "--model", tiny_vit_path)
    assert some_failed.code == 1, some_failed.err
    assert "error: " in some_failed.out

    usage = run_subprocess("label", tmp_path / "good", "--labels", "dog", "--model", tiny_vit_path,
                           "--out", tmp_path / "missing-folder" / "r.csv")
    assert usage.code == 2 and "does not exist" in usage.err
    assert "Traceback" not in good.err + some_failed.err + usage.err


def test_help_does_not_import_torch() -> None:
    code = ("import sys; from clipdesk.cli import main\n"
            "try: main(['label', '--help'])\n"
            "except SystemExit: pass\n"
            "assert 'torch' not in sys.modules, 'torch imported for --help'\n"
            "assert not {'ray', 'pyarrow'} & set(sys.modules), 'the cluster extra imported for --help'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--labels-file" in done.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is a POSIX signal")
@pytest.mark.parametrize("signum, code, reason", [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM"),
                                                  (getattr(signal, "SIGHUP", None), 129, "SIGHUP")])
def test_ctrl_c_stops_after_the_current_batch_and_writes_what_is_done(tmp_path: Path, tiny_vit_path: Path,
                                                                       signum: int, code: int, reason: str) -> None:
    """SIGTERM (`kill`, `timeout`, a logout) and SIGHUP (the terminal closed) are treated like Ctrl-C: hours
    of work are not thrown away."""
    folder = tmp_path / "many"
    folder.mkdir()
    original = big_jpeg(tmp_path / "big.jpg")  # large, so the run takes a while to decode
    total = 600
    for i in range(total):
        os.link(original, folder / f"photo{i:04d}.jpg")  # same bytes, different files
    out = tmp_path / "partial.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "clipdesk", "label", str(folder), "--labels", "dog,cat", "--model",
         str(tiny_vit_path), "--out", str(out), "--batch-size", "4", "--no-cache"],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    seen = []
    try:
        assert process.stderr is not None
        for line in process.stderr:  # the progress bar writes a line per 10 % when not on a terminal
            seen.append(line)
            if "Labelling:  10%" in line:
                process.send_signal(signum)
                break
        stdout, rest = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    err = "".join(seen) + rest
    assert process.returncode == code, err
    assert f"stopped by {reason} after" in err and "Traceback" not in err
    with open(out, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    # every photo has its row: the ones done labelled, the rest marked as not reached (a prefix, then the rest)
    assert [row["path"] for row in rows] == [str(folder / f"photo{i:04d}.jpg") for i in range(total)]
    done = [row for row in rows if row["error"] == ""]
    assert total // 10 <= len(done) < total
    assert all(row["top_label"] in ("dog", "cat") for row in done)
    assert rows[:len(done)] == done
    assert all(row["error"] == "not labelled: the run was stopped" for row in rows[len(done):])
