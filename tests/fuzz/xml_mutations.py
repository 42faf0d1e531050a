"""Mutations that know XML: declarations, nesting, DTDs, namespaces, attributes, offsets, GUIDs.

Each format says, in an :class:`XmlShape`, which elements nest (to build 5,000 levels of the
format's own recursion) and which attributes hold positions and paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from tests.fuzz.mutations import ByteMutation, Material, bit_flips

_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
_DECLARATION = re.compile(rb"^\s*(?:\xef\xbb\xbf)?<\?xml[^>]*\?>")
_XMLNS = re.compile(rb'xmlns(?::[\w.-]+)?="[^"]*"')
_PLACEHOLDER = b"<!--FUZZ-NEST-->"


@dataclass(frozen=True)
class XmlShape:
    """What the XML mutations need to know about one format."""

    nests: tuple[tuple[str, str], ...]  # opening and closing text of one nesting level
    nest_parents: frozenset[str]  # local names of elements where the nesting goes
    positions: frozenset[str] = frozenset()  # attributes holding offsets
    paths: frozenset[str] = frozenset()  # attributes naming files


_GUID = "0f0e0d0c-0b0a-4908-8706-050403020100"
QDC = XmlShape(
    nests=((f'<Code guid="{_GUID}" name="Nivå" isCodable="true">', "</Code>"),
           ("<Fuzz>", "</Fuzz>")),
    nest_parents=frozenset({"Codes", "Code"}),
)  # fmt: skip
QDE = XmlShape(
    nests=(*QDC.nests, ('<Set name="s" guid="' + _GUID + '">', "</Set>"),
           ('<Case name="c" guid="' + _GUID + '">', "</Case>")),
    nest_parents=frozenset({"Codes", "Code", "Sets", "Cases", "PlainTextSelection", "Notes"}),
    positions=frozenset({"startPosition", "endPosition", "firstPage", "lastPage"}),
    paths=frozenset({"plainTextPath", "richTextPath", "path", "currentPath", "originalPath"}),
)  # fmt: skip
DOCX = XmlShape(
    nests=(("<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>"),
           ("<w:customXml>", "</w:customXml>"), ("<w:hyperlink>", "</w:hyperlink>"),
           ("<w:tbl><w:tr><w:tc>", "</w:tc></w:tr></w:tbl>"), ("<w:r>", "</w:r>")),
    nest_parents=frozenset({"body", "p", "tc", "sdtContent"}),
)  # fmt: skip
ODT = XmlShape(
    nests=(("<text:section>", "</text:section>"), ("<text:span>", "</text:span>"),
           ("<text:list><text:list-item>", "</text:list-item></text:list>"),
           ("<table:table><table:table-row><table:table-cell>",
            "</table:table-cell></table:table-row></table:table>"),
           ("<text:a>", "</text:a>")),
    nest_parents=frozenset({"text", "section", "p", "h", "span", "list-item", "table-cell"}),
    positions=frozenset({"{urn:oasis:names:tc:opendocument:xmlns:text:1.0}c"}),
)  # fmt: skip


def _root(data: bytes) -> Any:
    return etree.fromstring(data, _PARSER)


def _serialise(root: Any) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")  # type: ignore[no-any-return]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _elements(root: Any) -> list[Any]:
    return [element for element in root.iter() if isinstance(element.tag, str)]


def _attributes(root: Any, test: Any) -> list[tuple[Any, str]]:
    return [(el, name) for el in _elements(root) for name in el.attrib if test(name)]


def unknown_encoding(data: bytes, m: Material) -> bytes:
    encoding = m.rng.choice(
        ["x-unknown-42", "utf-99", "EBCDIC-fantasy", "", "UTF-16", "UTF-32", "cp1252",
         "ISO-2022-JP", "latin-1", "ascii", "utf-8\\x00", "a" * 5000, "UTF-7", "cp037"]
    )  # fmt: skip
    version = m.rng.choice(["1.0", "1.0", "1.1", "2.0"])
    body = _DECLARATION.sub(b"", data, count=1)
    return f'<?xml version="{version}" encoding="{encoding}"?>'.encode() + body


def deep_nesting(shape: XmlShape) -> ByteMutation:
    def mutation(data: bytes, m: Material) -> bytes:
        root = _root(data)
        elements = _elements(root)
        wanted = [el for el in elements if _local(el.tag) in shape.nest_parents] or elements
        parent = m.rng.choice(wanted)
        parent.insert(m.rng.randint(0, len(parent)), etree.Comment("FUZZ-NEST"))
        opening, closing = m.rng.choice(shape.nests)
        depth = m.rng.choice([5_000, 5_000, 5_000, 50_000])
        nested = (opening * depth + "dypt 😀" + closing * depth).encode()
        return _serialise(root).replace(_PLACEHOLDER, nested, 1)

    mutation.__name__ = "deep_nesting"
    return mutation


_LAUGHS = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
_DOCTYPES = (
    f'<!DOCTYPE r [<!ENTITY l0 "ha">{_LAUGHS}]>',
    '<!DOCTYPE r [<!ENTITY l9 SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///nonexistent/tillit.dtd"> %p;]>',
    '<!DOCTYPE r SYSTEM "Codebook.xsd">',
    '<!DOCTYPE r [<!ELEMENT r ANY><!ATTLIST Code name CDATA "standard">]>',
    "",  # no declaration at all, just a reference to an entity that does not exist
)


def dtd_entities(data: bytes, m: Material) -> bytes:
    doctype = m.rng.choice(_DOCTYPES)
    reference = b"&l9;" if doctype else b"&nope;"
    match = _DECLARATION.match(data)
    head, body = (data[: match.end()], data[match.end() :]) if match else (b"", data)
    body, count = re.subn(rb'(name="|<w:t>|<text:p>)', rb"\1" + reference, body, count=1)
    if not count:
        body = re.sub(rb"(<[^?!][^>]*>)", rb"\1" + reference, body, count=1)
    return head + doctype.encode() + body


def wrong_namespace(data: bytes, m: Material) -> bytes:
    declarations = _XMLNS.findall(data)
    if not declarations:
        return b'<Fuzz xmlns="urn:QDA-XML:project:9.9">' + data + b"</Fuzz>"
    chosen = m.rng.choice(declarations)
    prefix = chosen.split(b"=", 1)[0]
    replacement = m.rng.choice(
        [b"", prefix + b'="urn:QDA-XML:project:2.0"', prefix + b'="http://example.com/x"',
         prefix + b'=""', prefix + b'="' + b"u" * 100_000 + b'"', b'xmlns:fuzz="x"']
    )  # fmt: skip
    return data.replace(chosen, replacement, m.rng.choice([1, -1]))


_IMPORTANT = frozenset(
    {"guid", "name", "targetGUID", "startPosition", "endPosition", "plainTextPath",
     "richTextPath", "creatingUser", "isCodable", "typeOfVariable", "sourceGUID"}
)  # fmt: skip


def missing_attributes(data: bytes, m: Material) -> bytes:
    root = _root(data)
    found = _attributes(root, lambda name: _local(name) in _IMPORTANT) or _attributes(
        root, lambda _name: True
    )
    for element, name in m.rng.sample(found, min(len(found), m.rng.randint(1, 12))):
        element.attrib.pop(name, None)
    return _serialise(root)


def huge_attribute(data: bytes, m: Material) -> bytes:
    root = _root(data)
    found = _attributes(root, lambda _name: True)
    element, name = m.rng.choice(found) if found else (root, "name")
    unit = m.rng.choice(["A", "9", "ø😀", " ", "&", "\t\n"])
    size = m.rng.randint(m.huge // 4, m.huge) // len(unit.encode())
    element.set(name, unit * size)
    return _serialise(root)


_NUMBERS = (
    "-1", "-999999999", "99999999999999999999999", str(2**63), "1e3", "0x10", " 5 ", "٣", "²",
    "", "NaN", "inf", "1.5", "5" * 5000, "0", "+7", "1_000",
)  # fmt: skip


def bad_offsets(shape: XmlShape) -> ByteMutation:
    def mutation(data: bytes, m: Material) -> bytes:
        root = _root(data)
        found = _attributes(root, lambda name: name in shape.positions or
                            _local(name) in shape.positions)  # fmt: skip
        if not found:  # a format without positions: any number will do
            found = [(el, n) for el in _elements(root) for n, v in el.attrib.items()
                     if v.strip().isdigit()]  # fmt: skip
        for element, name in m.rng.sample(found, min(len(found), m.rng.randint(1, 8))):
            value = element.get(name, "0")
            roll = m.rng.random()
            if roll < 0.5:
                element.set(name, m.rng.choice(_NUMBERS))
            elif roll < 0.75 and value.isdigit():
                element.set(name, str(int(value) + m.rng.choice([1, -1, 10**9, -(10**9)])))
            else:
                other = "endPosition" if _local(name) == "startPosition" else "startPosition"
                if element.get(other) is not None:
                    element.set(name, element.get(other))
                    element.set(other, value)  # start and end swapped
        return _serialise(root)

    mutation.__name__ = "bad_offsets"
    return mutation


def bad_guids(data: bytes, m: Material) -> bytes:
    root = _root(data)
    found = _attributes(root, lambda name: _local(name).lower().endswith("guid"))
    if not found:
        return data
    values = [el.get(name) for el, name in found]
    mode = m.rng.random()
    for element, name in m.rng.sample(found, min(len(found), m.rng.randint(1, 10))):
        if mode < 0.2:
            element.set(name, values[0])  # everything shares one GUID
        elif mode < 0.4:
            element.set(name, m.rng.choice(values))  # references to the wrong kind of thing
        else:
            guid = element.get(name) or _GUID
            element.set(name, m.rng.choice(
                ["", "not-a-guid", "{" + guid, guid.upper() + "}", "g" * 36, "x" * 100_000,
                 "00000000-0000-0000-0000-000000000000", guid[:-1], guid + guid, " " + guid]
            ))  # fmt: skip
    return _serialise(root)


def bad_paths(shape: XmlShape) -> ByteMutation:
    def mutation(data: bytes, m: Material) -> bytes:
        root = _root(data)
        found = _attributes(root, lambda name: _local(name) in shape.paths)
        for element, name in found:
            if m.rng.random() < 0.6:
                element.set(name, m.rng.choice(
                    ["../../../../etc/passwd", "/dev/zero", "file:///dev/zero", "", "sources",
                     "sources/", "internal://../../x.txt", "C:\\Windows\\win.ini",
                     "%2e%2e/%2e%2e/x.txt", "a" * 5000, "sources/project.qde", "project.qde",
                     "internal://sources/%ZZ", "sources/\x7f.txt"]
                ))  # fmt: skip
        return _serialise(root)

    mutation.__name__ = "bad_paths"
    return mutation


def element_ops(data: bytes, m: Material) -> bytes:
    """Elements deleted, repeated, moved under another or renamed."""
    root = _root(data)
    for _ in range(m.rng.randint(1, 6)):
        elements = _elements(root)[1:]
        if not elements:
            break
        element = m.rng.choice(elements)
        roll = m.rng.random()
        parent = element.getparent()
        if roll < 0.3 and parent is not None:
            parent.remove(element)
        elif roll < 0.6 and parent is not None:
            for _copy in range(m.rng.choice([1, 2, 50])):
                parent.append(etree.fromstring(etree.tostring(element), _PARSER))
        elif roll < 0.8:
            target = m.rng.choice(_elements(root))
            if element not in target.iterancestors() and element is not target:
                target.append(element)
        else:
            other = m.rng.choice(_elements(root)).tag
            element.tag = other if m.rng.random() < 0.5 else element.tag + "x"
    return _serialise(root)


_BAD_TEXT = (
    b"&#1;", b"&#xD800;", b"&#x110000;", b"\x01", b"]]>", b"<![CDATA[", b"<!-- -- -->", b"&",
    b"<", b"\xff\xfe", b"\xed\xa0\x80", b"\r\n", b"&amp", b"</>", b"<?pi", b"\x00",
)  # fmt: skip


def bad_characters(data: bytes, m: Material) -> bytes:
    out = data
    closings = [match.end() for match in re.finditer(rb">", data)] or [len(data)]
    for _ in range(m.rng.randint(1, 4)):
        at = m.rng.choice(closings)
        out = out[:at] + m.rng.choice(_BAD_TEXT) + out[at:]
    return out


def _or_bytes(mutation: ByteMutation) -> ByteMutation:
    """``mutation``, or bit flips where the bytes are not XML (a source file in a package)."""

    def guarded(data: bytes, m: Material) -> bytes:
        try:
            return mutation(data, m)
        except (etree.XMLSyntaxError, ValueError):
            return bit_flips(data, m)

    guarded.__name__ = mutation.__name__
    return guarded


def xml_mutations(shape: XmlShape) -> dict[str, ByteMutation]:
    """Every XML mutation, bound to ``shape``."""
    return {name: _or_bytes(mutation) for name, mutation in _bound(shape).items()}


def _bound(shape: XmlShape) -> dict[str, ByteMutation]:
    return {
        "unknown_encoding": unknown_encoding,
        "deep_nesting": deep_nesting(shape),
        "dtd_entities": dtd_entities,
        "wrong_namespace": wrong_namespace,
        "missing_attributes": missing_attributes,
        "huge_attribute": huge_attribute,
        "bad_offsets": bad_offsets(shape),
        "bad_guids": bad_guids,
        "bad_paths": bad_paths(shape),
        "element_ops": element_ops,
        "bad_characters": bad_characters,
    }
