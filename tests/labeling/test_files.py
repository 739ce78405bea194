"""Finding the photos of a run in files and folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipdesk.labeling.files import iter_image_files


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_folder_lists_images_only_sorted_skipping_hidden(tmp_path: Path) -> None:
    for name in ["b.JPG", "a.png", "c.webp", "notes.txt", ".hidden.jpg", "d.tiff", "e.gif", "f.bmp", "g.jpeg"]:
        _touch(tmp_path / name)
    _touch(tmp_path / ".cache" / "x.jpg")
    _touch(tmp_path / "sub" / "deep.png")
    found = [p.name for p in iter_image_files([tmp_path])]
    assert found == ["a.png", "b.JPG", "c.webp", "d.tiff", "e.gif", "f.bmp", "g.jpeg"]


def test_recursive_walks_subfolders_but_not_hidden_ones(tmp_path: Path) -> None:
    _touch(tmp_path / "a.png")
    _touch(tmp_path / "sub" / "deep.png")
    _touch(tmp_path / "sub" / "deeper" / "x.jpg")
    _touch(tmp_path / ".git" / "y.jpg")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_image_files([tmp_path], recursive=True)]
    assert found == ["a.png", "sub/deep.png", "sub/deeper/x.jpg"]


def test_folder_named_like_an_image_is_listed_so_it_gets_reported(tmp_path: Path) -> None:
    (tmp_path / "x.png").mkdir()
    _touch(tmp_path / "y.png")
    assert [p.name for p in iter_image_files([tmp_path])] == ["x.png", "y.png"]


def test_explicit_files_are_kept_as_given_even_missing_or_odd(tmp_path: Path) -> None:
    text = _touch(tmp_path / "readme.txt")
    missing = tmp_path / "gone.jpg"
    found = iter_image_files([text, missing, text])
    assert found == [text, missing]  # each file once; the run reports why they fail


def test_each_file_once_when_a_folder_and_its_file_are_both_given(tmp_path: Path) -> None:
    photo = _touch(tmp_path / "a.png")
    assert iter_image_files([photo, tmp_path, str(tmp_path)]) == [photo]


def test_heic_photos_are_found_when_pillow_heif_is_installed(tmp_path: Path) -> None:
    pytest.importorskip("pillow_heif")
    for name in ["a.HEIC", "b.heif", "c.jpg"]:
        _touch(tmp_path / name)
    assert [p.name for p in iter_image_files([tmp_path])] == ["a.HEIC", "b.heif", "c.jpg"]


def test_heic_photos_are_listed_and_explained_without_pillow_heif(tmp_path: Path, tiny_vit_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An iPhone folder must not look empty when the optional HEIC support is missing: the photos are
    listed, and each one's error says what to install."""
    from clipdesk.labeling import ZeroShotClassifier, files

    monkeypatch.setattr(files, "heif_supported", lambda: False)
    for name in ["IMG_0001.HEIC", "b.heif", "c.jpg"]:
        _touch(tmp_path / name)
    found = iter_image_files([tmp_path])
    assert [p.name for p in found] == ["IMG_0001.HEIC", "b.heif", "c.jpg"]
    prediction = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(found[:1], ["dog"])[0]
    assert "pillow-heif" in prediction.error and "pip install" in prediction.error


def test_a_walk_that_is_told_to_stop_returns_what_it_found_so_far(tmp_path: Path):
    for folder in ("a", "b", "c", "d"):
        for name in ("1.jpg", "2.png"):
            (tmp_path / folder).mkdir(exist_ok=True)
            (tmp_path / folder / name).write_bytes(b"")
    everything = iter_image_files([tmp_path], recursive=True)
    asked = 0

    def stop_after_five() -> bool:
        nonlocal asked
        asked += 1
        return asked > 5

    partial = iter_image_files([tmp_path], recursive=True, should_stop=stop_after_five)

    assert len(everything) == 8
    assert 0 < len(partial) < len(everything)
    assert partial == everything[:len(partial)]  # a prefix, in the same order
    assert iter_image_files([tmp_path], recursive=True, should_stop=lambda: True) == []


def test_a_folder_that_cannot_be_listed_is_reported_with_its_reason(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    _touch(tmp_path / "a.png")
    _touch(tmp_path / "locked" / "b.png")
    _touch(tmp_path / "open" / "c.png")
    real_scandir = os.scandir

    def scandir(path):  # tests run as root here, where chmod 000 does not lock anything
        if isinstance(path, (str, os.PathLike)) and Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    unreadable: list[tuple[Path, str]] = []
    found = iter_image_files([tmp_path], recursive=True, on_unreadable=lambda f, r: unreadable.append((f, r)))
    assert [p.name for p in found] == ["a.png", "c.png"]
    assert unreadable == [(tmp_path / "locked", "folder could not be read: permission denied")]

    unreadable.clear()
    assert iter_image_files([tmp_path / "locked"], on_unreadable=lambda f, r: unreadable.append((f, r))) == []
    assert unreadable == [(tmp_path / "locked", "folder could not be read: permission denied")]


def test_no_depth_of_nesting_is_too_deep_and_paths_too_long_are_reported(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """1,500 levels (deeper than Python's recursion limit) are walked; beyond the system's path length
    limit a folder is reported, not silently dropped."""
    import os

    monkeypatch.chdir(tmp_path)
    for _ in range(1500):
        os.mkdir("d")
        os.chdir("d")
    Path("deep.jpg").write_bytes(b"x")
    for _ in range(700):  # past PATH_MAX (4,096 bytes on Linux) from tmp_path
        os.mkdir("e")
        os.chdir("e")
    Path("too-deep.jpg").write_bytes(b"x")
    os.chdir(tmp_path)
    try:
        unreadable: list[tuple[Path, str]] = []
        found = iter_image_files([tmp_path], recursive=True, on_unreadable=lambda f, r: unreadable.append((f, r)))
        assert [p.name for p in found] == ["deep.jpg"]
        assert len(unreadable) == 1 and "too long" in unreadable[0][1]
    finally:
        _remove_chain(tmp_path, ["d"] * 1500 + ["e"] * 700)


def _remove_chain(top: Path, names: list[str]) -> None:
    """Remove a chain of nested folders bottom up (shutil.rmtree, and so pytest's clean-up, recurses
    once per level and would overflow Python's stack on this one)."""
    import os

    os.chdir(top)
    for name in names:
        os.chdir(name)
    for name in reversed(names):
        for entry in os.listdir("."):
            if not os.path.isdir(entry):
                os.unlink(entry)
        os.chdir("..")
        os.rmdir(name)
    os.chdir(top)
