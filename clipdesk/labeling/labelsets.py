"""Label sets (a name, labels, prompt templates) saved as JSON in the user data folder, and labels
imported from plain ``.txt`` (one per line) or ``.csv`` (first column) files.

Saves are atomic (temporary file + ``os.replace``), so a crash never leaves a half-written set.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from clipdesk.defaults import DEFAULT_TEMPLATE
from clipdesk.labeling.export import write_atomic
from clipdesk.labeling.keep_rule import KeepRule, parse_keep_rule
from clipdesk.labeling.labels import clean_labels, clean_templates
from clipdesk.weights.locations import user_path

FORMAT = "clipdesk-labelset"
VERSION = 1
SUFFIX = ".json"
# A first row holding one of these is a header, not a label (compared lower-cased).
CSV_HEADER_NAMES = frozenset({
    "label", "labels", "label name", "label_name", "name", "names", "class", "classes", "class name",
    "class_name", "classname", "category", "categories", "tag", "tags", "keyword", "keywords", "prompt",
    "prompts", "text", "标签", "类别", "名称", "分类",
})


class LabelSetError(ValueError):
    """A label set or labels file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class LabelSet:
    name: str
    labels: tuple[str, ...]
    templates: tuple[str, ...] = (DEFAULT_TEMPLATE,)
    keep: KeepRule | None = None  # which labels a photo gets (keywords, folders); None: the default


def label_sets_dir() -> Path:
    return user_path("data", "labelsets")


def label_set_path(name: str, directory: str | os.PathLike[str] | None = None) -> Path:
    """Where the set called ``name`` is stored: a file name safe on every OS, made from the name."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .")[:100] or "label-set"
    folder = Path(directory) if directory is not None else label_sets_dir()
    return folder / f"{stem}{SUFFIX}"


def save_label_set(label_set: LabelSet, path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``label_set`` (to ``path`` or the data folder) and return where it went."""
    target = Path(path) if path is not None else label_set_path(label_set.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": FORMAT, "version": VERSION, "name": label_set.name,
                "labels": list(label_set.labels), "templates": list(label_set.templates)}
    if label_set.keep is not None:
        document["keep"] = label_set.keep.text
    return write_atomic(target, json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def load_label_set(path: str | os.PathLike[str]) -> LabelSet:
    """Read a saved set; labels and templates are cleaned as if typed. Raises LabelSetError."""
    source = Path(path)
    try:
        document = json.loads(source.read_text(encoding="utf-8-sig"))  # Notepad adds a BOM
    except (OSError, UnicodeDecodeError) as error:
        raise LabelSetError(f"cannot read label set {source}: {_reason(error)}") from error
    except json.JSONDecodeError as error:
        raise LabelSetError(f"label set {source} is not valid JSON ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("labels"), list):
        raise LabelSetError(f"{source} is not a clipdesk label set (it has no \"labels\" list)")
    labels = document["labels"]
    templates = document.get("templates") or [DEFAULT_TEMPLATE]
    if not all(isinstance(x, str) for x in labels) or not isinstance(templates, list) or not all(
            isinstance(x, str) for x in templates):
        raise LabelSetError(f"label set {source}: labels and templates must be lists of text")
    try:
        template_tuple = clean_templates(templates)
    except ValueError as error:
        raise LabelSetError(f"label set {source}: {error}") from error
    keep = document.get("keep")
    try:
        rule = parse_keep_rule(keep) if isinstance(keep, str) else None
    except ValueError as error:
        raise LabelSetError(f"label set {source}: {error}") from error
    name = document.get("name")
    return LabelSet(name if isinstance(name, str) and name.strip() else source.stem,
                    clean_labels(labels).labels, template_tuple, rule)


def list_label_sets(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Saved sets in the data folder (or ``directory``), sorted by file name."""
    folder = Path(directory) if directory is not None else label_sets_dir()
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == SUFFIX and p.is_file())
    except OSError:
        return []


def import_labels(path: str | os.PathLike[str]) -> list[str]:
    """Labels from a ``.txt`` file (one per line; blank lines and ``#`` comments skipped) or a ``.csv``
    file (first column of each row; a header row such as ``label`` is skipped). Not yet de-duplicated:
    pass the result through :func:`clean_labels`. Raises LabelSetError naming the file."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in (".txt", ".csv"):
        raise LabelSetError(f"cannot import labels from {source}: use a .txt (one label per line) "
                            "or .csv (labels in the first column) file")
    text = _read_text(source)
    if suffix == ".txt":
        lines = [line.strip() for line in text.splitlines()]
        return [line for line in lines if line and not line.startswith("#")]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), dialect) if row and row[0].strip()]
    except csv.Error as error:
        raise LabelSetError(f"cannot read labels from {source}: {error}") from error
    if rows and rows[0][0].strip().lower() in CSV_HEADER_NAMES:
        rows = rows[1:]
    return [row[0].strip() for row in rows]


def _read_text(source: Path) -> str:
    """The file's text. A BOM (UTF-8, UTF-16, UTF-32) is certain; UTF-16/32 without one is recognised
    by where its NUL bytes stand; else UTF-8, and otherwise what spreadsheets on Windows save: GBK
    (Chinese) or Windows-1252 (Western European). Those two overlap, so each is taken only when it
    reads as its language -- "Äpfel" must not become "膒fel", nor "红包" become "ºì°ü". Text that still
    holds NUL bytes is no labels file at all."""
    try:
        data = source.read_bytes()
    except OSError as error:
        raise LabelSetError(f"cannot read labels from {source}: {_reason(error)}") from error
    encoding = _unicode_encoding(data)
    if encoding is not None:
        try:
            return _without_nul(source, data.decode(encoding))
        except UnicodeDecodeError:
            raise LabelSetError(f"cannot read labels from {source}: it looks like {encoding.upper()} text "
                                "but is not valid (save it as UTF-8)") from None
    if b"\x00" in data:
        raise LabelSetError(f"cannot read labels from {source}: it holds NUL bytes, so it is not text in any "
                            "encoding clipdesk knows (save it as UTF-8)")
    chinese, western = _decode_or_none(data, "gb18030"), _decode_or_none(data, "cp1252")
    if chinese is not None and all(c.isascii() or _in_gb2312(c) for c in chinese):
        return chinese
    if western is not None and _reads_as_western(western):
        return western
    if chinese is not None:
        return chinese  # rarer characters than GB2312's, but still not Western text
    raise LabelSetError(f"cannot read labels from {source}: it is not UTF-8 text (save it as UTF-8)")


BOMS = ((b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe\x00\x00", "utf-32"),  # before UTF-16's, which they start with
        (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _unicode_encoding(data: bytes) -> str | None:
    """The Unicode encoding ``data`` is certainly in: by its BOM, by the NUL pattern of BOM-less
    UTF-32/UTF-16 (ASCII characters have zero high bytes), or valid UTF-8 without NULs; else None."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    sample = data[:4096]
    if b"\x00" in sample:
        units = range(0, len(sample) // 4 * 4, 4)  # a code point needs at most 21 bits: 0x00 0x00-0x10 …
        if units and all(sample[i + 3] == 0 and sample[i + 2] <= 0x10 for i in units):
            return "utf-32-le"
        if units and all(sample[i] == 0 and sample[i + 1] <= 0x10 for i in units):
            return "utf-32-be"
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if odd > 2 * even and odd >= len(sample) // 8:
            return "utf-16-le"
        if even > 2 * odd and even >= len(sample) // 8:
            return "utf-16-be"
        return None
    return "utf-8" if _decode_or_none(data, "utf-8") is not None else None


def _without_nul(source: Path, text: str) -> str:
    if "\x00" in text:
        raise LabelSetError(f"cannot read labels from {source}: it holds NUL characters, so it is not a text "
                            "file (save it as UTF-8)")
    return text


def _decode_or_none(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _in_gb2312(character: str) -> bool:
    try:
        character.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _reads_as_western(text: str) -> bool:
    """Accented letters and typographic punctuation, each between plain ASCII characters: in
    Western words they stand alone ("Café"), whereas Chinese decoded as Windows-1252 comes out as
    runs of them ("ºì°ü")."""
    previous_ascii = True
    for character in text:
        if character.isascii():
            previous_ascii = True
            continue
        if not previous_ascii or not (character.isalpha() or character in "‘’“”–—…€«»°·"):
            return False
        previous_ascii = False
    return True


def _reason(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, IsADirectoryError):
        return "it is a folder"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return str(error)
