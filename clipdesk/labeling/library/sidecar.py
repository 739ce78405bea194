"""XMP sidecars (``photo.jpg.xmp``, as digiKam, darktable and Immich name them): read their keywords and
merge new ones in by editing only the keyword elements' bytes, so everything else another program keeps
there — a darktable edit history, digiKam's face tags — survives byte for byte.

Hand-written on purpose: ExifTool and Exiv2 re-serialise the whole packet when they save a sidecar
(darktable's attributes become elements, an empty ``masks_history`` is dropped), which is exactly what a
sidecar shared with a raw editor must not suffer. Reading uses expat, which also gives the byte offsets.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from clipdesk.labeling.library.keyword_sets import NAMESPACE, Keywords

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
LR = "http://ns.adobe.com/lightroom/1.0/"
SIDECAR_SUFFIX = ".xmp"
# Each XMP field of Keywords: (namespace, element name, prefix used when clipdesk declares it).
PROPERTIES = {
    "subject": (DC, "subject", "dc"),
    "hierarchy": (LR, "hierarchicalSubject", "lr"),
    "added_subjects": (NAMESPACE, "AddedSubjects", "clipdesk"),
    "added_hierarchy": (NAMESPACE, "AddedHierarchy", "clipdesk"),
    "added_keywords": (NAMESPACE, "AddedKeywords", "clipdesk"),
}
LIST_TYPES = ("Bag", "Seq", "Alt")


class SidecarError(ValueError):
    """A sidecar that is not XMP clipdesk can edit safely; it is left as it was."""


def sidecar_path(photo: str | os.PathLike[str]) -> Path:
    """``photo.jpg`` → ``photo.jpg.xmp`` (the name digiKam, darktable and Immich look for)."""
    photo = Path(photo)
    return photo.with_name(photo.name + SIDECAR_SUFFIX)


@dataclass
class _Element:
    start: int  # byte offset of "<"
    end: int = -1  # byte offset just past the element's last ">"
    qname: str = ""
    values: list[str] = field(default_factory=list)


@dataclass
class _Scan:
    elements: dict[str, _Element] = field(default_factory=dict)  # Keywords field -> its element
    rdf_end: int = -1  # offset of "</rdf:RDF>"
    rdf_prefix: str = "rdf"
    about: str = ""


def read_sidecar(data: bytes) -> Keywords:
    scan = _scan(data)
    return Keywords(**{name: tuple(scan.elements[name].values) for name in PROPERTIES if name in scan.elements})


def merged_sidecar(data: bytes | None, keywords: Keywords) -> bytes:
    """The sidecar ``data`` (None: a new one) with its keyword lists replaced by ``keywords``' XMP lists;
    every other byte is kept."""
    if data is None:
        return _new_sidecar(keywords)
    scan = _scan(data)
    edits: list[tuple[int, int, bytes]] = []
    missing: dict[str, tuple[str, ...]] = {}
    for name in PROPERTIES:
        values = getattr(keywords, name)
        element = scan.elements.get(name)
        if element is None:
            if values:
                missing[name] = values
            continue
        indent = _indent_before(data, element.start)
        if values:
            text = _property(element.qname, scan.rdf_prefix, values, indent)
            edits.append((element.start, element.end, text.encode("utf-8")))
        else:  # the element goes, and the line it stood on with it
            line_start = element.start - len(indent.encode("utf-8"))
            start = line_start - 1 if line_start > 0 and data[line_start - 1:line_start] == b"\n" else element.start
            edits.append((start, element.end, b""))
    if missing:
        if scan.rdf_end < 0:
            raise SidecarError("it has no rdf:RDF element to add keywords to")
        indent = _indent_before(data, scan.rdf_end)
        description = _description(missing, scan.rdf_prefix, scan.about, indent + " ")
        edits.append((scan.rdf_end, scan.rdf_end, f" {description}\n{indent}".encode()))
    out = bytearray(data)
    for start, end, replacement in sorted(edits, reverse=True):
        out[start:end] = replacement
    return bytes(out)


def _scan(data: bytes) -> _Scan:
    _check_encoding(data)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    scan = _Scan()
    wanted = {(uri, local): name for name, (uri, local, _) in PROPERTIES.items()}
    stack: list[tuple[str, int]] = []  # (expanded name, start offset)
    current: list[_Element] = []  # the wanted element being read, if any
    in_item = [False]

    def start(name: str, attributes: dict[str, str]) -> None:
        offset = parser.CurrentByteIndex
        uri, _, local = name.rpartition(" ")
        stack.append((name, offset))
        if uri == RDF and local == "RDF":
            scan.rdf_prefix = _prefix_at(data, offset) or scan.rdf_prefix
        if uri == RDF and local == "Description" and not scan.about:
            scan.about = attributes.get(f"{RDF} about", "")
        key = wanted.get((uri, local))
        if key is not None and not current and key not in scan.elements:
            element = _Element(start=offset, qname=_qname_at(data, offset))
            scan.elements[key] = element
            current.append(element)
        elif current and uri == RDF and local == "li":
            in_item[0] = True
            current[0].values.append("")

    def end(name: str) -> None:
        offset = parser.CurrentByteIndex
        _, start_offset = stack.pop()
        uri, _, local = name.rpartition(" ")
        if current and uri == RDF and local == "li":
            in_item[0] = False
        if current and current[0].start == start_offset:
            current[0].end = _tag_end(data, offset)
            current.clear()
        if uri == RDF and local == "RDF":
            scan.rdf_end = offset if data[offset:offset + 2] == b"</" else -1

    def text(content: str) -> None:
        if current and in_item[0]:
            current[0].values[-1] += content

    def doctype(*_: object) -> None:  # XMP has none; entities could expand without bound
        raise SidecarError("it declares a DOCTYPE, which XMP never has")

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise SidecarError(f"it is not valid XML ({error})") from None
    return scan


def _check_encoding(data: bytes) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        raise SidecarError("it is UTF-16, which clipdesk does not edit")
    declaration = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([^\"']+)", data.removeprefix(b"\xef\xbb\xbf"))
    if declaration and declaration.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"us-ascii"):
        raise SidecarError(f"it is encoded as {declaration.group(1).decode('ascii', 'replace')}, not UTF-8")


def _qname_at(data: bytes, offset: int) -> str:
    match = re.match(rb"<([^\s/>]+)", data[offset:offset + 300])
    return match.group(1).decode("utf-8") if match else ""


def _prefix_at(data: bytes, offset: int) -> str:
    qname = _qname_at(data, offset)
    return qname.partition(":")[0] if ":" in qname else ""


def _tag_end(data: bytes, offset: int) -> int:
    """Just past the ``>`` of the tag starting at ``offset`` (quotes respected)."""
    quote = None
    for index in range(offset, len(data)):
        char = data[index:index + 1]
        if quote:
            if char == quote:
                quote = None
        elif char in (b'"', b"'"):
            quote = char
        elif char == b">":
            return index + 1
    raise SidecarError("a tag is not closed")


def _indent_before(data: bytes, offset: int) -> str:
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset]
    return prefix.decode("utf-8") if prefix.strip() == b"" else ""


def _property(qname: str, rdf: str, values: tuple[str, ...], indent: str) -> str:
    rdf = f"{rdf}:" if rdf else ""
    items = "".join(f"\n{indent}  <{rdf}li>{escape(v)}</{rdf}li>" for v in values)
    return f"<{qname}>\n{indent} <{rdf}Bag>{items}\n{indent} </{rdf}Bag>\n{indent}</{qname}>"


def _description(lists: dict[str, tuple[str, ...]], rdf: str, about: str, indent: str) -> str:
    prefix = f"{rdf}:" if rdf else ""
    used = {PROPERTIES[name][2]: PROPERTIES[name][0] for name in lists}
    declarations = "".join(f"\n{indent}    xmlns:{p}={quoteattr(uri)}" for p, uri in used.items())
    body = "".join(f"\n{indent} " + _property(f"{PROPERTIES[name][2]}:{PROPERTIES[name][1]}", rdf, values,
                                               indent + " ")
                   for name, values in lists.items())
    return (f"<{prefix}Description {prefix}about={quoteattr(about)}{declarations}>{body}\n"
            f"{indent}</{prefix}Description>")


def _new_sidecar(keywords: Keywords) -> bytes:
    lists = {name: getattr(keywords, name) for name in PROPERTIES if getattr(keywords, name)}
    description = _description(lists, "rdf", "", "  ") if lists else '<rdf:Description rdf:about=""/>'
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="clipdesk">\n'
            f' <rdf:RDF xmlns:rdf="{RDF}">\n'
            f"  {description}\n"
            " </rdf:RDF>\n"
            "</x:xmpmeta>\n").encode()
