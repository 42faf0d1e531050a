"""The whoosh index: built from the project, caught up from the journal, searched."""

from __future__ import annotations

import shutil
from pathlib import Path

from coding.codings import ApplyCoding
from coding.importing import ImportDocuments
from coding.project import Project
from storage.search_index import SearchIndex

INTERVIEW = (
    "INT: Hva betyr tillitsreformen for dere?\n"
    "P1: Tilliten fra lederen har vokst, og vi jobber mer tillitsbasert nå.\n"
    "P2: Vi får bruke skjønn 😀 – og ta ansvar.\n"
    "P1: Kontrollen er mindre enn før.\n"
)


def _project(tmp_path: Path) -> tuple[Project, SearchIndex, int]:
    source = tmp_path / "Intervju Bergen.txt"
    source.write_text(INTERVIEW, encoding="utf-8")
    project = Project.create(tmp_path / "s.tillit", coder="Kari")
    command = ImportDocuments(project, [source])
    command.do()
    index = SearchIndex(tmp_path / "index", project.store)
    return project, index, command.document_ids[0]


def _texts(index: SearchIndex, query: str) -> list[str]:
    return [INTERVIEW[hit.start : hit.end] for hit in index.search(query).hits]


def test_a_word_finds_its_inflections_and_compounds(tmp_path: Path) -> None:
    project, index, _ = _project(tmp_path)
    with project:
        assert index.needs_rebuild()
        assert index.rebuild() == 4
        found = _texts(index, "tillit")
        assert [text[:3] for text in found] == ["INT", "P1:"]
        assert "tillitsreformen" in found[0] and "Tilliten" in found[1]
        assert _texts(index, "speaker:P2") == [INTERVIEW.splitlines()[2]]
        assert _texts(index, "skjonn") == []  # no folding of ø: a different word
        assert _texts(index, "kontroll*")[0].startswith("P1: Kontrollen")
        whole = index.search("tillit", compounds=False).hits
        assert [INTERVIEW[h.start : h.end][:3] for h in whole] == ["P1:"]  # "tilliten" only


def test_a_new_coding_is_found_by_code_after_catching_up(tmp_path: Path) -> None:
    project, index, document_id = _project(tmp_path)
    with project:
        index.rebuild()
        assert index.search("code:Autonomi").hits == []
        start = INTERVIEW.index("Vi får bruke skjønn")
        ApplyCoding(project, document_id, [(start, start + 19)], code_path="Skjønn/Autonomi").do()
        assert not index.needs_rebuild()
        assert index.catch_up() == 1  # the one paragraph the coding lies in
        answer = index.search("code:Autonomi")
        assert answer.segments
        assert [INTERVIEW[h.start : h.end][:3] for h in answer.hits] == ["P2:"]
        assert len(index.search('code:"Skjønn" coder:Kari').hits) == 1
        assert index.catch_up() == 0


def test_a_deleted_index_is_rebuilt_whole(tmp_path: Path) -> None:
    project, index, _ = _project(tmp_path)
    with project:
        index.rebuild()
        shutil.rmtree(index.folder)
        assert index.needs_rebuild()
        index.rebuild()
        assert len(index.search("ansvar").hits) == 1
        assert index.search("tilitt").suggestion == "tillit"
