"""Searching a project: stemming and compounds, fields, coded segments, snippets, the index
kept current and rebuilt when it goes missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from coding.cases import CreateCase, SetAttribute
from coding.codings import ApplyCoding, RemoveCoding
from coding.project import Project
from coding.search import ProjectSearch, SearchError, SearchResult
from tests.conftest import add_document, sample_paragraphs

BERGEN = (
    "INT: Hva betyr tillitsreformen for dere i hjemmetjenesten?\n"
    "P1: Tilliten fra lederen har vokst, og vi jobber mer tillitsbasert nå.\n"
    "INT: Hva med kontrollen?\n"
    "P2: Vi får bruke skjønn 😀 – og ta ansvar. Før var alt styrt av minutter og "
    "vedtakstid, og tilliten var borte.\n"
    "P1: Kontrollen er mindre enn før, men rapporteringen er den samme."
)
AARHUS = (
    "INT: Hvordan oplever du tillidsreformen?\n"
    "P7: Vi har fået mere tillid og mindre kontrol. Ledelsen stoler på os.\n"
)


@pytest.fixture
def documents(project: Project) -> tuple[int, int]:
    bergen = add_document(project, "Intervju Bergen", BERGEN)
    with project.transaction() as tx:
        aarhus = tx.documents.add(
            name="Interview Aarhus",
            language="da",
            text=AARHUS,
            paragraphs=sample_paragraphs(AARHUS),
            source_name="Interview Aarhus.txt",
            source_format="txt",
        )
    return bergen, aarhus


@pytest.fixture
def finder(project: Project, documents: tuple[int, int]) -> Iterator[ProjectSearch]:
    search = ProjectSearch(project)
    yield search
    search.close()


def _texts(project: Project, result: SearchResult) -> list[str]:
    with project.read() as tx:
        return [tx.documents.text(h.document_id)[h.start : h.end] for h in result.hits]


def _code(project: Project, document_id: int, text: str, path: str, coder: str = "Kari") -> int:
    start = BERGEN.index(text)
    command = ApplyCoding(
        project, document_id, [(start, start + len(text))], code_path=path, coder=coder
    )
    command.do()
    return command.coding_ids[0]


def test_a_word_finds_inflections_and_compounds_and_each_hit_holds_the_match(
    project: Project, finder: ProjectSearch
) -> None:
    result = finder.search("tillit")
    texts = _texts(project, result)
    assert [text[:4] for text in texts] == ["INT:", "P1: ", "P2: "]
    words = set()
    with project.read() as tx:
        for hit in result.hits:
            marks = finder.marks(result, hit)
            assert marks, hit
            for start, end in marks:
                assert hit.start <= start < end <= hit.end
                word = tx.documents.text(hit.document_id)[start:end]
                assert word.casefold().startswith("tillit")
                words.add(word)
    assert words == {"tillitsreformen", "Tilliten", "tillitsbasert", "tilliten"}
    assert [(c.name, c.hits) for c in result.documents] == [("Intervju Bergen", 3)]
    whole = finder.search("tillit", compounds=False)
    assert [t[:3] for t in _texts(project, whole)] == ["P1:", "P2:"]  # "tilliten" only


def test_fields_speaker_document_phrase_and_boolean(
    project: Project, finder: ProjectSearch
) -> None:
    assert [t[:3] for t in _texts(project, finder.search("speaker:P1"))] == ["P1:", "P1:"]
    assert [t[:3] for t in _texts(project, finder.search("kontroll* AND speaker:P1"))] == ["P1:"]
    assert len(finder.search('document:"Intervju Bergen"').hits) == 5
    assert [t[:3] for t in _texts(project, finder.search('"ta ansvar"'))] == ["P2:"]
    assert finder.search('"ansvar ta"').hits == []  # order matters in a phrase
    assert [t[:3] for t in _texts(project, finder.search("tillit NOT speaker:INT"))] == [
        "P1:",
        "P2:",
    ]
    assert [t[:3] for t in _texts(project, finder.search("tilit~"))][:1] == ["P1:"]
    with pytest.raises(SearchError):
        finder.search("   ")


def test_nothing_found_suggests_a_known_word(finder: ProjectSearch) -> None:
    result = finder.search("tilliten AND kontrrollen")
    assert result.total == 0
    assert result.suggestion == "tilliten AND kontroll"  # an indexed word (as its stem)
    assert finder.search("tilliten AND kontrol").suggestion is None  # both words are known


def test_a_code_query_lists_coded_segments_and_a_parent_finds_its_children(
    project: Project, documents: tuple[int, int], finder: ProjectSearch
) -> None:
    bergen, _ = documents
    finder.search("tillit")  # the index exists before the codings are added
    _code(project, bergen, "Vi får bruke skjønn", "Skjønn/Autonomi")
    _code(project, bergen, "tilliten var borte", "Tillit/Tap", coder="Ola")
    _code(project, bergen, "Kontrollen er mindre", "Kontroll")
    segment = finder.search("code:Autonomi")
    assert segment.segments
    assert _texts(project, segment) == ["Vi får bruke skjønn"]
    assert _texts(project, finder.search("code:Skjønn")) == ["Vi får bruke skjønn"]
    assert _texts(project, finder.search('code:"Tillit/Tap"')) == ["tilliten var borte"]
    assert _texts(project, finder.search("coder:Ola")) == ["tilliten var borte"]
    assert _texts(project, finder.search("coder:Kari NOT code:Kontroll")) == ["Vi får bruke skjønn"]
    # Words narrow the segments of the paragraphs to those that hold them.
    assert _texts(project, finder.search("tillit coder:Kari")) == []
    assert _texts(project, finder.search("tillit coder:Ola")) == ["tilliten var borte"]


def test_cases_and_attributes_by_their_own_names(
    project: Project, documents: tuple[int, int], finder: ProjectSearch
) -> None:
    bergen, aarhus = documents
    CreateCase(project, "Bergen kommune", document_ids=[bergen]).do()
    with project.read() as tx:
        case_id = tx.cases.by_name("Bergen kommune")
    assert case_id is not None
    SetAttribute(project, "case", case_id, "City", "Bergen").do()
    SetAttribute(project, "document", aarhus, "Sektor", "Skole").do()
    assert {h.document_id for h in finder.search("city:Bergen").hits} == {bergen}
    assert {h.document_id for h in finder.search("City:bergen").hits} == {bergen}
    assert {h.document_id for h in finder.search("sektor:skole").hits} == {aarhus}
    assert {h.document_id for h in finder.search('case:"Bergen kommune"').hits} == {bergen}


def test_the_index_follows_every_change_and_survives_being_deleted(
    project: Project, documents: tuple[int, int], finder: ProjectSearch
) -> None:
    bergen, _ = documents
    assert finder.search("code:Autonomi").hits == []
    coding = _code(project, bergen, "Vi får bruke skjønn", "Skjønn/Autonomi")
    assert len(finder.search("code:Autonomi").hits) == 1  # caught up at once
    RemoveCoding(project, coding).do()
    assert finder.search("code:Autonomi").hits == []
    shutil.rmtree(finder.index.folder)
    assert len(finder.search("tillit").hits) == 3  # rebuilt
    finder.close()
    for path in finder.index.folder.iterdir():
        if path.suffix == ".seg":
            path.write_bytes(b"not an index")
    assert len(finder.search("tillit").hits) == 3  # damaged: rebuilt


def test_a_snippet_shows_the_match_in_context(project: Project, documents: tuple[int, int]) -> None:
    long = "P3: " + "ord " * 60 + "tillitsreformen " + "mer " * 60
    document = add_document(project, "Lang", long)
    finder = ProjectSearch(project)
    try:
        result = finder.search("tillit", documents=[document])
        snippet = finder.snippet(result, result.hits[0], width=30)
        assert snippet.text.startswith("… ") and snippet.text.endswith(" …")
        assert len(snippet.text) < 100
        ((start, end),) = snippet.marks
        assert snippet.text[start:end] == "tillitsreformen"
    finally:
        finder.close()


def test_an_index_per_project_file_in_the_cache_folder(
    project: Project, documents: tuple[int, int], tmp_path: Path
) -> None:
    cache = tmp_path / "elsewhere"
    finder = ProjectSearch(project, cache)
    try:
        finder.search("tillit")
        assert finder.index.folder.parent == cache / "index"
        assert finder.index.folder.name.startswith(project.info().uuid)
    finally:
        finder.close()
