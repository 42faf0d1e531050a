"""The whoosh index: built from the project, caught up from the journal, searched."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from whoosh import index as whoosh_index

from coding.codings import ApplyCoding
from coding.importing import ImportDocuments
from coding.project import Project
from storage.search_index import SearchIndex, parse
from tests.conftest import add_document

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


def test_hits_equal_whoosh_s_own_matching_across_blocks_segments_and_deletions(
    tmp_path: Path,
) -> None:
    """Hits are read from the posting lists directly; whoosh's matchers are the reference."""
    rng = random.Random(7)
    vocabulary = ["alfa", "alfabet", "beta", "gamma", "gammel", "delta", "epsilon", "tillit"]
    lines = [
        f"P{n % 4}: " + " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 6)))
        for n in range(700)  # several blocks of postings for each word
    ]
    text = "\n".join(lines)
    project = Project.create(tmp_path / "r.tillit", coder="Kari")
    with project:
        document_id = add_document(project, "Ord", text)
        index = SearchIndex(tmp_path / "index", project.store)
        index.rebuild()
        for n in range(0, 600, 50):  # codings re-index paragraphs: deletions and new segments
            start = sum(len(line) + 1 for line in lines[:n])
            ApplyCoding(project, document_id, [(start, start + 3)], code_path="Kode").do()
            index.catch_up()
        ix = whoosh_index.open_dir(str(index.folder))
        assert len(ix.reader().segments()) > 1 and ix.reader().has_deletions()
        queries = [
            "alfa",
            "alfa OR beta",
            "alfa AND beta",
            "alfa NOT beta",
            "NOT gamma",
            "gam*",
            "gama~",
            "(alfa OR delta) AND NOT (tillit OR epsilon)",
            "code:Kode beta",
            "speaker:P1 OR speaker:P2",
        ]
        with ix.searcher() as searcher:
            paragraph = searcher.reader().column_reader("pid")
            for query in queries:
                parsed, _ = parse(query, ix.schema, fields=["text_no"])
                expected = sorted(paragraph[n] for n in searcher.docs_for_query(parsed))
                found = sorted(hit.paragraph_id for hit in index.search(query).hits)
                assert found == expected, query
                assert expected, query
        phrase = {h.paragraph_id for h in index.search('"alfa beta"').hits}
        with project.read() as tx:
            units = {p.id: text[p.start : p.end] for p in tx.documents.paragraphs(document_id)}
        assert phrase == {pid for pid, unit in units.items() if re.search(r"\balfa beta\b", unit)}
        index.close()
