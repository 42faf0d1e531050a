"""Tests for recognising speaker turns: labels, timestamps and the guard against prose."""

from __future__ import annotations

from collections import Counter

import pytest

from storage.formats.speakers import (
    accepted_speakers,
    build_units,
    find_turns,
    is_speaker_name,
    is_timestamp,
    speaker_prefix,
    timestamp_ms,
    transcript_row,
)
from storage.formats.text_file import paragraph_spans


def units(text: str) -> list[tuple[str | None, int | None, str]]:
    return [
        (unit.speaker, unit.start_ms, text[unit.start : unit.end])
        for unit in build_units(text, paragraph_spans(text))
    ]


def speakers(text: str) -> list[str | None]:
    return [turn.speaker for turn in find_turns(text, len(paragraph_spans(text)))]


# --- positive cases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INT: Hei.\nIP: Hallo.\nINT: Hvordan går det?\nIP: Bra.", ["INT", "IP", "INT", "IP"]),
        ("P1: ja\nP2: nei\nP1: kanskje", ["P1", "P2", "P1"]),
        ("I: Spørsmål?\nR: Svar.", ["I", "R"]),
        (
            "Intervjuer: Velkommen.\nInformant 3: Takk.\nIntervjuer: Start.\nInformant 3: Ok.",
            ["Intervjuer", "Informant 3", "Intervjuer", "Informant 3"],
        ),
        (
            "Kari Nordmann: Hei.\nBjørn Åsmund: Hei, Kari.\nKari Nordmann: Ja?\nBjørn Åsmund: Nei.",
            ["Kari Nordmann", "Bjørn Åsmund", "Kari Nordmann", "Bjørn Åsmund"],
        ),
        ("[Kari] hei\n[Ola]: hallo\n[Kari] ja\n[Ola] nei", ["Kari", "Ola", "Kari", "Ola"]),
        ("**INT:** Hei.\n\n**IP:** Hallo.\n\n**INT**: Ja.", ["INT", "IP", "INT"]),
        ("  INT: innrykket\n  IP: også", ["INT", "IP"]),
    ],
    ids=[
        "int-ip",
        "p-numbers",
        "i-r",
        "roles",
        "norwegian-names",
        "brackets",
        "markdown",
        "indent",
    ],
)
def test_speaker_labels_are_recognised(text: str, expected: list[str]) -> None:
    assert speakers(text) == expected


def test_label_stays_in_the_text_and_turn_spans_continuation_lines() -> None:
    text = "Tittel\n\nINT: Hei.\nIP: Ja, altså.\nDet er slik.\n\n\nINT: Takk.\n\n"
    assert units(text.rstrip()) == [
        (None, None, "Tittel"),
        ("INT", None, "INT: Hei."),
        ("IP", None, "IP: Ja, altså.\nDet er slik."),
        ("INT", None, "INT: Takk."),
    ]


def test_teams_lines_name_and_time_then_utterance() -> None:
    text = (
        "Kari Nordmann  00:03\nHei, velkommen.\nFint at du kom.\n\n"
        "Bjørn Åsmund 0:15\nTakk.\n\n"
        "Kari Nordmann   1:02:03\nSkal vi starte?"
    )
    assert units(text) == [
        ("Kari Nordmann", 3_000, "Kari Nordmann  00:03\nHei, velkommen.\nFint at du kom."),
        ("Bjørn Åsmund", 15_000, "Bjørn Åsmund 0:15\nTakk."),
        ("Kari Nordmann", 3_723_000, "Kari Nordmann   1:02:03\nSkal vi starte?"),
    ]


def test_whisper_lines_have_times_and_no_speaker() -> None:
    text = (
        "[00:00.000 --> 00:05.000]  Hei og velkommen.\n"
        "[00:05.000 --> 00:09.500]  Dette er et intervju.\n"
        "[01:00:09.500 --> 01:00:12.250]  Ferdig."
    )
    turns = find_turns(text, 3)
    assert [(t.speaker, t.start_ms, t.end_ms) for t in turns] == [
        (None, 0, 5_000),
        (None, 5_000, 9_500),
        (None, 3_609_500, 3_612_250),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[00:01:02] Kari: hei\n[00:01:05] Ola: hallo", [("Kari", 62_000), ("Ola", 65_000)]),
        ("00:01:02 Kari: hei\n00:01:05 Ola: hallo", [("Kari", 62_000), ("Ola", 65_000)]),
        ("(00:12:03) INT: hva\n(00:12:09) IP: det", [("INT", 723_000), ("IP", 729_000)]),
        (
            "Kari Nordmann (00:00:05):\nhei\nOla (00:00:09):\nhallo\nKari Nordmann (00:00:12):\nja",
            [("Kari Nordmann", 5_000), ("Ola", 9_000), ("Kari Nordmann", 12_000)],
        ),
        ("[Kari] 10:01:02\nhei\n[Kari] 10:01:09\nja", [("Kari", 36_062_000), ("Kari", 36_069_000)]),
        ("Kari: [00:00:05] hei\nOla: [00:00:07] hallo", [("Kari", 5_000), ("Ola", 7_000)]),
        ("[00:00:05] hei\n[00:00:07] hallo", [(None, 5_000), (None, 7_000)]),
    ],
    ids=["bracket-time", "bare-time", "paren-time", "rev", "zoom-txt", "time-after", "time-only"],
)
def test_timestamped_transcript_lines(text: str, expected: list[tuple[str | None, int]]) -> None:
    turns = find_turns(text, len(paragraph_spans(text)))
    assert [(t.speaker, t.start_ms) for t in turns] == expected


def test_whisperx_speaker_after_the_time_range() -> None:
    text = "[00:00.000 --> 00:02.000] SPEAKER_00: hei\n[00:02.000 --> 00:04.000] SPEAKER_01: hallo"
    assert speakers(text) == ["SPEAKER_00", "SPEAKER_01"]


def test_unlabelled_preamble_stays_paragraph_units() -> None:
    text = "Prosjekt: Tillit\nDato: 3. mars\nSted: Bergen\nINT: Hei.\nIP: Hallo.\nINT: Ja."
    assert units(text)[:3] == [
        (None, None, "Prosjekt: Tillit"),
        (None, None, "Dato: 3. mars"),
        (None, None, "Sted: Bergen"),
    ]
    assert [speaker for speaker, _, _ in units(text)[3:]] == ["INT", "IP", "INT"]


def test_preamble_block_is_cut_where_the_first_turn_starts() -> None:
    text = "Tittel\nINT: Hei.\nIP: Ja.\nINT: Ok.\n\nIP: Nei."
    spans = [(0, len(text))]  # e.g. one Word paragraph with soft line breaks
    result = build_units(text, spans)
    assert [text[u.start : u.end] for u in result][:2] == ["Tittel", "INT: Hei."]


# --- negative cases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Merk: dette er viktig.\n\nVi gikk videre.\n\nMerk: igjen.\n\nOg så videre.\n\nMerk: tre.",
        "Note: first.\nSome prose here.\nNote: second.\nMore prose.",
        "Det er tre ting: a, b og c.\nSå kom vi fram.\nJeg sa det slik: nei.\nFerdig.",
        "Tillit: et begrep.\nAutonomi: et annet.\nLedelse: et tredje.\nStyring: et fjerde.",
        "Lunsj 12:00\nMøte 13:00\nKaffe 14:30",
        "Kl. 10:30: møte\nKl. 11:30: lunsj",
        "Se http://example.no og https://example.com\nmailto: ingen",
        "Bare én linje: med kolon.",
    ],
    ids=["merk", "note", "sentences", "glossary", "agenda", "clock", "urls", "one-line"],
)
def test_prose_is_not_turned_into_turns(text: str) -> None:
    assert speakers(text) == []


def test_a_few_labelled_lines_in_long_prose_are_not_turns() -> None:
    prose = "\n\n".join(f"Avsnitt {n} om tillit i kommunen." for n in range(30))
    text = f"Kari: sa noe.\n\n{prose}\n\nKari: sa noe mer.\n\nOla: svarte.\n\nOla: igjen."
    assert speakers(text) == []


def test_a_single_turn_is_not_a_transcript() -> None:
    assert speakers("INT: Hei.\nDet var alt.") == []


def test_labels_longer_than_forty_characters_are_ignored() -> None:
    name = "Abcdefghij Klmnopqrst Uvwxyzabcd Efghijklmn"
    assert speakers(f"{name}: a\n{name}: b\n{name}: c") == []


# --- helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        ("00:03", 3_000),
        ("0:03", 3_000),
        ("1:02:03", 3_723_000),
        ("00:00:01,5", 1_500),
        ("00:00.250", 250),
        ("12:34:56.789", 45_296_789),
    ],
)
def test_timestamp_ms(value: str, ms: int) -> None:
    assert timestamp_ms(value) == ms


def test_speaker_name_and_timestamp_checks() -> None:
    assert is_speaker_name("Kari Nordmann")
    assert is_speaker_name("INT:")
    assert is_speaker_name("Bjørn Åsmund")
    assert not is_speaker_name("1")
    assert not is_speaker_name("Dette er en hel setning med mange ord")
    assert not is_speaker_name("Merk")
    assert is_timestamp("[00:01:02]")
    assert not is_timestamp("Kari")


def test_speaker_prefix_splits_name_and_utterance() -> None:
    assert speaker_prefix("Kari Nordmann: hei på deg") == ("Kari Nordmann", "hei på deg")
    assert speaker_prefix("ingen etikett her") is None
    assert speaker_prefix("Kari:") is None


def test_accepted_speakers_need_repetition_or_a_role() -> None:
    counts = Counter({"kari": 2, "ola": 1, "int": 1, "merk": 5})
    assert accepted_speakers(counts) == frozenset({"kari", "int"})


def test_transcript_table_rows_become_labelled_lines() -> None:
    assert transcript_row([["Kari"], ["Hei.", "Mer tekst."]]) == ["Kari: Hei.", "Mer tekst."]
    assert transcript_row([["INT:"], ["Hva?"]]) == ["INT: Hva?"]
    assert transcript_row([["00:01:02"], ["Ola"], ["Ja."]]) == ["00:01:02 Ola: Ja."]
    assert transcript_row([[], ["Fortsettelse."]]) == ["Fortsettelse."]
    long_first = ["En lang celle som ikke er et navn, men en setning."]
    assert transcript_row([long_first, ["b"]]) == [*long_first, "b"]
    assert transcript_row([["a"], ["b"], ["c"]]) == ["a", "b", "c"]
    assert transcript_row([["a2"], [], ["c2"]]) == ["a2", "c2"]
