"""One owner for every user folder: weights, label sets and caches under one root, and what an older
version left under another root moved over, never lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import platformdirs
import pytest

from clipdesk.weights import locations


@pytest.fixture
def windows_like(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """platformdirs as on Windows: the default appauthor adds a second 'clipdesk' folder."""
    local = tmp_path / "AppData" / "Local"
    for variable in (locations.DATA_VARIABLE, locations.CACHE_VARIABLE, locations.CONFIG_VARIABLE):
        monkeypatch.delenv(variable, raising=False)

    def data(appname=None, appauthor=None, *args, **kwargs):
        return str(local / appname if appauthor is False else local / appname / appname)

    def cache(appname=None, appauthor=None, *args, **kwargs):
        return str(Path(data(appname, appauthor)) / "Cache")

    monkeypatch.setattr(platformdirs, "user_data_dir", data)
    monkeypatch.setattr(platformdirs, "user_cache_dir", cache)
    return {"new": local / "clipdesk", "old": local / "clipdesk" / "clipdesk"}


def test_label_sets_and_caches_share_the_weights_root(windows_like) -> None:
    assert locations.models_dir() == windows_like["new"] / "models"
    assert locations.user_path("data", "labelsets") == windows_like["new"] / "labelsets"
    assert locations.user_path("cache", "pasted") == windows_like["new"] / "Cache" / "pasted"


def test_label_sets_left_under_the_old_root_are_moved_with_their_files(windows_like) -> None:
    old = windows_like["old"] / "labelsets"
    old.mkdir(parents=True)
    (old / "pets.json").write_text('{"labels": ["dog"]}')
    moved = locations.user_path("data", "labelsets")
    assert moved == windows_like["new"] / "labelsets"
    assert (moved / "pets.json").read_text() == '{"labels": ["dog"]}' and not old.exists()


def test_an_old_cache_database_moves_with_its_unmerged_writes(windows_like) -> None:
    old = windows_like["old"] / "Cache" / "embeddings.sqlite3"
    old.parent.mkdir(parents=True)
    keeper = sqlite3.connect(old)  # WAL mode: the last rows live in the -wal file until a checkpoint
    keeper.execute("PRAGMA journal_mode=WAL")
    keeper.execute("PRAGMA wal_autocheckpoint=0")
    keeper.execute("CREATE TABLE t (x)")
    keeper.execute("INSERT INTO t VALUES (42)")
    keeper.commit()
    assert Path(f"{old}-wal").exists()
    moved = locations.user_path("cache", "embeddings.sqlite3", database=True)
    keeper.close()
    assert moved == windows_like["new"] / "Cache" / "embeddings.sqlite3"
    with sqlite3.connect(moved) as reopened:
        assert reopened.execute("SELECT x FROM t").fetchall() == [(42,)]


def test_an_entry_that_cannot_be_moved_is_used_where_it_is(windows_like, monkeypatch) -> None:
    old = windows_like["old"] / "labelsets"
    old.mkdir(parents=True)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(locations.os, "replace", refuse)
    assert locations.user_path("data", "labelsets") == old


def test_nothing_moves_over_what_is_already_in_the_new_place(windows_like) -> None:
    (windows_like["old"] / "labelsets").mkdir(parents=True)
    (windows_like["new"] / "labelsets").mkdir(parents=True)
    assert locations.user_path("data", "labelsets") == windows_like["new"] / "labelsets"
    assert (windows_like["old"] / "labelsets").exists()


def test_a_folder_chosen_by_environment_variable_is_used_as_it_is(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(locations.DATA_VARIABLE, str(tmp_path / "portable"))
    monkeypatch.setenv(locations.CACHE_VARIABLE, str(tmp_path / "scratch"))
    assert locations.user_path("data", "labelsets") == tmp_path / "portable" / "labelsets"
    assert locations.user_path("cache", "pasted") == tmp_path / "scratch" / "pasted"
    assert locations.models_dir() == tmp_path / "portable" / "models"
