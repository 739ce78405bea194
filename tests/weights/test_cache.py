"""The cache folder: offline import, listing, removal, and what happens to a file changed on disk."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from clipdesk.clip.model_files import import_weights as import_checked
from clipdesk.clip.model_files import validate_checkpoint
from clipdesk.weights import (
    CorruptFileError,
    InvalidWeightsError,
    LockBusyError,
    StorageError,
    WeightsError,
    ensure_model,
    import_weights,
    list_models,
    remove_model,
)
from clipdesk.weights.cache import CACHED, CHANGED, MISSING, PARTIAL
from clipdesk.weights.lock import FileLock
from clipdesk.weights.records import read_record
from tests.weights.helpers import MODEL_NAME, files_in, write_models_json


def refuse(path: Path) -> None:
    raise AssertionError(f"validate must not run for a published file, ran on {path}")


def entry(name: str):
    return next(item for item in list_models() if item.spec.name == name)


def test_a_file_with_a_published_hash_becomes_that_model_without_network(tiny_vit_path, tiny_bytes,
                                                                         models_root):
    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])

    result = import_weights(tiny_vit_path, validate=refuse)

    assert result.known and not result.already_cached and result.spec.name == MODEL_NAME
    assert result.path == models_root / "tiny-vit.pt" and result.path.read_bytes() == tiny_bytes
    assert ensure_model(MODEL_NAME) == result.path  # no download attempted: the URL cannot resolve
    assert tiny_vit_path.read_bytes() == tiny_bytes  # the source is untouched


def test_importing_the_same_file_twice_says_it_is_already_cached(tiny_vit_path, tiny_bytes):
    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])
    first = import_weights(tiny_vit_path, validate=refuse)

    again = import_weights(first.path, validate=refuse)  # even the cached file itself

    assert again.already_cached and again.path == first.path and first.path.read_bytes() == tiny_bytes


def test_an_unknown_checkpoint_is_checked_and_registered_under_its_name(tiny_vit_path, tiny_bytes, models_root):
    checked: list[Path] = []

    def validate(path: Path) -> None:
        checked.append(path)
        validate_checkpoint(path)

    result = import_weights(tiny_vit_path, "my fine-tune", validate=validate)

    assert not result.known and result.spec.name == "my fine-tune" and result.spec.url is None
    assert result.path == models_root / "my-fine-tune.pt" and result.path.read_bytes() == tiny_bytes
    assert len(checked) == 1
    assert read_record(result.path).name == "my fine-tune"
    assert ensure_model("my fine-tune") == result.path
    assert entry("my fine-tune").imported and entry("my fine-tune").state == CACHED
    assert files_in(models_root) == {"my-fine-tune.pt", "my-fine-tune.pt.sha256.json"}


def test_an_unknown_file_without_a_name_is_refused_and_nothing_is_kept(tiny_vit_path, models_root):
    with pytest.raises(InvalidWeightsError, match=r"is not one of the known models .*--name NAME"):
        import_weights(tiny_vit_path, validate=validate_checkpoint)
    assert files_in(models_root) == set()


def test_a_file_that_is_not_a_checkpoint_is_refused_naming_it(tmp_path, models_root):
    junk = tmp_path / "holiday.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not weights at all" * 100)

    with pytest.raises(InvalidWeightsError) as caught:
        import_checked(junk, "holiday")

    message = str(caught.value)
    assert message.startswith(f"{junk} is not a usable CLIP checkpoint: ")
    assert ".import-" not in message and "\n" not in message
    assert files_in(models_root) == set()


def test_a_valid_archive_that_is_not_clip_is_refused(tmp_path, models_root):
    import torch

    other = tmp_path / "resnet.pt"
    torch.save({"conv.weight": torch.zeros(2, 2)}, other)

    with pytest.raises(InvalidWeightsError, match=f"^{other} is not a usable CLIP checkpoint"):
        import_checked(other, "resnet")
    assert files_in(models_root) == set()


@pytest.mark.parametrize("make", ["missing", "folder", "empty"])
def test_a_path_that_is_not_a_file_gets_a_clear_error(tmp_path, make):
    target = tmp_path / "weights.pt"
    if make == "folder":
        target.mkdir()
    elif make == "empty":
        target.write_bytes(b"")

    with pytest.raises(InvalidWeightsError, match={"missing": "does not exist", "folder": "is not a file",
                                                    "empty": "is empty"}[make]):
        import_weights(target, "x", validate=validate_checkpoint)


def test_a_builtin_name_cannot_be_taken_by_other_bytes(tiny_vit_path, models_root):
    with pytest.raises(InvalidWeightsError, match=r"'ViT-B/32' is a known model but .* SHA256 differs"):
        import_weights(tiny_vit_path, "ViT-B/32", validate=validate_checkpoint)
    assert files_in(models_root) == set()


def test_an_imported_name_is_not_silently_replaced(tiny_checkpoints, models_root):
    import_weights(tiny_checkpoints[("vit", "torchscript")], "mine", validate=validate_checkpoint)

    with pytest.raises(InvalidWeightsError, match="a model named 'mine' is already imported; remove it first"):
        import_weights(tiny_checkpoints[("resnet", "state_dict")], "mine", validate=validate_checkpoint)
    first = tiny_checkpoints[("vit", "torchscript")].read_bytes()
    assert entry("mine").spec.sha256 == hashlib.sha256(first).hexdigest()


def test_import_refuses_when_the_disk_is_too_small(tiny_vit_path, models_root, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: SimpleNamespace(total=10**9, used=10**9, free=10))

    with pytest.raises(StorageError, match="not enough space in .* to import vit.pt"):
        import_weights(tiny_vit_path, "mine", validate=validate_checkpoint)
    assert files_in(models_root) == set()


def test_import_into_an_unusable_folder_gives_a_clear_error(tiny_vit_path, tmp_path, monkeypatch):
    blocker = tmp_path / "data"
    blocker.write_text("in the way")
    monkeypatch.setenv("CLIPDESK_DATA_DIR", str(blocker))

    with pytest.raises(StorageError, match=f"^cannot create {blocker / 'models'}"):
        import_weights(tiny_vit_path, "mine", validate=validate_checkpoint)


def test_a_changed_imported_file_is_reported_on_load(tiny_vit_path, tiny_bytes):
    path = import_weights(tiny_vit_path, "mine", validate=validate_checkpoint).path
    with open(path, "ab") as stream:
        stream.write(b"\0")  # size changed: verified again, and it no longer matches

    with pytest.raises(CorruptFileError, match=r"changed after it was imported .*import the model again"):
        ensure_model("mine")
    assert entry("mine").state == CHANGED


def test_list_shows_each_models_state_without_hashing(tiny_vit_path, tiny_bytes, models_root):
    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])
    import_weights(tiny_vit_path, validate=refuse)
    (models_root / "RN50.pt.part").write_bytes(b"x" * 1000)

    assert entry(MODEL_NAME).state == CACHED and entry(MODEL_NAME).size_on_disk == len(tiny_bytes)
    assert entry("RN50").state == PARTIAL and entry("RN50").size_on_disk == 1000
    assert entry("ViT-B/32").state == MISSING and entry("ViT-B/32").size_on_disk is None
    assert entry("ViT-B/32").path == models_root / "ViT-B-32.pt"

    stat = (models_root / "tiny-vit.pt").stat()
    os.utime(models_root / "tiny-vit.pt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert entry(MODEL_NAME).state == CHANGED


def test_remove_deletes_the_file_its_record_and_any_partial_download(tiny_vit_path, models_root):
    path = import_weights(tiny_vit_path, "mine", validate=validate_checkpoint).path
    (models_root / "mine.pt.part").write_bytes(b"partial")

    removed = remove_model("mine")

    assert {p.name for p in removed} == {"mine.pt", "mine.pt.sha256.json", "mine.pt.part"}
    assert files_in(models_root) == set() and not path.exists()
    assert all(item.spec.name != "mine" for item in list_models())


def test_remove_of_a_model_that_is_not_cached_says_so(models_root):
    with pytest.raises(WeightsError, match=r"^ViT-B/32 is not in the cache .*nothing to remove"):
        remove_model("ViT-B/32")


def test_remove_refuses_while_another_process_writes_the_file(models_root):
    models_root.mkdir(parents=True)
    (models_root / "RN50.pt.part").write_bytes(b"partial")
    holder = FileLock(models_root / "RN50.pt")
    assert holder.try_acquire()
    try:
        with pytest.raises(LockBusyError, match="RN50.pt is being written by another clipdesk process"):
            remove_model("RN50")
    finally:
        holder.release()
    assert (models_root / "RN50.pt.part").exists()


def test_importing_again_restores_a_custom_model_whose_record_was_lost(tiny_vit_path, models_root):
    path = import_weights(tiny_vit_path, "mine", validate=validate_checkpoint).path
    (models_root / "mine.pt.sha256.json").unlink()  # the model is now an anonymous file
    assert all(item.spec.name != "mine" for item in list_models())

    again = import_weights(tiny_vit_path, "mine", validate=validate_checkpoint)

    assert again.already_cached and again.path == path
    assert ensure_model("mine") == path and entry("mine").state == CACHED


def test_a_source_path_the_system_cannot_even_look_at_is_a_clear_error(tmp_path, models_root):
    too_long = tmp_path / ("a" * 300 + ".pt")

    with pytest.raises(InvalidWeightsError, match=r"^cannot read .*\.pt: File name too long$"):
        import_weights(too_long, "x", validate=validate_checkpoint)


def test_an_import_waits_for_another_writer_of_the_same_file_and_says_so(tiny_vit_path, models_root):
    models_root.mkdir(parents=True)
    holder = FileLock(models_root / "mine.pt")
    assert holder.try_acquire()
    waited: list[bool] = []

    def other_writer_finishes() -> None:
        waited.append(True)
        holder.release()

    result = import_weights(tiny_vit_path, "mine", validate=validate_checkpoint, on_wait=other_writer_finishes)

    assert waited == [True] and result.path.read_bytes() == tiny_vit_path.read_bytes()


@pytest.mark.parametrize("name", [None, "my-model"])
def test_a_damaged_copy_of_a_published_file_is_called_damaged_not_a_new_model(tiny_vit_path, tiny_bytes, tmp_path,
                                                                              models_root, name):
    """Same size as the published file, different bytes: the hint is to copy or download it again --
    never to import the damaged copy under a name of its own."""
    write_models_json([{"name": MODEL_NAME, "url": "https://unreachable.invalid/tiny-vit.pt",
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest(), "size": len(tiny_bytes)}])
    damaged = tmp_path / "tiny-vit.pt"
    data = bytearray(tiny_bytes)
    data[len(data) // 2: len(data) // 2 + 1024] = b"\xff" * 1024
    damaged.write_bytes(bytes(data))

    with pytest.raises(InvalidWeightsError, match=f"exact size of {MODEL_NAME}'s published file.*damaged") as caught:
        import_checked(damaged, name)
    assert "--name" not in str(caught.value) and "models import" not in str(caught.value)

