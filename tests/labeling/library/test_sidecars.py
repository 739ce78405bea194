"""XMP sidecars shared with darktable and digiKam: clipdesk's keywords go in, and everything those
programs keep there survives byte for byte (a raw editor's history is hours of someone's work)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from clipdesk.labeling.library.keyword_sets import Keywords
from clipdesk.labeling.library.keyword_writer import FAILED, SIDECAR, WRITTEN, KeywordOptions, write_keywords
from clipdesk.labeling.library.sidecar import SidecarError, merged_sidecar, read_sidecar
from clipdesk.labeling.library.undo import undo_log
from tests.labeling.library.library_photos import camera_photo, exiftool_read

SIDECARS = Path(__file__).parent / "sidecars"
KEYWORD_ELEMENTS = re.compile(rb"\s*<(dc:subject|lr:hierarchicalSubject)>.*?</\1>", re.S)


def everything_else(data: bytes) -> bytes:
    """The sidecar without its keyword elements and without the Description clipdesk may append."""
    data = KEYWORD_ELEMENTS.sub(b"", data)
    return re.sub(rb"\s*<rdf:Description rdf:about=\"\"\s+xmlns:(lr|dc|clipdesk)=.*?</rdf:Description>", b"",
                  data, flags=re.S)


def photo_with_sidecar(tmp_path, kind):
    photo = camera_photo(tmp_path, "jpeg", stem="IMG_0001")
    sidecar = tmp_path / "IMG_0001.jpg.xmp"
    shutil.copy(SIDECARS / f"{kind}.xmp", sidecar)
    return photo, sidecar


def test_a_darktable_history_survives_byte_for_byte(tmp_path, log_folder):
    photo, sidecar = photo_with_sidecar(tmp_path, "darktable")
    original = sidecar.read_bytes()
    history = re.search(rb"<darktable:history>.*?</darktable:history>", original, re.S).group(0)

    run = write_keywords([(str(photo), ["红包", "cat"])], KeywordOptions(mode="sidecar"), log_folder / "a.jsonl")

    assert [(o.status, o.place) for o in run.outcomes] == [(WRITTEN, SIDECAR)]
    merged = sidecar.read_bytes()
    assert history in merged
    assert b"<darktable:masks_history>\n    <rdf:Seq/>\n   </darktable:masks_history>" in merged
    assert everything_else(merged) == everything_else(original)
    found = exiftool_read(sidecar)
    assert found["XMP-dc:Subject"] == ["darktable|format|CR2", "holiday", "红包", "cat"]
    assert found["XMP-lr:HierarchicalSubject"] == ["clipdesk|红包", "clipdesk|cat"]


def test_a_digikam_sidecar_keeps_its_tags_faces_and_rating(tmp_path, log_folder):
    photo, sidecar = photo_with_sidecar(tmp_path, "digikam")
    original = sidecar.read_bytes()
    before = exiftool_read(sidecar, "-XMP:all")

    write_keywords([(str(photo), ["猫"])], KeywordOptions(mode="sidecar"), log_folder / "a.jsonl")

    merged = sidecar.read_bytes()
    assert everything_else(merged) == everything_else(original)
    assert merged.startswith(b'<?xpacket begin="\xef\xbb\xbf"') and merged.rstrip().endswith(b'<?xpacket end="w"?>')
    after = exiftool_read(sidecar, "-XMP:all")
    assert after.pop("XMP-dc:Subject") == ["Grandma", "北京", "猫"]
    assert after.pop("XMP-lr:HierarchicalSubject") == ["Family|Grandma", "Places|北京", "clipdesk|猫"]
    before.pop("XMP-dc:Subject"), before.pop("XMP-lr:HierarchicalSubject")
    after = {k: v for k, v in after.items() if not k.startswith("XMP-clipdesk")}
    assert after == before  # digiKam's tags, face regions, ratings, colour label


@pytest.mark.parametrize("kind", ["darktable", "digikam"])
def test_undo_restores_the_sidecar_byte_for_byte(tmp_path, log_folder, kind):
    photo, sidecar = photo_with_sidecar(tmp_path, kind)
    original = sidecar.read_bytes()
    run = write_keywords([(str(photo), ["猫", "dog"])], KeywordOptions(mode="sidecar"), log_folder / "a.jsonl")
    write_keywords([(str(photo), ["car"])], KeywordOptions(mode="sidecar"), log_folder / "b.jsonl")
    undo_log(log_folder / "b.jsonl")
    undo_log(run.log_path)
    assert sidecar.read_bytes() == original


def test_undo_after_someone_edited_the_sidecar_takes_back_only_clipdesks_keywords(tmp_path, log_folder):
    photo, sidecar = photo_with_sidecar(tmp_path, "darktable")
    run = write_keywords([(str(photo), ["cat"])], KeywordOptions(mode="sidecar"), log_folder / "a.jsonl")
    edited = sidecar.read_bytes().replace(b"<rdf:li>holiday</rdf:li>", b"<rdf:li>holiday</rdf:li>\n     "
                                                                       b"<rdf:li>added later</rdf:li>")
    sidecar.write_bytes(edited)
    undo_log(run.log_path)
    assert exiftool_read(sidecar)["XMP-dc:Subject"] == ["darktable|format|CR2", "holiday", "added later"]
    assert "XMP-lr:HierarchicalSubject" not in exiftool_read(sidecar)


def test_a_sidecar_clipdesk_created_is_removed_by_undo(tmp_path, log_folder):
    photo = camera_photo(tmp_path, "jpeg")
    run = write_keywords([(str(photo), ["猫"])], KeywordOptions(mode="sidecar"), log_folder / "a.jsonl")
    sidecar = Path(run.outcomes[0].file)
    assert sidecar.name == f"{photo.name}.xmp" and exiftool_read(sidecar)["XMP-dc:Subject"] == ["猫"]
    undo_log(run.log_path)
    assert not sidecar.exists()


@pytest.mark.parametrize("content, reason", [
    (b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF", "not valid XML"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x/>", "DOCTYPE"),
    ("<?xml version='1.0' encoding='UTF-16'?><x/>".encode("utf-16"), "UTF-16"),
    (b"<?xml version='1.0' encoding='ISO-8859-1'?><x/>", "not UTF-8"),
])
def test_a_sidecar_clipdesk_cannot_edit_safely_is_reported_and_left_alone(tmp_path, log_folder, content, reason):
    photo = camera_photo(tmp_path, "jpeg")
    sidecar = tmp_path / f"{photo.name}.xmp"
    sidecar.write_bytes(content)
    run = write_keywords([(str(photo), ["cat"])], KeywordOptions(mode="sidecar"), log_folder / "a.jsonl")
    assert run.outcomes[0].status == FAILED and reason in run.outcomes[0].error
    assert sidecar.read_bytes() == content


def test_lists_written_as_seq_or_in_a_description_of_their_own_are_read():
    data = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description rdf:about="" xmlns:d="http://purl.org/dc/elements/1.1/"><d:subject><rdf:Seq>'
            b'<rdf:li>a &amp; b</rdf:li><rdf:li>2023</rdf:li></rdf:Seq></d:subject></rdf:Description>'
            b'</rdf:RDF></x:xmpmeta>')
    assert read_sidecar(data).subject == ("a & b", "2023")
    merged = merged_sidecar(data, Keywords(subject=("a & b", "2023", "猫"), added_subjects=("猫",)))
    assert read_sidecar(merged) == Keywords(subject=("a & b", "2023", "猫"), added_subjects=("猫",))
    assert b"<d:subject>" in merged  # the file's own prefix is kept


def test_an_rdf_document_without_rdf_root_cannot_take_new_keywords():
    with pytest.raises(SidecarError):
        merged_sidecar(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", Keywords(subject=("cat",)))
