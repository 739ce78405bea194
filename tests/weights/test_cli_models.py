"""`clipdesk models …` end to end, as a user types it: exit codes, stdout, one-line errors on stderr."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clipdesk.cli import main
from tests.weights.helpers import MODEL_NAME, MODEL_URL_PATH, write_models_json

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["models", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("clipdesk:")]


def test_download_then_list_shows_the_model_cached(capsys, tiny_spec, server, models_root, tiny_bytes):
    code, out, err = run(capsys, "download", MODEL_NAME)

    assert code == 0
    assert out == f"{MODEL_NAME}: {models_root / 'tiny-vit.pt'}\n"
    assert "Downloading tiny-vit: 100%" in err  # progress on stderr, as plain lines off a terminal
    assert (models_root / "tiny-vit.pt").read_bytes() == tiny_bytes

    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    row = next(line for line in out.splitlines() if line.startswith(MODEL_NAME))
    assert "cached" in row and "26.0 MiB" in row and str(models_root / "tiny-vit.pt") in row
    assert "ViT-B/32 *" in out and "not downloaded" in out and f"Cache folder: {models_root}" in out


def test_an_unknown_model_name_is_a_usage_error(capsys):
    code, out, err = run(capsys, "download", "ViT-Z/99")

    assert code == 2 and out == ""
    assert error_lines(err) == [err.strip()]
    assert err.startswith("clipdesk: error: unknown model 'ViT-Z/99'; known models: RN50")


def test_a_failed_download_exits_1_with_one_line_saying_what_to_do(capsys, closed_port, monkeypatch):
    write_models_json([{"name": "offline", "url": f"http://127.0.0.1:{closed_port}/offline.pt",
                        "sha256": "0" * 64}])
    monkeypatch.setattr("clipdesk.weights.download.RETRY_DELAYS_S", (0.0,))

    code, out, err = run(capsys, "download", "offline")

    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("clipdesk: error: could not reach 127.0.0.1")
    assert "run `clipdesk models import FILE`" in err


def test_an_http_error_exits_1_naming_status_and_url(capsys, tiny_spec, server):
    server.status = 404

    code, _, err = run(capsys, "download", MODEL_NAME)

    assert code == 1
    assert error_lines(err) == [f"clipdesk: error: {tiny_spec.url} answered HTTP 404 Not Found; the file is "
                                f"not there; check the URL or mirror"]


def test_one_failed_model_does_not_stop_the_others(capsys, tiny_spec, server, closed_port, monkeypatch):
    write_models_json([{"name": MODEL_NAME, "url": tiny_spec.url, "sha256": tiny_spec.sha256},
                       {"name": "offline", "url": f"http://127.0.0.1:{closed_port}/offline.pt",
                        "sha256": "0" * 64}])
    monkeypatch.setattr("clipdesk.weights.download.RETRY_DELAYS_S", ())

    code, out, err = run(capsys, "download", "offline", MODEL_NAME)

    assert code == 1
    assert out.startswith(f"{MODEL_NAME}: ")
    assert len(error_lines(err)) == 1


def test_import_list_path_and_remove_a_custom_model(capsys, tiny_vit_path, models_root):
    code, out, err = run(capsys, "import", str(tiny_vit_path), "--name", "holiday-model")
    assert code == 0, err
    assert out == f"Imported {tiny_vit_path} as holiday-model: {models_root / 'holiday-model.pt'}\n"

    code, out, _ = run(capsys, "list")
    assert any(line.startswith("holiday-model") and "cached (imported)" in line for line in out.splitlines())

    code, out, _ = run(capsys, "path", "holiday-model")
    assert (code, out) == (0, f"{models_root / 'holiday-model.pt'}\n")

    code, out, _ = run(capsys, "remove", "holiday-model")
    assert code == 0 and out.startswith("Removed holiday-model: ")
    assert not (models_root / "holiday-model.pt").exists()

    code, _, err = run(capsys, "remove", "holiday-model")
    assert code == 2 and "unknown model 'holiday-model'" in err


def test_import_of_a_published_file_needs_no_name(capsys, tiny_vit_path, tiny_bytes, models_root):
    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])

    code, out, _ = run(capsys, "import", str(tiny_vit_path))
    assert code == 0 and out.startswith(f"Imported {tiny_vit_path} as {MODEL_NAME} (its SHA256 matches")

    code, out, _ = run(capsys, "import", str(tiny_vit_path))
    assert code == 0 and out.startswith(f"{tiny_vit_path} is {MODEL_NAME}, already in the cache")


def test_a_name_given_for_a_published_file_is_kept_as_another_name_for_that_model(
        capsys, tiny_vit_path, tiny_bytes, models_root):
    """`models import FILE --name NAME` where FILE is a known model: NAME must then work, not be dropped."""
    from clipdesk import clip

    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])
    code, out, err = run(capsys, "import", str(tiny_vit_path), "--name", "office-b32")
    assert code == 0, err
    assert f"as {MODEL_NAME}" in out and "also known as 'office-b32'" in out
    model, _ = clip.load("Office-B32", device="cpu")  # names are not case-sensitive
    assert model.visual.input_resolution == clip.load(MODEL_NAME, device="cpu")[0].visual.input_resolution
    code, out, _ = run(capsys, "path", "office-b32")
    assert code == 0 and out.strip() == str(models_root / "tiny-vit.pt")
    code, out, _ = run(capsys, "list")
    assert f"'office-b32' is another name for {MODEL_NAME}" in out

    code, out, _ = run(capsys, "remove", "office-b32")  # only the other name goes
    assert code == 0
    assert (models_root / "tiny-vit.pt").is_file()
    code, _, err = run(capsys, "path", "office-b32")
    assert code == 2 and "unknown model 'office-b32'" in err


def test_a_name_that_is_another_models_is_refused_for_a_published_file(capsys, tiny_vit_path, tiny_bytes,
                                                                       models_root):
    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])
    code, out, err = run(capsys, "import", str(tiny_vit_path), "--name", "ViT-L/14")
    assert code == 1 and out == ""
    assert f"is {MODEL_NAME}'s published file" in err and "'ViT-L/14' is already ViT-L/14" in err
    assert not (models_root / "tiny-vit.pt").exists()  # nothing was imported


def test_an_import_logged_to_a_file_writes_a_few_progress_lines_not_one_per_chunk(capsys, tiny_vit_path,
                                                                                     models_root):
    code, _, err = run(capsys, "import", str(tiny_vit_path), "--name", "logged")
    assert code == 0, err
    copying = [line for line in err.splitlines() if line.startswith("Copying")]
    assert 1 <= len(copying) <= 12 and copying[-1].startswith(f"Copying {tiny_vit_path.name}: 100%")


def test_import_of_a_file_that_is_not_weights_exits_1_naming_it(capsys, tmp_path, models_root):
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\n" * 50)

    code, out, err = run(capsys, "import", str(junk), "--name", "notes")

    assert code == 1 and out == ""
    assert error_lines(err) == [err.splitlines()[-1]]
    assert err.splitlines()[-1].startswith(f"clipdesk: error: {junk} is not a usable CLIP checkpoint: ")
    assert not models_root.exists() or not any(models_root.glob("notes*"))


def test_path_prints_the_cache_folder(capsys, models_root):
    assert run(capsys, "path") == (0, f"{models_root}\n", "")


def test_path_of_a_model_not_downloaded_exits_1(capsys, models_root):
    code, out, err = run(capsys, "path", "RN50")

    assert (code, out) == (1, f"{models_root / 'RN50.pt'}\n")
    assert err == "clipdesk: RN50 is not downloaded yet; run `clipdesk models download RN50`\n"


def test_a_broken_models_json_is_one_line_naming_the_file(capsys):
    path = write_models_json([{"name": "x", "url": "https://example.com/x.pt", "sha256": "nope"}])

    code, _, err = run(capsys, "list")

    assert code == 1
    assert err == f"clipdesk: error: {path}: entry 1 ('x'): 'sha256' must be 64 hexadecimal digits\n"


def test_models_without_an_action_prints_help(capsys):
    code, out, _ = run(capsys)

    assert code == 2 and "list" in out and "download" in out and "import" in out


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def test_a_real_process_lists_models_and_reports_a_failure_in_one_line(tiny_spec, server):
    command = [sys.executable, "-m", "clipdesk", "models"]
    listing = subprocess.run([*command, "list"], capture_output=True, text=True, env=subprocess_env(),
                             timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert "ViT-B/32 *" in listing.stdout and f"{MODEL_NAME}  " in listing.stdout and listing.stderr == ""

    server.status = 403
    failing = subprocess.run([*command, "download", MODEL_NAME], capture_output=True, text=True,
                             env=subprocess_env(), timeout=120)
    assert failing.returncode == 1
    assert failing.stdout == ""
    assert failing.stderr == f"clipdesk: error: {tiny_spec.url} answered HTTP 403 Forbidden; access was refused\n"


def test_a_hostile_pickle_is_refused_in_one_line_without_library_warnings(capsys, recwarn, tmp_path,
                                                                         models_root):
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps(Evil(), protocol=4))  # torch warns about protocol 4 on its own

    code, out, err = run(capsys, "import", str(evil), "--name", "evil")

    assert code == 1 and out == ""
    assert [line for line in err.splitlines() if not line.startswith("Copying")] == error_lines(err)
    assert error_lines(err)[0].startswith(f"clipdesk: error: {evil} is not a usable CLIP checkpoint: refused")
    assert len(error_lines(err)) == 1
    assert [str(warning.message) for warning in recwarn] == []  # a terminal would show them as noise


def test_a_data_folder_under_an_unknown_home_does_not_crash(capsys, monkeypatch):
    monkeypatch.setenv("CLIPDESK_DATA_DIR", "~no-such-user-here/clipdesk")

    assert run(capsys, "path") == (0, "~no-such-user-here/clipdesk/models\n", "")


def test_a_redirect_loop_is_reported_on_one_line(capsys, tiny_spec, server):
    from tests.weights.http_server import Fault

    server.queue = [Fault(redirect_to="/loop"), Fault(redirect_to=MODEL_URL_PATH)] * 10

    code, out, err = run(capsys, "download", MODEL_NAME)

    assert code == 1 and out == ""
    assert error_lines(err) == [err.splitlines()[-1]] and len(error_lines(err)) == 1
    assert "redirect could not be followed" in err


def test_an_unexpected_os_error_is_still_one_line_not_a_traceback(capsys, monkeypatch):
    import errno

    def broken_disk(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error", "/cache/models")

    monkeypatch.setattr("clipdesk.weights.list_models", broken_disk)

    code, out, err = run(capsys, "list")

    assert (code, out) == (1, "")
    assert err == ("clipdesk: error: Input/output error (/cache/models); check the path and the folder's "
                   "permissions\n")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_in_a_real_download_exits_130_and_the_next_run_resumes(tiny_spec, server, tiny_bytes,
                                                                      models_root):
    import signal
    import time

    server.pause_after, server.faults_left = 2 * (1 << 20), 1  # hold the first transfer mid-body
    command = [sys.executable, "-m", "clipdesk", "models", "download", MODEL_NAME]
    # A shell's background job (CI started with `&`) inherits SIGINT ignored, and Python then rightly
    # ignores Ctrl-C; the user at a terminal has it at its default, as here.
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=subprocess_env(), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert server.paused.wait(60)
        part = models_root / "tiny-vit.pt.part"
        deadline = time.monotonic() + 60
        while (not part.exists() or part.stat().st_size == 0) and time.monotonic() < deadline:
            time.sleep(0.02)  # until the child has written bytes: the download is provably in flight
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=60)
    finally:
        first.kill()
        server.resume.set()
    assert first.returncode == 130 and out == ""
    assert error_lines(err) == [f"clipdesk: download of {MODEL_NAME} cancelled; run the command again to resume"]
    kept = part.stat().st_size
    assert 0 < kept < len(tiny_bytes)

    second = subprocess.run(command, capture_output=True, text=True, env=subprocess_env(), timeout=120)

    assert second.returncode == 0, second.stderr
    assert server.requests[-1].range == f"bytes={kept}-"
    assert (models_root / "tiny-vit.pt").read_bytes() == tiny_bytes
