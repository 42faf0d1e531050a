"""Reading XML from input files with defusedxml, within bounds of nesting depth and size.

Every XML read of an input file goes through here: DTDs, entities and external references are
refused, an XML declaration naming an encoding Python lacks is refused in a sentence, and the
parse stops as soon as the file nests deeper or holds more elements than any real file does,
so that neither the tree nor the recursive readers built on it can exhaust memory or the stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from storage.errors import ImportFileError

#: Elements in one file. A project of 150,000 codings has about half a million; a million
#: elements of a tree take a few hundred megabytes.
MAX_ELEMENTS: Final = 1_000_000

#: Nesting depth of elements. Word and OpenDocument texts stay within a few dozen levels
#: (libxml2, under python-docx, stops at 256 too); the recursive readers stay far from
#: Python's recursion limit.
MAX_DEPTH: Final = 256

_ENCODING: Final = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']{0,60})["']""")


class _OutOfBoundsError(Exception):
    """Raised inside the parser's callbacks to stop it; carries the sentence."""


class _Bounds:
    """Counts depth and elements as the parser reports them."""

    def __init__(self, name: str, max_depth: int, max_elements: int, too_deep: str | None):
        self.name = name
        self.max_depth = max_depth
        self.max_elements = max_elements
        self.too_deep = too_deep
        self.depth = 0
        self.elements = 0

    def enter(self) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > self.max_depth:
            raise _OutOfBoundsError(
                self.too_deep
                or f"“{self.name}” nests its elements more than {self.max_depth} levels deep, "
                "which no file Tillit reads does; it is damaged or not what its name says."
            )
        if self.elements > self.max_elements:
            raise _OutOfBoundsError(
                f"“{self.name}” holds more than {self.max_elements:,} XML elements, "
                "more than Tillit reads from one file."
            )


class _BoundedBuilder(TreeBuilder):
    """A tree builder that refuses a tree beyond the bounds."""

    def __init__(self, bounds: _Bounds) -> None:
        super().__init__()
        self._bounds = bounds

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._bounds.enter()
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._bounds.depth -= 1
        return super().end(tag)


class _Counter:
    """A parser target that builds nothing: for checking a file's XML as it streams by."""

    def __init__(self, bounds: _Bounds) -> None:
        self._bounds = bounds

    def start(self, _tag: str, _attrs: dict[str, str]) -> None:
        self._bounds.enter()

    def end(self, _tag: str) -> None:
        self._bounds.depth -= 1

    def data(self, _text: str) -> None:
        return None

    def close(self) -> None:
        return None


def parse_xml(
    data: bytes,
    name: str,
    *,
    damaged: str | None = None,
    unsafe: str | None = None,
    too_deep: str | None = None,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> Element:
    """The root element of the XML ``data`` of the file ``name`` (used in messages).

    Raises :class:`ImportFileError` for XML that declares entities or a document type (refused
    for safety; the sentence ``unsafe``, if given), that declares an encoding Python does not
    have, that nests deeper than ``max_depth`` (the sentence ``too_deep``, if given) or holds
    more than ``max_elements`` elements, or that is not well-formed (the sentence ``damaged``,
    if given).
    """
    bounds = _Bounds(name, max_depth, max_elements, too_deep)
    parser = _parser(_BoundedBuilder(bounds))
    root: Element = _run(parser, [data], data, name, damaged=damaged, unsafe=unsafe)
    return root


def check_xml(
    chunks: Iterable[bytes],
    name: str,
    *,
    damaged: str | None = None,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> None:
    """Check streamed XML as :func:`parse_xml` would, building no tree (memory stays small)."""
    bounds = _Bounds(name, max_depth, max_elements, None)
    first = bytearray()

    def remembered() -> Iterable[bytes]:
        for chunk in chunks:
            if len(first) < 200:
                first.extend(chunk[:200])
            yield chunk

    _run(_parser(_Counter(bounds)), remembered(), first, name, damaged=damaged, unsafe=None)


def _parser(target: object) -> DefusedXMLParser:
    return DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )


def _run(
    parser: DefusedXMLParser,
    chunks: Iterable[bytes],
    head: bytes | bytearray,
    name: str,
    *,
    damaged: str | None,
    unsafe: str | None,
) -> Element:
    try:
        for chunk in chunks:
            parser.feed(chunk)
        root: Element = parser.close()
    except _OutOfBoundsError as exc:
        raise ImportFileError(str(exc)) from exc
    except DefusedXmlException as exc:
        raise ImportFileError(
            unsafe
            or f"“{name}” declares entities or a document type, which Tillit refuses for safety."
        ) from exc
    except ParseError as exc:
        raise ImportFileError(damaged or f"“{name}” is not well-formed XML ({exc}).") from exc
    except (LookupError, ValueError) as exc:
        # The declaration's encoding is one Python lacks ("klingon"), is not a text encoding
        # ("rot13"), is multi-byte where expat takes single bytes, or does not fit the bytes.
        declared = _ENCODING.match(bytes(head[:200]))
        if declared is None:
            raise ImportFileError(damaged or f"“{name}” is not well-formed XML.") from exc
        encoding = declared.group(1).decode("ascii", "replace")
        raise ImportFileError(
            f"“{name}” declares its text in the encoding “{encoding}”, which Tillit cannot "
            "read; save it as UTF-8 and try again."
        ) from exc
    return root
