"""Merging coders' projects: documents, codes, codings with their coders and memos, cases and
attributes; all in one transaction, undoable, cancellable, refusing what it cannot read."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from coding import queries
from coding.cases import CreateCase, SetAttribute
from coding.codebook import AddCode, RenameCode
from coding.codebook_merge import Action
from coding.codings import ApplyCoding, EditMemo
from coding.errors import CodingError, NewerProjectError, ProjectFileError, UserError
from coding.merge_matching import place_passage
from coding.merge_report import DocumentMatch, Skip
from coding.project import Project, find_code
from coding.project_merge import (
    MergeCancelledError,
    MergeProjects,
    merge_projects,
    prepare_merge,
    preview_merge,
)
from coding.records import MemoTarget
from storage.sqlite import online_backup
from tests.conftest import SAMPLE_TEXT, add_document

OTHER_TEXT = "INT: Hvordan styres arbeidet?\nP2: Med skjema, minutter og kontroll. Ikke med tillit."


def content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (the search journal aside: undo writes to it by design)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] not in ("index_journal", "sqlite_sequence")
        ]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}


def code(project: Project, path: str) -> int:
    with project.read() as tx:
        found = find_code(tx, path)
    assert found is not None, path
    return found


def document(project: Project, name: str) -> int:
    with project.read() as tx:
        return tx.documents.ids_by_name(name)[0]


def apply(project: Project, name: str, words: str, path: str, coder: str, *, memo: str = "") -> int:
    """Code ``words`` in document ``name`` with ``path`` as ``coder``; the coding's id."""
    document_id = document(project, name)
    start = queries.document(project, document_id).text.index(words)
    command = ApplyCoding(
        project, document_id, [(start, start + len(words))], code_path=path, coder=coder, memo=memo
    )
    command.do()
    return command.coding_ids[0]


def codings(project: Project) -> list[tuple[str, str, str, str]]:
    """Every coding as (document, code path, coder, coded text), sorted."""
    paths = queries.paths(project)
    return sorted(
        (c.document_name, paths[c.code_id], c.coder_name, c.text) for c in queries.codings(project)
    )


@pytest.fixture
def lead(tmp_path: Path) -> Iterator[Project]:
    """The lead's project: two transcripts, a small codebook, one coding of the lead's."""
    with Project.create(tmp_path / "studie.tillit", coder="Lead") as project:
        add_document(project, "Intervju 1")
        add_document(project, "Intervju 2", OTHER_TEXT)
        for path in ("Tillit/Skjønn", "Tillit/Ledelse", "Styring/Tidsstyring"):
            AddCode(project, name=path.split("/")[1], parent_id=_parent(project, path)).do()
        apply(project, "Intervju 1", "Hun stoler på oss", "Tillit/Ledelse", "Lead")
        yield project


def _parent(project: Project, path: str) -> int:
    parent = path.split("/", maxsplit=1)[0]
    with project.read() as tx:
        found = find_code(tx, parent)
    if found is None:
        command = AddCode(project, name=parent)
        command.do()
        assert command.code_id is not None
        return command.code_id
    return found


def hand_out(lead: Project, tmp_path: Path, name: str) -> Path:
    """A copy of the lead's project, as handed to a coder."""
    path = tmp_path / f"{name}.tillit"
    online_backup(lead.path, path)
    return path


@pytest.fixture
def karis(lead: Project, tmp_path: Path) -> Path:
    """Kari's copy: two codings of hers, one with a memo, and a code she added."""
    path = hand_out(lead, tmp_path, "kari")
    with Project.open(path) as copy:
        apply(copy, "Intervju 1", "bruke skjønn 😀", "Tillit/Skjønn", "Kari", memo="Kjernen!")
        apply(copy, "Intervju 2", "minutter og kontroll", "Styring/Tidsstyring", "Kari")
        apply(copy, "Intervju 2", "Ikke med tillit", "Tillit/Mistillit", "Kari")
    return path


# --- the checks the team lead relies on ------------------------------------------------------


def test_merging_a_project_twice_doubles_nothing(lead: Project, karis: Path) -> None:
    first = merge_projects(lead, [karis])
    after_first = content(lead.path)
    second = merge_projects(lead, [karis])

    assert first.codings_added == 3 and second.codings_added == 0
    assert second.sources[0].codings_skipped[Skip.ALREADY_HERE] == 4  # hers and the lead's
    assert not second.sources[0].documents_new and not second.sources[0].codes_new
    assert content(lead.path) == after_first
    assert codings(lead) == [
        ("Intervju 1", "Tillit/Ledelse", "Lead", "Hun stoler på oss"),
        ("Intervju 1", "Tillit/Skjønn", "Kari", "bruke skjønn 😀"),
        ("Intervju 2", "Styring/Tidsstyring", "Kari", "minutter og kontroll"),
        ("Intervju 2", "Tillit/Mistillit", "Kari", "Ikke med tillit"),
    ]


def test_codings_of_renamed_codes_land_on_the_merged_codes(lead: Project, tmp_path: Path) -> None:
    path = hand_out(lead, tmp_path, "ola")
    with Project.open(path) as copy:
        apply(copy, "Intervju 1", "bruke skjønn 😀", "Tillit/Skjønn", "Ola")
        apply(copy, "Intervju 2", "minutter og kontroll", "Styring/Tidsstyring", "Ola")
        RenameCode(copy, code(copy, "Tillit/Skjønn"), "Skjønnsutøvelse").do()
    with sqlite3.connect(path) as conn:  # deleted and made again: a new GUID, a similar name
        conn.execute(
            "UPDATE codes SET uuid = ?, name = 'Tidsstyringen' WHERE name = 'Tidsstyring'",
            (str(uuid.uuid4()),),
        )
    before = queries.paths(lead)

    report = merge_projects(lead, [path])

    assert report.codings_added == 2
    assert queries.paths(lead) == before  # no code added, none renamed
    assert report.sources[0].codes_matched["fuzzy"] == 1
    assert ("Intervju 1", "Tillit/Skjønn", "Ola", "bruke skjønn 😀") in codings(lead)
    assert ("Intervju 2", "Styring/Tidsstyring", "Ola", "minutter og kontroll") in codings(lead)


def test_documents_match_by_uuid_then_text_then_name_with_a_warning(
    lead: Project, tmp_path: Path
) -> None:
    changed = OTHER_TEXT.replace("Hvordan styres", "Hvordan blir")
    with Project.create(tmp_path / "eget.tillit", coder="Kari") as own:
        add_document(own, "Bergen 1", SAMPLE_TEXT)  # Intervju 1 under another name
        add_document(own, "Intervju 2", changed)  # the same name, a corrected text
        add_document(own, "Intervju 3", "P3: Ny tekst om tillit.")
        apply(own, "Bergen 1", "bruke skjønn 😀", "Tillit/Skjønn", "Kari")
        apply(own, "Intervju 2", "minutter og kontroll", "Styring/Tidsstyring", "Kari")
        apply(own, "Intervju 2", "Hvordan blir", "Styring/Tidsstyring", "Kari")
        apply(own, "Intervju 3", "tillit", "Tillit/Skjønn", "Kari")
    again = tmp_path / "eget igjen.tillit"
    online_backup(tmp_path / "eget.tillit", again)

    report = merge_projects(lead, [tmp_path / "eget.tillit", again])

    own_report, again_report = report.sources
    assert own_report.documents_matched == {DocumentMatch.TEXT: 1, DocumentMatch.NAME: 1}
    assert own_report.documents_new == ["Intervju 3"]
    assert again_report.documents_matched == {  # Intervju 3 came with the first
        DocumentMatch.TEXT: 1,
        DocumentMatch.NAME: 1,
        DocumentMatch.UUID: 1,
    }
    assert again_report.codings_added == 0
    assert own_report.codings_skipped == {Skip.TEXT_NOT_FOUND: 1}
    assert own_report.codings_added == 3
    assert len(own_report.warnings) == 1
    assert "“Intervju 2”" in own_report.warnings[0]
    assert "1 placed, 1 could not be placed" in own_report.warnings[0]
    assert ("Intervju 1", "Tillit/Skjønn", "Kari", "bruke skjønn 😀") in codings(lead)
    assert ("Intervju 2", "Styring/Tidsstyring", "Kari", "minutter og kontroll") in codings(lead)
    assert ("Intervju 3", "Tillit/Skjønn", "Kari", "tillit") in codings(lead)


def test_a_coders_memos_come_along_and_ours_stay(lead: Project, karis: Path) -> None:
    EditMemo(lead, MemoTarget(), "Prosjektets memo.").do()
    with Project.open(karis) as copy:
        EditMemo(copy, MemoTarget(), "Karis memo om prosjektet.").do()
        EditMemo(copy, MemoTarget(document_id=document(copy, "Intervju 2")), "Godt intervju").do()
        EditMemo(copy, MemoTarget(code_id=code(copy, "Tillit/Mistillit")), "Ny kode.").do()

    report = merge_projects(lead, [karis]).sources[0]

    assert report.memos_added == 3
    assert report.memos_kept == ["the project memo"]
    coding = next(c for c in queries.codings(lead) if c.text == "bruke skjønn 😀")
    assert coding.memo == "Kjernen!"
    with lead.read() as tx:
        assert tx.memos.get(MemoTarget()).text == "Prosjektets memo."  # type: ignore[union-attr]
        memo = tx.memos.get(MemoTarget(document_id=document(lead, "Intervju 2")))
        assert memo is not None and memo.text == "Godt intervju"
        memo = tx.memos.get(MemoTarget(code_id=code(lead, "Tillit/Mistillit")))
        assert memo is not None and memo.text == "Ny kode."


def test_cancelling_leaves_every_row_as_it_was(lead: Project, karis: Path) -> None:
    before = content(lead.path)
    calls: list[int] = []

    def progress(done: int, total: int) -> bool:
        calls.append(done)
        return len(calls) < 3

    command = MergeProjects(lead, prepare_merge(lead, [karis]), progress)
    with pytest.raises(MergeCancelledError, match="cancelled"):
        command.do()

    assert content(lead.path) == before
    assert command.report is None


@pytest.mark.parametrize("kind", ["newer", "corrupt", "text", "itself", "twice"])
def test_what_cannot_be_merged_is_refused_with_a_sentence(
    lead: Project, karis: Path, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "annen.tillit"
    paths = [path]
    if kind == "newer":
        online_backup(karis, path)
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    elif kind == "corrupt":
        path.write_bytes(karis.read_bytes()[:100] + b"\x00garbage" * 4000)
    elif kind == "text":
        path.write_text("Dette er ikke et prosjekt.", encoding="utf-8")
    elif kind == "itself":
        paths = [lead.path]
    else:
        paths = [karis, karis.parent / "." / karis.name]
    before = content(lead.path)

    with pytest.raises(UserError) as raised:
        merge_projects(lead, paths)

    expected = {
        "newer": (NewerProjectError, "newer Tillit"),
        "corrupt": (ProjectFileError, "damaged"),
        "text": (ProjectFileError, "not a Tillit project"),
        "itself": (CodingError, "is the project that is open"),
        "twice": (CodingError, "chosen twice"),
    }[kind]
    assert isinstance(raised.value, expected[0])
    message = str(raised.value)
    assert expected[1] in message and "\n" not in message and "Traceback" not in message
    assert content(lead.path) == before


def test_names_with_nordic_letters_and_emoji_survive(lead: Project, tmp_path: Path) -> None:
    path = hand_out(lead, tmp_path, "åse")
    with Project.open(path) as copy:
        add_document(copy, "Intervju Ålesund 😀", "Æ, ø og å: tillit 🧡 i hverdagen.")
        apply(
            copy, "Intervju Ålesund 😀", "tillit 🧡", "Følelser 🧡/Glede og ærlighet", "Åse Ødegård"
        )

    merge_projects(lead, [path])

    with lead.read() as tx, Project.open(path) as copy, copy.read() as theirs:
        ours_id, their_id = (
            t.documents.ids_by_name("Intervju Ålesund 😀")[0] for t in (tx, theirs)
        )
        assert tx.documents.get(ours_id).uuid == theirs.documents.get(their_id).uuid
        assert [p.uuid for p in tx.merging.content().documents[-1].paragraphs] == [
            p.uuid for p in theirs.merging.content().documents[-1].paragraphs
        ]
    assert codings(lead)[-1] == (
        "Intervju Ålesund 😀",
        "Følelser 🧡/Glede og ærlighet",
        "Åse Ødegård",
        "tillit 🧡",
    )


# --- undo, dry run, backups ------------------------------------------------------------------


def test_undo_takes_the_whole_merge_back_and_redo_puts_it_again(
    lead: Project, karis: Path, tmp_path: Path
) -> None:
    with Project.open(karis) as copy:
        add_document(copy, "Intervju 3", "P3: Ny tekst.")
        case = CreateCase(copy, "Bergen", document_ids=[document(copy, "Intervju 3")])
        case.do()
        assert case.case_id is not None
        SetAttribute(copy, "case", case.case_id, "By", "Bergen").do()
        EditMemo(copy, MemoTarget(), "Karis memo om prosjektet.").do()
    with sqlite3.connect(lead.path) as conn:  # an empty memo, as another program may leave
        conn.execute(
            "INSERT INTO memos (uuid, title, text, created_at, updated_at) "
            "VALUES (?, '', ' ', '2025-01-01 09:00:00.000000', '2025-01-01 09:00:00.000000')",
            (str(uuid.uuid4()),),
        )
    before = content(lead.path)
    command = MergeProjects(lead, prepare_merge(lead, [karis]))
    command.do()
    merged = content(lead.path)

    assert command.report is not None and command.report.sources[0].memos_added == 2
    command.undo()
    assert content(lead.path) == before
    command.do()
    assert content(lead.path) == merged
    with lead.read() as tx:
        memo = tx.memos.get(MemoTarget())
        assert memo is not None and memo.text == "Karis memo om prosjektet."
    assert command.report is not None and command.report.backup is not None
    assert command.report.backup.is_file()


def test_a_dry_run_says_what_the_merge_would_do_and_changes_nothing(
    lead: Project, karis: Path
) -> None:
    before = content(lead.path)
    preview = merge_projects(lead, [karis], dry_run=True)
    assert content(lead.path) == before
    assert not preview.applied and preview.backup is None

    done = merge_projects(lead, [karis])
    assert done.applied
    assert {k: v for k, v in preview.to_json().items() if k not in ("applied", "backup")} == {
        k: v for k, v in done.to_json().items() if k not in ("applied", "backup")
    }
    assert preview.to_json()["codings"]["added"] == 3


def test_a_code_new_in_two_projects_is_added_once(lead: Project, tmp_path: Path) -> None:
    paths = [hand_out(lead, tmp_path, name) for name in ("kari", "ola")]
    for path, coder in zip(paths, ("Kari", "Ola"), strict=True):
        with Project.open(path) as copy:
            apply(copy, "Intervju 1", "ta ansvar", "Nye funn/Ansvar", coder)

    report = merge_projects(lead, paths)

    assert [source.codes_new for source in report.sources] == [["Nye funn", "Nye funn/Ansvar"], []]
    assert report.sources[1].codes_matched["earlier"] == 2
    assert [c[1:3] for c in codings(lead) if c[3] == "ta ansvar"] == [
        ("Nye funn/Ansvar", "Kari"),
        ("Nye funn/Ansvar", "Ola"),
    ]


def test_codings_of_a_code_left_out_are_not_brought_and_say_why(lead: Project, karis: Path) -> None:
    plan = prepare_merge(lead, [karis])
    review = plan.sources[0].review
    row = next(r for r in review.rows if r.incoming.path == "Tillit/Mistillit")
    review.set_action(row, Action.SKIP)
    command = MergeProjects(lead, plan)
    command.do()

    assert command.report is not None
    source = command.report.sources[0]
    assert source.codings_skipped[Skip.CODE_LEFT_OUT] == 1
    assert source.codes_skipped == ["Tillit/Mistillit"]
    assert "Tillit/Mistillit" not in queries.paths(lead).values()


def test_cases_and_attribute_values_fill_what_we_lack(lead: Project, karis: Path) -> None:
    intervju_1 = document(lead, "Intervju 1")
    SetAttribute(lead, "document", intervju_1, "Alder", "44", "number").do()
    with Project.open(karis) as copy:
        case = CreateCase(copy, "Oslo", document_ids=[document(copy, "Intervju 2")])
        case.do()
        SetAttribute(copy, "document", document(copy, "Intervju 1"), "Alder", "45", "number").do()
        SetAttribute(copy, "document", document(copy, "Intervju 2"), "Alder", "61", "number").do()
        SetAttribute(copy, "document", document(copy, "Intervju 2"), "Sted", "Oslo").do()

    source = merge_projects(lead, [karis]).sources[0]

    assert source.cases_new == ["Oslo"] and source.memberships_added == 1
    assert source.attributes_new == ["Sted"]
    assert (source.values_added, source.values_kept) == (2, 1)
    with lead.read() as tx:
        values = {v.attribute_name: v.value for v in tx.attributes.values_of(document_id=2)}
        assert values == {"Alder": 61.0, "Sted": "Oslo"}
        assert tx.attributes.values_of(document_id=intervju_1)[0].value == 44.0
        assert tx.cases.cases_of_documents() == {document(lead, "Intervju 2"): ["Oslo"]}


def test_an_attribute_of_another_type_keeps_its_values_and_warns(
    lead: Project, karis: Path
) -> None:
    SetAttribute(lead, "document", document(lead, "Intervju 1"), "Alder", "44", "number").do()
    with Project.open(karis) as copy:
        SetAttribute(copy, "document", document(copy, "Intervju 2"), "Alder", "førti").do()

    source = merge_projects(lead, [karis]).sources[0]

    assert source.values_added == 0
    assert source.warnings == [
        "The attribute “Alder” is a number here and text in kari.tillit; "
        "its values were not brought."
    ]


# --- placing passages ----------------------------------------------------------------------


def test_a_passage_is_placed_at_its_nearest_occurrence_or_a_close_match() -> None:
    text = "tillit her, tillit der, og tillit overalt"
    assert place_passage(text, "tillit", 14) == (12, 18)
    assert place_passage(text, "tillit", 40) == (27, 33)
    turn = "P1: Hun stoler på oss – det er det viktigste."
    found = place_passage(turn, "Hun stoler på oss, det er det viktigste", 0)  # – became ,
    assert (
        found is not None
        and turn[found[0] : found[1]] == "Hun stoler på oss – det er det viktigste"
    )
    assert place_passage(text, "mistillit", 0) is None
    assert place_passage(text, "  ", 0) is None


def test_the_plan_knows_when_the_codebooks_need_a_review(lead: Project, karis: Path) -> None:
    plan = prepare_merge(lead, [karis])
    assert plan.needs_review()  # Kari added Tillit/Mistillit
    assert plan.work() == 1 + 2 + 4
    merge_projects(lead, [karis])
    assert not prepare_merge(lead, [karis]).needs_review()
    assert preview_merge(lead, prepare_merge(lead, [karis])).codings_added == 0
