"""Tests for reading .vtt and .srt transcripts: voices, merged cues, times and errors."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from coding.importing import ImportDocuments
from coding.project import Project
from storage.errors import ImportFileError
from storage.formats.parsed import ParsedDocument
from storage.formats.transcript import read_transcript
from tests.storage.hostile_files import new_project, run_cli


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def turns(doc: ParsedDocument) -> list[tuple[str | None, int | None, int | None, str]]:
    return [
        (unit.speaker, unit.start_ms, unit.end_ms, doc.text[unit.start : unit.end])
        for unit in doc.paragraphs
    ]


def assert_researcher_message(error: ImportFileError, file_name: str) -> None:
    message = str(error)
    assert f"“{file_name}”" in message
    assert "Traceback" not in message
    assert not re.search(r"[A-Z]\w*(Error|Exception)|Malformed", message)


TEAMS_VTT = """WEBVTT

e5b3c6a2-1/12-0
00:00:01.000 --> 00:00:03.500
<v Kari Nordmann>Hei, og velkommen</v>

e5b3c6a2-1/15-0
00:00:03.500 --> 00:00:05.000
<v Kari Nordmann>til intervjuet. 😀</v>

e5b3c6a2-1/20-0
00:00:05.200 --> 00:00:07.000
<v.loud Bjørn Åsmund>Takk <c.yellow>skal</c> du <i>ha</i> &amp; <00:00:06.000>hei.</v>

00:00:07.000 --> 00:01:02.250
<v Kari Nordmann>Første spørsmål:
hvordan er tilliten?</v>
"""


def test_vtt_voices_merge_consecutive_cues_of_one_speaker(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "møte.vtt", TEAMS_VTT))
    assert turns(doc) == [
        ("Kari Nordmann", 1_000, 5_000, "Kari Nordmann: Hei, og velkommen til intervjuet. 😀"),
        ("Bjørn Åsmund", 5_200, 7_000, "Bjørn Åsmund: Takk skal du ha & hei."),
        (
            "Kari Nordmann",
            7_000,
            62_250,
            "Kari Nordmann: Første spørsmål: hvordan er tilliten?",
        ),
    ]
    assert doc.text.count("\n") == 2
    assert doc.source_format == "vtt"
    assert doc.encoding is None
    assert doc.name == "møte"


def test_vtt_with_two_voices_in_one_cue(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Kari>Hei?</v>\n<v Ola>Hallo.</v>\n"
    doc = read_transcript(write(tmp_path, "to.vtt", text))
    assert [(s, t) for s, _, _, t in turns(doc)] == [("Kari", "Kari: Hei?"), ("Ola", "Ola: Hallo.")]


ZOOM_VTT = """WEBVTT

1
00:00:00.500 --> 00:00:02.000
Kari Nordmann: Er alle her?

2
00:00:02.000 --> 00:00:04.000
Ola: Ja.

3
00:00:04.000 --> 00:00:06.000
Ola: Jeg er her.

4
00:00:06.000 --> 00:00:08.000
Kari Nordmann: Bra: da starter vi.
"""


def test_zoom_name_prefixes_are_speakers(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "zoom.vtt", ZOOM_VTT))
    assert turns(doc) == [
        ("Kari Nordmann", 500, 2_000, "Kari Nordmann: Er alle her?"),
        ("Ola", 2_000, 6_000, "Ola: Ja. Jeg er her."),
        ("Kari Nordmann", 6_000, 8_000, "Kari Nordmann: Bra: da starter vi."),
    ]


WHISPER_SRT = """1
00:00:00,000 --> 00:00:05,000
Hei og velkommen.

2
00:00:05,000 --> 00:00:09,500
Dette er et <i>intervju</i>
om tillit.
3
00:00:09,500 --> 00:00:12,250
{\\an8}Merk: ferdig.
"""


def test_srt_without_speakers_keeps_one_unit_per_cue(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "whisper.srt", WHISPER_SRT))
    assert turns(doc) == [
        (None, 0, 5_000, "Hei og velkommen."),
        (None, 5_000, 9_500, "Dette er et intervju om tillit."),
        (None, 9_500, 12_250, "Merk: ferdig."),
    ]
    assert doc.source_format == "srt"


def test_srt_with_bom_and_crlf(tmp_path: Path) -> None:
    text = "\ufeff" + WHISPER_SRT.replace("\n", "\r\n")
    doc = read_transcript(write(tmp_path, "windows.srt", text))
    assert doc.text == "Hei og velkommen.\nDette er et intervju om tillit.\nMerk: ferdig."
    assert [unit.start_ms for unit in doc.paragraphs] == [0, 5_000, 9_500]


def test_srt_in_cp1252_and_utf16(tmp_path: Path) -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nSjåføren bør være økonomisk\n"
    for encoding in ("cp1252", "utf-16"):
        doc = read_transcript(write(tmp_path, f"{encoding}.srt", text, encoding))
        assert doc.text == "Sjåføren bør være økonomisk"


def test_vtt_without_header_is_tolerated(tmp_path: Path) -> None:
    text = "00:00:01.000 --> 00:00:02.000\nUten topp.\n\n00:00:02.000 --> 00:00:03,000\nJa.\n"
    doc = read_transcript(write(tmp_path, "uten.vtt", text))
    assert turns(doc) == [(None, 1_000, 2_000, "Uten topp."), (None, 2_000, 3_000, "Ja.")]


def test_srt_file_that_is_really_webvtt(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "feil.srt", TEAMS_VTT))
    assert doc.paragraphs[0].speaker == "Kari Nordmann"
    assert doc.source_format == "srt"


def test_vtt_text_is_nfc(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\nBjo\u0308rn A\u030asmund\n"
    doc = read_transcript(write(tmp_path, "nfd.vtt", text))
    assert doc.text == "Björn Åsmund"


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        (
            "x.vtt",
            "WEBVTT\n\n00:00:01.000 --> tull\nTekst\n",
            "the cue time on line 3 (“00:00:01.000 --> tull”) cannot",
        ),
        ("x.srt", "1\n00:00:01,000 --> 00:00:02,000\nOk\n\n2\n00:01 --> 00:02\nNei\n", "line 6"),
        ("x.vtt", "WEBVTT\n\n00:61:00.000 --> 00:62:00.000\nTekst\n", "line 3"),
        ("x.vtt", "Dette er bare vanlig tekst.\nIngen tider her.\n", "no cue times"),
        ("x.srt", "1\nHei\n", "no cue times"),
    ],
    ids=["bad-vtt-time", "bad-srt-time", "minutes-over-59", "plain-text", "srt-no-times"],
)
def test_malformed_subtitles_are_refused(tmp_path: Path, name: str, text: str, reason: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write(tmp_path, name, text))
    message = str(caught.value)
    assert message.startswith(f"“{name}” is not a valid subtitle file: ")
    assert reason in message
    assert_researcher_message(caught.value, name)


@pytest.mark.parametrize(
    "text",
    ["", "  \n", "WEBVTT\n", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Kari></v>\n"],
    ids=["zero-bytes", "blank", "header-only", "empty-cue"],
)
def test_subtitles_without_text_are_empty(tmp_path: Path, text: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write(tmp_path, "tom.vtt", text))
    assert str(caught.value) == "“tom.vtt” is empty: there is no text to import."


def test_binary_file_named_srt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "video.srt"
    path.write_bytes(codecs.BOM_UTF8[:1] + bytes(range(256)) * 4)
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert "is not a text file" in str(caught.value)
    assert_researcher_message(caught.value, "video.srt")


OUT_OF_ORDER_SRT = """1
00:00:05,000 --> 00:00:08,000
Kari: Først dette.

2
00:00:01,000 --> 00:00:03,000
Kari: Så dette, som står tidligere.

3
00:00:10,000 --> 00:00:09,000
Ola: Et svar som slutter før det begynner.

4
00:00:12,000 --> 00:00:14,000
Ola: Og et vanlig svar.
"""


def test_cues_out_of_order_keep_the_file_s_order_and_are_reported(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "uorden.srt", OUT_OF_ORDER_SRT))
    assert turns(doc) == [
        ("Kari", 1000, 8000, "Kari: Først dette. Så dette, som står tidligere."),
        ("Ola", 10000, 14000, "Ola: Et svar som slutter før det begynner. Og et vanlig svar."),
    ]
    assert doc.warnings == (
        "“uorden.srt”: 1 cue ends before it starts; Tillit kept it with the end set to the "
        "start (cue 3, 00:00:10.000 --> 00:00:09.000).",
        "“uorden.srt”: 1 cue starts before the cue above; Tillit kept the file's order, so the "
        "times of its turns do not always go forward (cue 2 at 00:00:01.000, after "
        "00:00:05.000).",
    )


def test_cues_without_speakers_out_of_order_never_end_before_they_start(tmp_path: Path) -> None:
    cues = [(9, 7), (2, 4), (3, 1), (1, 2)]
    text = "WEBVTT\n\n" + "".join(
        f"00:00:{start:02}.000 --> 00:00:{end:02}.000\nreplikk {n}\n\n"
        for n, (start, end) in enumerate(cues)
    )
    doc = read_transcript(write(tmp_path, "uorden.vtt", text))
    assert [(unit.start_ms, unit.end_ms) for unit in doc.paragraphs] == [
        (9000, 9000),
        (2000, 4000),
        (3000, 3000),
        (1000, 2000),
    ]
    assert doc.text.split("\n") == [f"replikk {n}" for n in range(4)]
    assert [warning.split(";")[0] for warning in doc.warnings] == [
        "“uorden.vtt”: 2 cues end before they start",
        "“uorden.vtt”: 2 cues start before the cue above",
    ]
    assert "(the first is cue 1, 00:00:09.000 --> 00:00:07.000)" in doc.warnings[0]


def test_cues_in_order_give_no_warning(tmp_path: Path) -> None:
    assert read_transcript(write(tmp_path, "teams.vtt", TEAMS_VTT)).warnings == ()


def test_import_of_cues_out_of_order_stores_no_turn_ending_before_it_starts(
    tmp_path: Path,
) -> None:
    project = tmp_path / "p.tillit"
    new_project(project)
    run = run_cli("import", project, write(tmp_path, "uorden.srt", OUT_OF_ORDER_SRT))
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    with Project.open(project) as opened, opened.read() as tx:
        [document] = tx.documents.summaries()
        stored = [(p.start_ms, p.end_ms) for p in tx.documents.paragraphs(document.id)]
    assert stored == [(1000, 8000), (10000, 14000)]
    command = ImportDocuments(Project.create(tmp_path / "q.tillit"), [tmp_path / "uorden.srt"])
    command.do()
    command.project.close()
    assert len(command.warnings) == 2 and command.warnings[0].startswith("“uorden.srt”: 1 cue")
