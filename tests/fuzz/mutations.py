"""Mutations of raw bytes and of transcript text, each deterministic from the case's generator.

A byte mutation takes the seed's bytes and the case's :class:`Material` and returns new bytes;
:func:`as_file` turns it into a mutator that writes the input file.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Material:
    """What a mutator works from: the seed, its siblings, the case's generator and folder."""

    seed: Path
    others: tuple[Path, ...]
    rng: random.Random
    folder: Path
    huge: int  # the most bytes a mutation may add in one go

    def output(self, name: str | None = None) -> Path:
        return self.folder / (name or self.seed.name)


ByteMutation = Callable[[bytes, Material], bytes]
Mutator = Callable[[Material], Path]


def as_file(mutation: ByteMutation) -> Mutator:
    """A mutator writing ``mutation`` of the seed's bytes under the seed's name."""

    def mutate(material: Material) -> Path:
        path = material.output()
        path.write_bytes(mutation(material.seed.read_bytes(), material))
        return path

    mutate.__name__ = mutation.__name__
    return mutate


# --- bytes ------------------------------------------------------------------------------------

_INTERESTING = b"\x00\xff\x7f\x80\x0a\x0d\x1a\x3c\x3e\x26\x22\x27\x5c\xc3\xef\xfe"


def bit_flips(data: bytes, m: Material) -> bytes:
    out = bytearray(data)
    for _ in range(m.rng.randint(1, 32)):
        if out:
            out[m.rng.randrange(len(out))] ^= 1 << m.rng.randrange(8)
    return bytes(out)


def byte_overwrite(data: bytes, m: Material) -> bytes:
    out = bytearray(data)
    for _ in range(m.rng.randint(1, 16)):
        if out:
            out[m.rng.randrange(len(out))] = m.rng.choice(_INTERESTING)
    return bytes(out)


def truncation(data: bytes, m: Material) -> bytes:
    return data[: m.rng.randrange(1, max(2, len(data)))]


def random_insertion(data: bytes, m: Material) -> bytes:
    at = m.rng.randrange(len(data) + 1)
    return data[:at] + m.rng.randbytes(m.rng.randint(1, 4096)) + data[at:]


def huge_insertion(data: bytes, m: Material) -> bytes:
    """A chunk of up to ``m.huge`` bytes: one letter, NULs, a random block or a text line."""
    size = m.rng.randint(m.huge // 4, m.huge)
    unit = m.rng.choice(
        [b"A", b"\x00", m.rng.randbytes(4096), "Før 😀 ".encode(), b"P1: ja\n", b"\n"]
    )
    at = m.rng.randrange(len(data) + 1)
    return data[:at] + (unit * (size // len(unit) + 1))[:size] + data[at:]


def duplication(data: bytes, m: Material) -> bytes:
    start = m.rng.randrange(len(data) or 1)
    piece = data[start : start + m.rng.randint(1, max(1, len(data) - start))]
    at = m.rng.randrange(len(data) + 1)
    return data[:at] + piece * m.rng.randint(1, 64) + data[at:]


def deletion(data: bytes, m: Material) -> bytes:
    start = m.rng.randrange(len(data) or 1)
    return data[:start] + data[start + m.rng.randint(1, max(1, len(data) // 4)) :]


def splice(data: bytes, m: Material) -> bytes:
    """The head of this seed joined to the tail of another (of any format)."""
    other = m.rng.choice(m.others).read_bytes() if m.others else data
    return data[: m.rng.randrange(len(data) + 1)] + other[m.rng.randrange(len(other) + 1) :]


def repetition(data: bytes, m: Material) -> bytes:
    return data * m.rng.randint(2, max(2, min(200, m.huge // max(1, len(data)))))


BYTE_MUTATIONS: dict[str, ByteMutation] = {
    "bit_flips": bit_flips,
    "byte_overwrite": byte_overwrite,
    "truncation": truncation,
    "random_insertion": random_insertion,
    "huge_insertion": huge_insertion,
    "duplication": duplication,
    "deletion": deletion,
    "splice": splice,
    "repetition": repetition,
}

# --- transcript text --------------------------------------------------------------------------

# Bytes and text that decoders, normalisers and the speaker recogniser trip over.
_SNIPPETS: tuple[bytes, ...] = (
    b"\xed\xa0\x80",  # a UTF-16 surrogate encoded in UTF-8
    b"\xc0\xaf",  # an overlong slash
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xef\xbb\xbf",  # a BOM in the middle
    b"\xff\xfe",
    b"\r",
    b"\r\r\n",
    b"\x1a",
    b"\x0b\x0c",
    b"\x00",
    b"\x1b[31m",
    "\u2028\u2029\x85".encode(),
    "\u202e\u200b\ufeff\ufffe\U0010ffff".encode(),
    "👩‍👩‍👧‍👦🇳🇴🏳️‍🌈".encode(),
    ("e" + "\u0301" * 5000).encode(),
    b"\nINT:\nP1: \n[00:01:02] Kari Nordmann:\n",
    b"\n**INT:** hei\n[Kari]\nKari Nordmann  00:03\n",
    b"\n00:00:01.000 --> 00:00:02.000\n",
    b"\nWEBVTT\nNOTE x\n\n",
    b"<v Kari>hei</v><c.x><i>&amp;&#0;&#xD800;&bogus;",
    b"{\\an8}{\\i1}",
    ("\n" + "A" * 5000 + ": hei").encode(),
    ("\n" + "Åse " * 2000 + "00:01").encode(),
)


def snippet_insertion(data: bytes, m: Material) -> bytes:
    out = data
    for _ in range(m.rng.randint(1, 8)):
        at = m.rng.randrange(len(out) + 1)
        out = out[:at] + m.rng.choice(_SNIPPETS) * m.rng.choice((1, 1, 3, 100)) + out[at:]
    return out


def long_line(data: bytes, m: Material) -> bytes:
    """One line of up to ``m.huge`` bytes without a line end: prose, a label or separators."""
    unit = m.rng.choice([b"ord ", "Bjørn Åsmund ".encode(), b"INT", b"-->", b"::", b"[0"])
    size = m.rng.randint(m.huge // 4, m.huge)
    return data + b"\n" + (unit * (size // len(unit) + 1))[:size]


def many_turns(data: bytes, m: Material) -> bytes:
    """Tens of thousands of short speaker turns, a transcript's worst case for unit building."""
    count = m.rng.randint(10_000, max(10_001, m.huge // 16))
    names = ["INT", "P1", "Kari Nordmann", "[00:00:01] P2", "**INT:**"]
    lines = [f"{m.rng.choice(names)}: ja {n}" for n in range(count)]
    return data + ("\n".join(lines)).encode()


def blank_lines(data: bytes, m: Material) -> bytes:
    breaks = m.rng.choice([b"\n", b"\r\n", b"\r", b" \t\n"])
    return data + breaks * m.rng.randint(10_000, max(10_001, m.huge // 4)) + b"x"


def combining_flood(data: bytes, m: Material) -> bytes:
    """A base letter followed by up to a million combining marks (NFC's worst case)."""
    marks = m.rng.choice(["\u0301", "\u0308\u030a", "\u0338\u20dd"])
    return data + ("a" + marks * m.rng.randint(1000, max(1001, m.huge // 8))).encode()


def reencoding(data: bytes, m: Material) -> bytes:
    """The seed's text (read as UTF-8 where it can be) written in another encoding."""
    text = data.decode("utf-8", "replace")
    codec = m.rng.choice(
        ["utf-32", "utf-16-le", "utf-16-be", "utf-7", "cp1252", "mac_roman", "cp865",
         "koi8_r", "shift_jis", "gb18030", "cp037", "utf-8-sig"]
    )  # fmt: skip
    encoded = text.encode(codec, "replace")
    if m.rng.random() < 0.3:
        encoded = encoded[:-1]  # an odd length, a cut character
    return encoded


def mixed_encodings(data: bytes, m: Material) -> bytes:
    text = data.decode("utf-8", "replace")
    half = len(text) // 2
    return text[:half].encode("utf-8") + text[half:].encode("cp1252", "replace")


TEXT_MUTATIONS: dict[str, ByteMutation] = {
    "snippet_insertion": snippet_insertion,
    "long_line": long_line,
    "many_turns": many_turns,
    "blank_lines": blank_lines,
    "combining_flood": combining_flood,
    "reencoding": reencoding,
    "mixed_encodings": mixed_encodings,
}

# --- subtitles --------------------------------------------------------------------------------

_BLOCKS = re.compile(rb"\r?\n\r?\n")
_TIMING = re.compile(rb"(\S+)\s*-->\s*(\S+)")
_ODD_TIMES = (
    b"99999:59:59.999", b"00:61:00.000", b"-00:00:01.000", b"00:00:01.1234567", b"1:2:3,4",
    b"00:00:05,000", b"00:00.000", b"\xd9\xa3:00:00.000", b"00:00:01.000-->", b"",
    b"00:00:00.000 --> 00:00:00.000 --> 00:00:01.000", b"4294967296:00:00.000",
)  # fmt: skip


def _blocks(data: bytes) -> list[bytes]:
    return [block for block in _BLOCKS.split(data) if block.strip()]


def cue_shuffle(data: bytes, m: Material) -> bytes:
    """Cues out of order: header kept first or not, the rest shuffled."""
    blocks = _blocks(data)
    head = blocks[:1] if m.rng.random() < 0.7 else []
    rest = blocks[len(head) :]
    m.rng.shuffle(rest)
    return b"\n\n".join(head + rest) + b"\n"


def cue_times(data: bytes, m: Material) -> bytes:
    """Timings reversed, overlapping, out of range or unreadable."""

    def retime(match: re.Match[bytes]) -> bytes:
        roll = m.rng.random()
        if roll < 0.3:
            return match.group(2) + b" --> " + match.group(1)  # ends before it starts
        if roll < 0.5:
            return match.group(1) + b" --> " + match.group(1)
        first, second = m.rng.choice(_ODD_TIMES), m.rng.choice((match.group(2), *_ODD_TIMES))
        return first + b" --> " + second

    return _TIMING.sub(lambda match: retime(match) if m.rng.random() < 0.5 else match[0], data)


def cue_structure(data: bytes, m: Material) -> bytes:
    """Blank lines dropped or doubled, cues repeated, settings and blocks of junk added."""
    blocks = _blocks(data)
    junk = [
        b"NOTE " + m.rng.randbytes(40),
        b"STYLE\n::cue { color: red }",
        b"REGION\nid:x width:4000%",
        b"00:00:01.000 --> 00:00:02.000 line:-1000% position:abc align:\xff",
        b"<v Kari" + b"<c>" * 500 + b"hei",
        b"12345678901234567890\n00:00:01,000 --> 00:00:02,000",
        b"-->",
        b"WEBVTT",
    ]
    for _ in range(m.rng.randint(1, 6)):
        roll = m.rng.random()
        at = m.rng.randrange(len(blocks) + 1)
        if roll < 0.4:
            blocks.insert(at, m.rng.choice(junk))
        elif roll < 0.7 and blocks:
            blocks.insert(at, m.rng.choice(blocks) * m.rng.randint(1, 3))
        elif blocks:
            del blocks[m.rng.randrange(len(blocks))]
    separator = m.rng.choice([b"\n\n", b"\n", b"\r\n\r\n", b"\n\n\n\n"])
    return separator.join(blocks) + b"\n"


def many_cues(data: bytes, m: Material) -> bytes:
    count = m.rng.randint(2_000, max(2_001, m.huge // 64))
    srt = not data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT")
    parts = [b"" if srt else b"WEBVTT\n"]
    for n in range(count):
        seconds = m.rng.randrange(36_000)
        stamp = f"{seconds // 3600:02}:{seconds // 60 % 60:02}:{seconds % 60:02}"
        mark = "," if srt else "."
        cue = f"{n + 1}\n{stamp}{mark}000 --> {stamp}{mark}900\n<v P{n % 3}>ord {n}</v>\n"
        parts.append(cue.encode())
    return b"\n".join(parts)


SUBTITLE_MUTATIONS: dict[str, ByteMutation] = {
    "cue_shuffle": cue_shuffle,
    "cue_times": cue_times,
    "cue_structure": cue_structure,
    "many_cues": many_cues,
}
