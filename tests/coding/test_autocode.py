"""Auto-coding search hits by hit, paragraph or speaker turn, and coding a speaker's turns."""

from __future__ import annotations

import re

import pytest

from coding import queries
from coding.autocode import AutoCode, CodeSpeakerTurns, SpeakerSummary, Unit, speakers
from coding.codebook import AddCode
from coding.codings import ApplyCoding
from coding.errors import CodingError, InvalidSpanError, NotFoundError
from coding.project import Project
from storage.formats.parsed import ParsedParagraph
from tests.conftest import add_document

#: Paragraphs 1 and 2 are one turn of P3 (written two ways); paragraph 4 has no speaker.
TEXT = "\n".join(
    [
        "INT: Hva betyr tillit for deg?",
        "P3: Tillit er frihet, og tillit er ansvar.",
        "p3 : Men tilliten må vi fortjene.",
        "INT: Og kontrollen?",
        "Kontrollen var minuttstyring.",
        "P3: Nå har vi tillit igjen.",
    ]
)
LINES = TEXT.split("\n")


def para(index: int) -> tuple[int, int]:
    """The span of paragraph ``index`` (one line each)."""
    start = sum(len(line) + 1 for line in LINES[:index])
    return start, start + len(LINES[index])


def hits_of(document_id: int, word: str, text: str = TEXT) -> list[tuple[int, int, int]]:
    return [(document_id, m.start(), m.end()) for m in re.finditer(word, text, re.IGNORECASE)]


@pytest.fixture
def doc(project: Project) -> int:
    return add_document(project, "Intervju P3", TEXT)


@pytest.fixture
def code_id(project: Project) -> int:
    command = AddCode(project, name="Autonomi")
    command.do()
    assert command.code_id is not None
    return command.code_id


def spans(project: Project) -> list[tuple[int, int, int]]:
    return [(c.document_id, c.start, c.end) for c in queries.codings(project)]


def test_hit_unit_codes_each_hit_with_its_text(project: Project, doc: int, code_id: int) -> None:
    hits = hits_of(doc, "tillit")
    command = AutoCode(project, hits, Unit.HIT, code_id=code_id)
    changes = command.do()
    assert spans(project) == hits
    assert {c.text.lower() for c in queries.codings(project)} == {"tillit"}
    assert command.label == "Code 5 passages with “Autonomi”"
    assert changes.documents == {doc}
    assert changes.codings == set(command.coding_ids)
    assert changes.counted == {code_id}
    assert not changes.code_tree


def test_paragraph_unit_codes_each_paragraph_once(project: Project, doc: int, code_id: int) -> None:
    command = AutoCode(project, hits_of(doc, "tillit"), Unit.PARAGRAPH, code_id=code_id)
    command.do()
    # Two hits in paragraph 1 code it once.
    assert spans(project) == [(doc, *para(0)), (doc, *para(1)), (doc, *para(2)), (doc, *para(5))]
    assert queries.codings(project)[1].text == LINES[1]
    assert command.label == "Code 4 passages with “Autonomi”"


def test_turn_unit_codes_the_whole_turn(project: Project, doc: int, code_id: int) -> None:
    hit = hits_of(doc, "tilliten")  # in paragraph 2, the second of P3's first turn
    hits = [*hit, *hits_of(doc, "minuttstyring")]  # in paragraph 4, which has no speaker
    AutoCode(project, hits, "turn", code_id=code_id).do()
    assert spans(project) == [(doc, para(1)[0], para(2)[1]), (doc, *para(4))]


def test_a_hit_across_paragraphs_codes_each_or_the_union_of_turns(
    project: Project, doc: int, code_id: int
) -> None:
    across = (doc, para(2)[0] + 5, para(3)[0] + 3)  # from P3's turn into the interviewer's
    AutoCode(project, [across], Unit.PARAGRAPH, code_id=code_id).do()
    assert spans(project) == [(doc, *para(2)), (doc, *para(3))]
    other = AddCode(project, name="Turer")
    other.do()
    AutoCode(project, [across], Unit.TURN, code_id=other.code_id).do()
    turns = [(c.start, c.end) for c in queries.codings(project, code_id=other.code_id)]
    assert turns == [(para(1)[0], para(3)[1])]


def test_overlapping_and_duplicate_hits_merge(project: Project, doc: int, code_id: int) -> None:
    command = AutoCode(project, [(doc, 0, 10), (doc, 5, 15), (doc, 5, 15)], code_id=code_id)
    command.do()
    assert spans(project) == [(doc, 0, 15)]
    assert command.label == "Code 1 passage with “Autonomi”"


def test_passages_already_coded_are_skipped(project: Project, doc: int, code_id: int) -> None:
    ApplyCoding(project, doc, [para(1)], code_id=code_id).do()
    command = AutoCode(project, hits_of(doc, "tillit"), Unit.PARAGRAPH, code_id=code_id)
    command.do()
    assert len(command.coding_ids) == 3
    assert sorted(spans(project)) == [(doc, *para(i)) for i in (0, 1, 2, 5)]
    # Another coder's identical passage is not a duplicate.
    by_ola = AutoCode(project, [(doc, *para(1))], code_id=code_id, coder="Ola")
    by_ola.do()
    assert len(by_ola.coding_ids) == 1


def test_nothing_left_to_code_is_an_error_and_changes_nothing(
    project: Project, doc: int, code_id: int
) -> None:
    AutoCode(project, hits_of(doc, "tillit"), Unit.PARAGRAPH, code_id=code_id).do()
    before = queries.codings(project)
    with pytest.raises(CodingError, match="All 4 passages already have the code “Autonomi”"):
        AutoCode(project, hits_of(doc, "tillit"), Unit.PARAGRAPH, code_id=code_id).do()
    with pytest.raises(CodingError, match="no passages"):
        AutoCode(project, [], code_id=code_id).do()
    assert queries.codings(project) == before


@pytest.mark.parametrize(("start", "end"), [(4, 4), (5, 2), (-1, 3), (0, len(TEXT) + 1)])
def test_a_bad_span_changes_nothing(project: Project, doc: int, start: int, end: int) -> None:
    with pytest.raises(InvalidSpanError):
        AutoCode(project, [(doc, 0, 4), (doc, start, end)], code_path="Ny/Kode").do()
    assert queries.codings(project) == []
    assert queries.codes(project) == []


def test_a_missing_document_or_a_folder_is_refused(project: Project, doc: int) -> None:
    with pytest.raises(NotFoundError):
        AutoCode(project, [(doc + 99, 0, 4)], code_path="Kode").do()
    folder = AddCode(project, name="Roller", codable=False)
    folder.do()
    with pytest.raises(CodingError, match="folder"):
        AutoCode(project, [(doc, 0, 4)], code_id=folder.code_id).do()
    assert queries.codings(project) == []


def test_undo_and_redo_keep_ids_uuids_and_created_codes(project: Project, doc: int) -> None:
    other = add_document(project, "Intervju 2", TEXT)
    hits = hits_of(doc, "tillit") + hits_of(other, "kontroll")
    command = AutoCode(project, hits, Unit.TURN, code_path="Tillit/Autonomi")
    changes = command.do()
    assert changes.documents == {doc, other}
    assert changes.code_tree
    before = queries.codings(project)
    codes_before = queries.codes(project)
    assert len(before) == 5
    assert command.label == "Code 5 passages with “Autonomi”"

    undone = command.undo()
    assert queries.codings(project) == []
    assert queries.codes(project) == []
    assert undone.codings == set(command.coding_ids)
    command.do()
    assert queries.codings(project) == before
    assert queries.codes(project) == codes_before


def test_a_document_without_paragraphs_codes_the_hits(project: Project) -> None:
    with project.transaction() as tx:
        bare = tx.documents.add(
            name="Notat",
            language="nb",
            text=TEXT,
            paragraphs=[],
            source_name="n",
            source_format="txt",
        )
    AutoCode(project, hits_of(bare, "frihet"), Unit.TURN, code_path="Frihet").do()
    assert spans(project) == hits_of(bare, "frihet")


def test_speaker_turns_match_ignoring_case_and_spaces(
    project: Project, doc: int, code_id: int
) -> None:
    command = CodeSpeakerTurns(project, "  p3 ", code_id=code_id)
    changes = command.do()
    assert spans(project) == [(doc, para(1)[0], para(2)[1]), (doc, *para(5))]
    assert command.label == "Code 2 turns of “p3” with “Autonomi”"
    assert changes.codings == set(command.coding_ids)
    before = queries.codings(project)
    command.undo()
    assert queries.codings(project) == []
    command.do()
    assert queries.codings(project) == before


def test_speaker_turns_in_chosen_documents_only(project: Project, doc: int, code_id: int) -> None:
    other = add_document(project, "Intervju 2", TEXT)
    CodeSpeakerTurns(project, "INT", code_id=code_id, document_ids=[other]).do()
    assert spans(project) == [(other, *para(0)), (other, *para(3))]
    with pytest.raises(CodingError, match="“P9” has no turns in this document"):
        CodeSpeakerTurns(project, "P9", code_id=code_id, document_ids=[doc]).do()
    with pytest.raises(CodingError, match="already have the code"):
        CodeSpeakerTurns(project, "int", code_id=code_id, document_ids=[other]).do()
    with pytest.raises(CodingError, match="Choose a speaker"):
        CodeSpeakerTurns(project, " ", code_id=code_id).do()


def test_speakers_count_turns_and_documents(project: Project, doc: int) -> None:
    other = add_document(project, "Intervju 2", "P10: Ja.\nP2: Nei.\nP10: Kanskje.")
    assert speakers(project) == [
        SpeakerSummary("INT", 2, 1),
        SpeakerSummary("P2", 1, 1),
        SpeakerSummary("P3", 2, 1),
        SpeakerSummary("P10", 2, 1),
    ]
    assert speakers(project, [other]) == [SpeakerSummary("P2", 1, 1), SpeakerSummary("P10", 2, 1)]
    add_document(project, "Intervju 3", TEXT)
    assert SpeakerSummary("P3", 4, 2) in speakers(project)


def test_ten_thousand_hits_in_two_hundred_documents(project: Project) -> None:
    text = "\n".join(f"P{i % 3}: tillit og tillit igjen, {i}." for i in range(40))
    with project.transaction() as tx:
        documents = [
            tx.documents.add(
                name=f"Intervju {n}",
                language="nb",
                text=text,
                paragraphs=[
                    ParsedParagraph(start, start + len(line), line.split(":")[0])
                    for start, line in _lines(text)
                ],
                source_name=f"{n}.txt",
                source_format="txt",
            )
            for n in range(200)
        ]
    hits = [hit for document_id in documents for hit in hits_of(document_id, "tillit", text)][
        :10_000
    ]
    assert len(hits) == 10_000
    command = AutoCode(project, hits, Unit.HIT, code_path="Tillit")
    command.do()
    assert len(command.coding_ids) == 10_000
    assert command.label == "Code 10,000 passages with “Tillit”"
    command.undo()
    assert queries.codings(project) == []
    command.do()
    assert len(queries.codings(project)) == 10_000


def _lines(text: str) -> list[tuple[int, str]]:
    start, lines = 0, []
    for line in text.split("\n"):
        lines.append((start, line))
        start += len(line) + 1
    return lines
