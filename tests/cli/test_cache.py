"""``clipdesk cache``: where the embedding cache is, clearing it, and a damaged cache file that a run
rebuilds with a warning instead of failing."""

from __future__ import annotations

from pathlib import Path

from clipdesk.labeling.embedding_cache import default_cache_path
from tests.cli.conftest import write_photos


def test_path_info_and_clear(cli, tmp_path: Path, tiny_vit_path: Path, isolated_user_dirs: Path) -> None:
    assert cli("cache", "path").out.strip() == str(isolated_user_dirs / "cache" / "image-embeddings.sqlite3")
    write_photos(tmp_path / "photos", 3)
    assert cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path,
               "--out", tmp_path / "r.csv").code == 0
    info = cli("cache", "info")
    assert info.code == 0
    assert f"path: {default_cache_path()}" in info.out and "embeddings: 3 (for 1 model)" in info.out
    cleared = cli("cache", "clear")
    assert cleared.code == 0 and cleared.out.startswith("Cleared 3 cached embeddings")
    assert "embeddings: 0" in cli("cache", "info").out


def test_clear_on_a_missing_cache_is_fine(cli) -> None:
    run = cli("cache", "clear")
    assert run.code == 0 and run.out.startswith("Cleared 0 cached embeddings")


def test_cache_without_action_shows_help_and_exits_2(cli) -> None:
    run = cli("cache")
    assert run.code == 2 and "clear" in run.out


def test_a_corrupt_cache_file_is_rebuilt_with_a_warning_and_the_run_succeeds(cli, tmp_path: Path,
                                                                               tiny_vit_path: Path) -> None:
    default_cache_path().parent.mkdir(parents=True, exist_ok=True)
    default_cache_path().write_bytes(b"\x00garbage, not SQLite\x00" * 200)
    write_photos(tmp_path / "photos", 2)
    run = cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path,
              "--out", tmp_path / "r.csv")
    assert run.code == 0, run.err
    assert "warning: the image cache" in run.err and "rebuilt" in run.err
    assert run.err.count("rebuilt") == 1, run.err  # said once, not once per layer that noticed
    assert "embeddings: 2" in cli("cache", "info").out


def test_clear_on_an_unusable_cache_says_it_failed(cli, isolated_user_dirs: Path) -> None:
    (isolated_user_dirs / "cache").write_text("a file where the cache folder should be")
    run = cli("cache", "clear")
    assert run.code == 1 and "could not clear" in run.err and "Cleared" not in run.out
