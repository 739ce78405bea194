"""After ``load`` the checkpoint file no longer sits in the process's memory (the model's own copies
do), and the tensors used straight from the file still read back the file's numbers."""

from __future__ import annotations

import sys

import pytest
import torch

import clipdesk.clip as ours
from clipdesk.clip import mapped_pages
from clipdesk.clip.checkpoint import read_state_dict
from clipdesk.clip.model import build_model
from tests import checkpoints

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/smaps is Linux's")


def resident_by_mapping(path) -> dict[int, int]:
    """KiB resident of each of this process's mappings of ``path`` (by start address), from /proc/self/smaps."""
    found: dict[int, int] = {}
    start = None
    target = str(path.resolve())
    with open("/proc/self/smaps", encoding="utf-8") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:  # a mapping's header line
                start = int(fields[0].split("-")[0], 16) if len(fields) == 6 and fields[5] == target else None
            elif start is not None and fields[0] == "Rss:":
                found[start] = found.get(start, 0) + int(fields[1])
    return found


def mapping_of(path, tensors) -> int:
    """Start address of the mapping of ``path`` that holds these tensors. Other tests may keep their own
    mappings of the same shared fixture file alive, so measurements look at this one only."""
    address = next(iter(tensors)).untyped_storage().data_ptr()
    return next(start for start, end in mapped_pages.file_mappings(path) if start <= address < end)


def resident_kib(path, tensors) -> int:
    return resident_by_mapping(path).get(mapping_of(path, tensors), 0)


@torch.no_grad()
def test_a_built_model_gives_the_file_pages_back_and_keeps_its_numbers(tiny_checkpoints):
    path = tiny_checkpoints[("vit", "torchscript")]
    state = read_state_dict(path)
    model = build_model(state)
    image = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    text = ours.tokenize(["a dog", "a photo of a red envelope"])
    before = (model.encode_image(image), model.encode_text(text))
    converted = sum(t.nbytes for t in state.values() if t.dtype == torch.float16)  # read whole to convert
    assert resident_kib(path, state.values()) >= converted // 1024

    released = mapped_pages.release(path, state.values())

    assert released >= path.stat().st_size
    assert resident_kib(path, state.values()) < 64  # a few pages at most, re-read when used
    assert torch.equal(model.encode_image(image), before[0])  # in-file tensors read back from the file
    assert torch.equal(model.encode_text(text), before[1])


def test_load_releases_the_file_pages(tiny_checkpoints):
    path = tiny_checkpoints[("resnet", "torchscript")]

    model, _ = ours.load(path, device="cpu")

    in_place = [model.token_embedding.weight]  # stored as fp32 in the archive: used straight from the file
    assert mapped_pages.file_mappings(path)  # still mapped: embeddings are used in place ...
    assert resident_kib(path, in_place) < 64  # ... but not resident


def test_release_leaves_other_mappings_of_the_same_file_alone(tiny_checkpoints):
    path = tiny_checkpoints[("vit", "torchscript")]
    first, second = read_state_dict(path), read_state_dict(path)
    build_model(first), build_model(second)
    first_mapping, second_mapping = mapping_of(path, first.values()), mapping_of(path, second.values())
    assert first_mapping != second_mapping
    before = resident_by_mapping(path)

    mapped_pages.release(path, second.values())  # only second's mapping

    after = resident_by_mapping(path)
    assert after[first_mapping] == before[first_mapping] > 1024
    assert after[second_mapping] < 64


def test_release_of_tensors_not_from_the_file_does_nothing(tiny_checkpoints):
    assert mapped_pages.release(tiny_checkpoints[("vit", "torchscript")], [torch.zeros(3)]) == 0


# Wide enough that each weight spans many pages (the tiny fixtures' tensors mostly share pages).
WIDE = checkpoints.TinyConfig(embed_dim=64, image_resolution=32, vision_layers=2, vision_width=512,
                              vision_patch_size=16, transformer_width=512, transformer_heads=8)


@torch.no_grad()
def test_building_with_the_releaser_gives_pages_back_tensor_by_tensor(tmp_path):
    """``load`` converts and releases one tensor at a time, so the file and the fp32 model are never both
    resident in full; the model is the same as one built without releasing."""
    path = checkpoints.save_torchscript(checkpoints.make_reference_model(WIDE, seed=5), tmp_path / "wide.pt")
    state = read_state_dict(path)
    release = mapped_pages.releaser(path)
    resident_during: list[int] = []

    def release_and_measure(tensor: torch.Tensor) -> None:
        release(tensor)
        resident_during.append(resident_kib(path, state.values()))

    model = build_model(state, on_converted=release_and_measure)
    plain = build_model(read_state_dict(path))

    converted_kib = sum(t.nbytes for t in state.values() if t.dtype == torch.float16) // 1024
    assert converted_kib > 8 * 1024  # megabytes of fp16 weights, each read whole to be converted
    assert len(resident_during) == len(state)
    assert max(resident_during) < converted_kib // 4  # never more than a few tensors' pages at once
    image = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    text = ours.tokenize(["a dog", "a photo of a red envelope"])
    assert torch.equal(model.encode_image(image), plain.encode_image(image))
    assert torch.equal(model.encode_text(text), plain.encode_text(text))


def test_the_releaser_never_touches_memory_that_is_not_the_files(tiny_checkpoints):
    release = mapped_pages.releaser(tiny_checkpoints[("vit", "torchscript")])
    in_ram = torch.arange(1 << 16, dtype=torch.float32)  # 256 KiB of anonymous memory: DONTNEED would zero it

    assert release(in_ram) == 0
    assert torch.equal(in_ram, torch.arange(1 << 16, dtype=torch.float32))
