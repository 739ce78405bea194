"""``read_state_dict``: every checkpoint a user may have gives exactly the reference tensors, and every bad
or hostile file gives one clear ``CheckpointError`` naming it -- with nothing in the file executed."""

from __future__ import annotations

import builtins
import hashlib
import os
import pathlib
import pickle
import random
import shlex
import sys
import types
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from clipdesk.clip.checkpoint import CheckpointError, read_state_dict
from tests import checkpoints

FAMILIES = list(checkpoints.TINY_CONFIGS)


def jit_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The oracle for archives (tests only: it compiles and runs the archive's code)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.load(str(path), map_location="cpu").state_dict()


def assert_same_tensors(actual: dict[str, torch.Tensor], expected: dict[str, torch.Tensor],
                        ordered: bool = True) -> None:
    """Key for key (in order, unless the format does not keep one), dtype, shape and exact values."""
    assert list(actual) == list(expected) if ordered else sorted(actual) == sorted(expected)
    for key, tensor in expected.items():
        assert actual[key].dtype == tensor.dtype, key
        assert actual[key].shape == tensor.shape, key
        assert torch.equal(actual[key], tensor), key


def rewrite_zip(source: Path, target: Path, edit: Callable[[str, bytes], tuple[str, bytes] | None] = None,
                compression: int = zipfile.ZIP_STORED) -> Path:
    """Copy a zip entry by entry; ``edit(name, data)`` returns the new (name, data) or None to drop it."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", compression) as new:
        for name in old.namelist():
            entry = (name, old.read(name)) if edit is None else edit(name, old.read(name))
            if entry is not None:
                new.writestr(*entry)
    return target


def replace_data_pkl(source: Path, target: Path, data: bytes) -> Path:
    return rewrite_zip(source, target, lambda name, old: (name, data if name.endswith("/data.pkl") else old))


# ------------------------------------------------------------------------------ reading real formats


@pytest.mark.parametrize("family", FAMILIES)
def test_openai_archive_gives_the_torchscript_state_dict(family: str, tiny_checkpoints: dict) -> None:
    path = tiny_checkpoints[(family, "torchscript")]
    state = read_state_dict(path)
    assert_same_tensors(state, jit_state_dict(path))
    assert torch.float16 in {tensor.dtype for tensor in state.values()}  # fp16 weights stay fp16


@pytest.mark.parametrize("family", FAMILIES)
def test_state_dict_file_gives_the_model_state_dict(family: str, tiny_checkpoints: dict,
                                                    reference_models: dict) -> None:
    state = read_state_dict(tiny_checkpoints[(family, "state_dict")])
    assert_same_tensors(state, reference_models[family].state_dict())


def test_str_paths_are_accepted(tiny_checkpoints: dict, reference_models: dict) -> None:
    state = read_state_dict(str(tiny_checkpoints[("vit", "state_dict")]))
    assert_same_tensors(state, reference_models["vit"].state_dict())


def test_archive_is_read_without_torchscript(tiny_vit_path: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    expected = jit_state_dict(tiny_vit_path)
    # The archive's code is replaced by a program that would stop the test run if it were ever run.
    hostile_code = rewrite_zip(tiny_vit_path, tmp_path / "vit.pt", lambda name, data: (
        name, b"import os\nos._exit(3)\n" if "/code/" in name else data))

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("torch.jit.load must not be used")

    monkeypatch.setattr(torch.jit, "load", forbidden)
    assert_same_tensors(read_state_dict(hostile_code), expected)


def test_archive_folder_name_inside_the_zip_may_be_anything(tiny_vit_path: Path, tmp_path: Path) -> None:
    renamed = rewrite_zip(tiny_vit_path, tmp_path / "ViT-B-32.pt",
                          lambda name, data: ("archive/" + name.split("/", 1)[1], data))
    assert_same_tensors(read_state_dict(renamed), jit_state_dict(tiny_vit_path))


def test_archive_saved_from_a_gpu_loads_on_cpu(tiny_vit_path: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(tiny_vit_path) as archive:
        data = archive.read(next(name for name in archive.namelist() if name.endswith("/data.pkl")))
    cpu, cuda = b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"  # BINUNICODE 'cpu' -> 'cuda:0'
    assert cpu in data
    path = replace_data_pkl(tiny_vit_path, tmp_path / "gpu.pt", data.replace(cpu, cuda))
    state = read_state_dict(path)
    assert {tensor.device.type for tensor in state.values()} == {"cpu"}
    assert_same_tensors(state, jit_state_dict(tiny_vit_path))


def test_archive_with_compressed_unaligned_records_is_read(tiny_checkpoints: dict, tmp_path: Path) -> None:
    source = tiny_checkpoints[("resnet", "torchscript")]
    deflated = rewrite_zip(source, tmp_path / "deflated.pt", compression=zipfile.ZIP_DEFLATED)
    assert_same_tensors(read_state_dict(deflated), jit_state_dict(source))


def test_changing_loaded_tensors_never_changes_the_file(tiny_vit_path: Path) -> None:
    before = hashlib.sha256(tiny_vit_path.read_bytes()).hexdigest()
    expected = jit_state_dict(tiny_vit_path)
    for tensor in read_state_dict(tiny_vit_path).values():
        tensor.zero_()
    assert hashlib.sha256(tiny_vit_path.read_bytes()).hexdigest() == before
    assert_same_tensors(read_state_dict(tiny_vit_path), expected)


@pytest.mark.parametrize("wrap", ["state_dict", "module"])
def test_training_script_wrappings_are_removed(wrap: str, reference_models: dict, tmp_path: Path) -> None:
    model = reference_models["resnet"]
    path = checkpoints.save_state_dict(model, tmp_path / f"{wrap}.pt", wrap=wrap)
    assert_same_tensors(read_state_dict(path), model.state_dict())


@pytest.mark.parametrize("prefix", ["module.", "_orig_mod."])  # DistributedDataParallel, torch.compile
def test_model_key_and_nested_prefix_are_removed(prefix: str, reference_models: dict, tmp_path: Path) -> None:
    model = reference_models["vit"]
    prefixed = {f"{prefix}{key}": value for key, value in model.state_dict().items()}
    torch.save({"model": prefixed, "optimizer": {"lr": 0.1}, "epoch": 7}, tmp_path / "ckpt.pth")
    assert_same_tensors(read_state_dict(tmp_path / "ckpt.pth"), model.state_dict())


def test_legacy_non_zip_torch_save_is_read(reference_models: dict, tmp_path: Path) -> None:
    model = reference_models["vit"]
    torch.save(model.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    assert_same_tensors(read_state_dict(tmp_path / "legacy.pt"), model.state_dict())


@pytest.mark.parametrize("name", ["model.safetensors", "renamed.bin"])
def test_safetensors_file_is_read(name: str, reference_models: dict, tmp_path: Path) -> None:
    from safetensors.torch import save_file

    state = {key: value.half().contiguous() if value.is_floating_point() else value.contiguous()
             for key, value in reference_models["resnet"].state_dict().items()}
    save_file(state, str(tmp_path / name))
    assert_same_tensors(read_state_dict(tmp_path / name), state, ordered=False)  # safetensors sorts keys


# ------------------------------------------------------------------------------- hostile pickles


class TouchViaSystem:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple:
        return os.system, (f"touch {shlex.quote(str(self.target))}",)


class TouchViaOpen(TouchViaSystem):
    def __reduce__(self) -> tuple:
        return builtins.open, (str(self.target), "w")


class TouchViaPath(TouchViaSystem):
    def __reduce__(self) -> tuple:
        return pathlib.Path.touch, (pathlib.Path(self.target),)


PAYLOADS = [TouchViaSystem, TouchViaOpen, TouchViaPath]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_do_create_the_file_when_unpickled_naively(payload: type, tmp_path: Path) -> None:
    """Proof that the refusal tests below would notice the payload running."""
    target = tmp_path / "pwned"
    pickle.loads(pickle.dumps(payload(target)))
    assert target.exists()


def assert_refused(path: Path, target: Path) -> None:
    with pytest.raises(CheckpointError) as error:
        read_state_dict(path)
    assert str(path) in str(error.value)
    assert "refused" in str(error.value)
    assert not target.exists()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_torch_save_file_is_refused(payload: type, reference_models: dict, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    state = dict(reference_models["vit"].state_dict(), evil=payload(target))
    torch.save(state, tmp_path / "evil.pt")
    assert_refused(tmp_path / "evil.pt", target)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_legacy_pickle_is_refused(payload: type, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    torch.save({"evil": payload(target)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    assert_refused(tmp_path / "legacy.pt", target)
    (tmp_path / "bare.pkl").write_bytes(pickle.dumps({"evil": payload(target)}))
    assert_refused(tmp_path / "bare.pkl", target)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_data_pkl_in_archive_is_refused(payload: type, tiny_vit_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    path = replace_data_pkl(tiny_vit_path, tmp_path / "evil.pt", pickle.dumps(payload(target), protocol=2))
    assert_refused(path, target)


def test_payload_deep_inside_archive_modules_is_refused(tiny_vit_path: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The payload sits where a real archive keeps a submodule attribute, behind __torch__ classes."""
    target = tmp_path / "pwned"
    classes = {}
    for dotted in ("__torch__", "__torch__.clip", "__torch__.clip.model"):
        monkeypatch.setitem(sys.modules, dotted, types.ModuleType(dotted))
    for name in ("CLIP", "VisionTransformer"):
        cls = type(name, (), {"__module__": "__torch__.clip.model"})
        setattr(sys.modules["__torch__.clip.model"], name, cls)
        classes[name] = cls
    visual = classes["VisionTransformer"]()
    visual.__dict__.update(training=False, proj=TouchViaSystem(target))
    root = classes["CLIP"]()
    root.__dict__.update(training=False, visual=visual)
    path = replace_data_pkl(tiny_vit_path, tmp_path / "evil.pt", pickle.dumps(root, protocol=2))
    assert_refused(path, target)


@pytest.mark.parametrize("module, name", [
    ("os", "system"), ("builtins", "eval"), ("builtins", "getattr"), ("subprocess", "Popen"),
    ("torch.jit", "load"), ("torch", "load"), ("torch._utils", "_rebuild_device_tensor_from_numpy"),
    ("torch", "UntypedStorage"), ("collections", "defaultdict"),
])
def test_archive_global_outside_the_tensor_allow_list_is_refused(module: str, name: str,
                                                                 tiny_vit_path: Path, tmp_path: Path) -> None:
    data = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b")R."  # GLOBAL, EMPTY_TUPLE, REDUCE, STOP
    path = replace_data_pkl(tiny_vit_path, tmp_path / "evil.pt", data)
    with pytest.raises(CheckpointError, match=f"{module}.{name}") as error:
        read_state_dict(path)
    assert str(path) in str(error.value)


# ---------------------------------------------------------------------------------- damaged files


def assert_error(path: Path, *words: str) -> None:
    with pytest.raises(CheckpointError) as error:
        read_state_dict(path)
    assert str(path) in str(error.value)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize("fmt", ["torchscript", "state_dict"])
def test_truncated_checkpoint_is_refused(fmt: str, tiny_checkpoints: dict, tmp_path: Path) -> None:
    data = tiny_checkpoints[("resnet", fmt)].read_bytes()
    for cut in (1, 100, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 1):
        path = tmp_path / f"cut-{cut}.pt"
        path.write_bytes(data[:cut])
        assert_error(path)


def test_truncated_legacy_and_safetensors_files_are_refused(reference_models: dict, tmp_path: Path) -> None:
    from safetensors.torch import save_file

    state = reference_models["vit"].state_dict()
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    save_file({key: value.contiguous() for key, value in state.items()}, str(tmp_path / "m.safetensors"))
    for source in (tmp_path / "legacy.pt", tmp_path / "m.safetensors"):
        data = source.read_bytes()
        for cut in (5, len(data) // 2, len(data) - 1):
            path = tmp_path / f"cut-{cut}{source.suffix}"
            path.write_bytes(data[:cut])
            assert_error(path)


def test_tensor_record_of_wrong_size_is_refused(tiny_vit_path: Path, tmp_path: Path) -> None:
    short = rewrite_zip(tiny_vit_path, tmp_path / "short.pt", lambda name, data: (
        name, data[:-2] if name.endswith("/data/0") else data))
    assert_error(short, "data/0", "damaged")


def test_tensor_reaching_past_its_record_is_refused(tiny_vit_path: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(tiny_vit_path) as archive:
        data = archive.read(next(name for name in archive.namelist() if name.endswith("/data.pkl")))
    # The first tensor fills its record exactly; move its start (BININT1 after BINPERSID, BINPUT) by 5.
    first = data.index(b"Qq\x07K\x00")
    path = replace_data_pkl(tiny_vit_path, tmp_path / "shifted.pt",
                            data[:first] + b"Qq\x07K\x05" + data[first + 5:])
    assert_error(path, "damaged", "past the end")


def test_missing_tensor_record_is_refused(tiny_vit_path: Path, tmp_path: Path) -> None:
    missing = rewrite_zip(tiny_vit_path, tmp_path / "missing.pt",
                          lambda name, data: None if name.endswith("/data/1") else (name, data))
    assert_error(missing, "data/1", "missing")


def test_zip_that_is_not_a_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday/readme.txt", "not weights")
    assert_error(path, "not a PyTorch checkpoint")


def test_folder_is_refused(tmp_path: Path) -> None:
    assert_error(tmp_path, "folder")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert_error(tmp_path / "ViT-B-32.pt", "no such file")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.pt").write_bytes(b"")
    assert_error(tmp_path / "empty.pt", "empty")


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_are_refused(seed: int, tmp_path: Path) -> None:
    path = tmp_path / "noise.pt"
    path.write_bytes(random.Random(seed).randbytes(4096))
    assert_error(path)


def test_pickled_whole_model_is_refused_with_advice(reference_models: dict, tmp_path: Path) -> None:
    torch.save(reference_models["vit"], tmp_path / "whole.pt")
    assert_error(tmp_path / "whole.pt", "refused", "state_dict()")


@pytest.mark.parametrize("fmt", ["torch_save", "safetensors", "torchscript"])
def test_file_without_tensors_is_refused(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"empty-{fmt}.pt"
    if fmt == "torch_save":
        torch.save({"epoch": 3, "note": "no weights here"}, path)
    elif fmt == "safetensors":
        from safetensors.torch import save_file
        path = tmp_path / "empty.safetensors"
        save_file({}, str(path))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.save(torch.jit.script(torch.nn.ReLU()), str(path))
    assert_error(path, "no tensors")


class _TypedAttributes(torch.nn.Module):
    """A scripted module whose typed list/dict attributes make TorchScript's pickler emit its data helpers."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)
        self.sizes: list[int] = [1, 2, 3]
        self.scales: list[float] = [0.5]
        self.extra: dict[str, torch.Tensor] = {"a": torch.ones(2)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x) * self.sizes[0] * self.scales[0] + self.extra["a"].sum()


def test_archive_with_typed_list_and_dict_attributes_is_read(tmp_path: Path) -> None:
    """Archives from other torch versions tag typed containers; reading them must not refuse the file."""
    module = torch.jit.script(_TypedAttributes())
    path = tmp_path / "typed.pt"
    torch.jit.save(module, str(path))
    state = read_state_dict(path)
    assert set(state) == {"lin.weight", "lin.bias"}
    assert torch.equal(state["lin.weight"], module.lin.weight.detach())


# ------------------------------------------------------------------------ files that claim huge memory


class _ExpandedBuffer(torch.nn.Module):
    """A scripted module with a stride-0 buffer: 4 bytes on disk that pretend to be 1 GiB."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("big", torch.zeros(1).expand(2**28))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.big[0]


@pytest.mark.parametrize("fmt", ["torch_save", "torchscript"])
def test_expanded_tensors_that_claim_far_more_memory_than_the_file_are_refused(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"expanded-{fmt}.pt"
    if fmt == "torch_save":
        torch.save({"visual.proj": torch.zeros(1).expand(2**14, 2**14)}, path)  # 1 GiB from a few bytes
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.save(torch.jit.script(_ExpandedBuffer()), str(path))
    assert path.stat().st_size < 2**20
    assert_error(path, "refused", "GiB of memory")


def test_zip_bomb_is_refused_before_anything_is_unzipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(torch.nn.Linear(3, 2)), str(tmp_path / "small.pt"))

    def bomb(name: str, data: bytes) -> tuple[str, bytes]:
        return name, bytes(2**24) if name.endswith("/data/0") else data  # 16 MiB of zeros, ~16 KiB zipped

    path = rewrite_zip(tmp_path / "small.pt", tmp_path / "bomb.pt", bomb, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**16
    unzipped: list[str] = []
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, name, pwd=None: unzipped.append(name))
    assert_error(path, "refused", "unzipped entries", "MiB of memory")
    assert unzipped == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_is_refused_instead_of_waiting_forever(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ViT-B-32.pt")  # opening it for reading would block until a writer comes
    assert_error(tmp_path / "ViT-B-32.pt", "not a regular file")


def test_zip_asking_for_an_unknown_zip_version_is_refused(tmp_path: Path) -> None:
    torch.save({"w": torch.ones(3)}, tmp_path / "ok.pt")
    data = bytearray((tmp_path / "ok.pt").read_bytes())
    directory = data.index(b"PK\x01\x02")  # first central directory entry; "version needed" at +6
    data[directory + 6: directory + 8] = (82).to_bytes(2, "little")  # 8.2: a flipped bit, not a real zip
    (tmp_path / "damaged.pt").write_bytes(bytes(data))
    assert_error(tmp_path / "damaged.pt", "damaged")


def _largest_record(path: Path) -> tuple[int, int]:
    """(offset, size) of the biggest stored entry's bytes: the weights, not the pickle."""
    import zipfile

    from clipdesk.clip.zip_entries import entry_data_offset

    with zipfile.ZipFile(path) as archive, open(path, "rb") as file:
        import mmap

        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        info = max(archive.infolist(), key=lambda i: i.file_size)
        offset = entry_data_offset(mapped, info)
        mapped.close()
    return offset, info.file_size


@pytest.mark.parametrize("kind", ["torchscript", "state_dict"])
def test_a_same_size_copy_with_damaged_weights_is_refused(tiny_checkpoints, tmp_path, kind):
    """1 KiB of the weights overwritten (a bad sector, a broken copy): the zip's CRC fails. Before, it
    loaded, and every probability came out nan%."""
    from clipdesk.clip.checkpoint import CheckpointError, read_state_dict

    damaged = tmp_path / "damaged.pt"
    data = bytearray(tiny_checkpoints[("vit", kind)].read_bytes())
    offset, size = _largest_record(tiny_checkpoints[("vit", kind)])
    length = min(1024, size)
    data[offset:offset + length] = b"\xff" * length  # 0xffff... is NaN in fp16 and fp32
    damaged.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="damaged.*CRC"):
        read_state_dict(damaged)


@pytest.mark.parametrize("step", ["load", "import"])
def test_nan_or_infinite_weights_are_refused_with_the_tensor_named(tmp_path, step):
    import clipdesk.clip as clip
    from clipdesk.clip.checkpoint import CheckpointError
    from clipdesk.clip.model_files import validate_checkpoint
    from tests import checkpoints

    model = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS["vit"], seed=2)
    state = model.state_dict()
    state["visual.proj"][0, 0] = float("inf")
    path = tmp_path / "inf.pt"
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=r"visual\.proj holds NaN or infinite"):
        clip.load(path, device="cpu") if step == "load" else validate_checkpoint(path)
