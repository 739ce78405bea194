"""Label sets saved in the user data folder, and labels imported from .txt / .csv files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clipdesk.labeling.labels import clean_labels
from clipdesk.labeling.labelsets import (
    LabelSet,
    LabelSetError,
    import_labels,
    label_sets_dir,
    list_label_sets,
    load_label_set,
    save_label_set,
)


def test_save_and_load_round_trip_in_the_data_folder(isolated_user_dirs: Path) -> None:
    label_set = LabelSet("Trip / 旅行", ("beach", "红包", "🐱 cat"), ("a photo of a {}.", "{}"))
    path = save_label_set(label_set)
    assert path.parent == label_sets_dir() == isolated_user_dirs / "data" / "labelsets"
    assert "/" not in path.name[:-5]
    assert load_label_set(path) == label_set
    assert list_label_sets() == [path]


def test_saving_again_replaces_atomically_without_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "set.json"
    save_label_set(LabelSet("s", ("a",)), target)
    save_label_set(LabelSet("s", ("a", "b")), target)
    assert load_label_set(target).labels == ("a", "b")
    assert [p.name for p in tmp_path.iterdir()] == ["set.json"]


def test_loading_cleans_labels_and_defaults_templates(tmp_path: Path) -> None:
    path = tmp_path / "hand-written.json"
    path.write_text(json.dumps({"labels": [" dog ", "", "dog", "cat"]}), encoding="utf-8")
    loaded = load_label_set(path)
    assert loaded == LabelSet("hand-written", ("dog", "cat"), ("a photo of a {}.",))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # saved again by Windows Notepad
    assert load_label_set(path) == loaded


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"name": "x"}', "no \"labels\" list"),
    ('{"labels": [1, 2]}', "lists of text"),
    ('{"labels": ["a"], "templates": ["no placeholder"]}', "no {}"),
])
def test_bad_label_set_files_get_a_clear_error_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelSetError) as caught:
        load_label_set(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_missing_label_set_file(tmp_path: Path) -> None:
    with pytest.raises(LabelSetError, match="file not found"):
        load_label_set(tmp_path / "nope.json")


def test_import_txt_one_label_per_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_bytes("\ufeffdog\r\n\r\n  cat  \n# a comment\n红包\n".encode())
    assert import_labels(path) == ["dog", "cat", "红包"]


def test_import_csv_first_column_skipping_a_header(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text('Label,notes\ndog,good boy\n"red, envelope",festive\n,empty\ncat\n', encoding="utf-8")
    assert import_labels(path) == ["dog", "red, envelope", "cat"]


def test_import_csv_with_semicolons_as_spreadsheets_in_europe_save(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("dog;1\ncat;2\nbird;3\n", encoding="utf-8")
    assert import_labels(path) == ["dog", "cat", "bird"]


@pytest.mark.parametrize("labels, encoding", [
    (["Café", "Äpfel", "Straße", "Crème brûlée"], "cp1252"),  # Excel's "CSV" on Western Windows
    (["狗", "红包", "中国"], "gb18030"),  # the same on Chinese Windows
    (["鳳梨", "台灣"], "gb18030"),  # traditional characters, outside GB2312
])
def test_import_spreadsheet_encodings_without_mixing_them_up(tmp_path: Path, labels: list[str],
                                                             encoding: str) -> None:
    for name in ("labels.txt", "labels.csv"):
        path = tmp_path / name
        path.write_bytes("\r\n".join(labels).encode(encoding))
        assert import_labels(path) == labels


def test_import_csv_keeps_a_quoted_line_break_and_knows_more_headers(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text('Category,notes\r\n"two\nlines",x\r\ndog,"a, b"\r\n', encoding="utf-8")
    assert clean_labels(import_labels(path)).labels == ("two lines", "dog")
    chinese = tmp_path / "chinese.csv"
    chinese.write_text("标签,说明\n红包,x\n", encoding="utf-8")
    assert import_labels(chinese) == ["红包"]


def test_import_refuses_other_formats_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(LabelSetError, match=r"\.txt.*\.csv"):
        import_labels(tmp_path / "labels.xlsx")
    with pytest.raises(LabelSetError, match="file not found"):
        import_labels(tmp_path / "absent.txt")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-16"])
@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_utf16_and_utf32_files_with_or_without_a_bom_read_as_their_labels(tmp_path: Path, encoding: str,
                                                                         suffix: str) -> None:
    """Notepad, Excel and PowerShell save UTF-16 (PowerShell's `>` without a BOM); read as bytes, such
    a file would give labels full of NULs."""
    labels = ["dog", "red envelope", "红包", "Café", "🐈"]
    path = tmp_path / f"labels{suffix}"
    path.write_bytes("\n".join(labels).encode(encoding))
    assert import_labels(path) == labels


def test_a_file_with_nul_bytes_in_no_known_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_bytes(b"dog\ncat\x00\x00\x01\nbird\n" * 3)
    with pytest.raises(LabelSetError, match="NUL"):
        import_labels(path)


def test_a_label_set_keeps_its_keep_rule(tmp_path):
    from clipdesk.labeling import KeepRule, LabelSet, load_label_set, parse_keep_rule, save_label_set

    path = save_label_set(LabelSet("pets", ("cat", "dog"), keep=parse_keep_rule("top:2,min:0.25")),
                          tmp_path / "pets.json")
    assert load_label_set(path).keep == KeepRule(top=2, min_probability=0.25)
    assert load_label_set(save_label_set(LabelSet("plain", ("cat",)), tmp_path / "plain.json")).keep is None


def test_a_label_set_with_a_broken_keep_rule_says_so(tmp_path):
    import json

    import pytest

    from clipdesk.labeling import LabelSetError, load_label_set

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"labels": ["cat"], "keep": "top:zero"}), encoding="utf-8")
    with pytest.raises(LabelSetError, match="bad.json.*top:N"):
        load_label_set(path)
