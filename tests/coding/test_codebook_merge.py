"""Merging codebooks: matching by GUID, name, fuzzy name and path; the review; apply and undo."""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from coding import queries
from coding.codebook import AddCode, MergeCodes
from coding.codebook_apply import ApplyCodebookMerge
from coding.codebook_exchange import export_codebook, read_codebook_file
from coding.codebook_matching import How
from coding.codebook_merge import (
    Action,
    MergeReview,
    match_codebook,
    read_incoming,
    review_merge,
)
from coding.codebooks import AddCodebook, CodebookSpec, CodeSpec, shipped_codebook
from coding.codings import ApplyCoding
from coding.errors import CodingError, ImportFileError
from coding.project import Project, find_code
from storage.records import CodeRecord
from tests.storage.hostile_files import assert_refused, new_project, run_cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "refi-qda"


def _code(name: str, *children: CodeSpec, alt: str = "", guid: str | None = None) -> CodeSpec:
    return CodeSpec(name=name, alt_name=alt, uuid=guid, children=children)


def _book(*codes: CodeSpec) -> CodebookSpec:
    return CodebookSpec("innkommende", codes)


@pytest.fixture
def team(project: Project) -> Project:
    """A project with a small two-level codebook, English names beside the Norwegian."""
    AddCodebook(
        project,
        _book(
            _code(
                "Tillit",
                _code("Tillit til ansatte", alt="Trust in employees"),
                _code("Tillit til ledelsen", alt="Trust in management"),
                alt="Trust",
            ),
            _code(
                "Styring",
                _code("Tidsstyring", alt="Time management"),
                _code("Målstyring", alt="Management by objectives"),
                _code("Andre"),
                alt="Governance",
            ),
            _code("Utfall", _code("Andre")),
        ),
    ).do()
    return project


def _paths(project: Project) -> list[str]:
    with project.read() as tx:
        codes = tx.codes.all()
    from coding.project import code_paths

    return list(code_paths(codes).values())


def _row(review: MergeReview, incoming_path: str):  # type: ignore[no-untyped-def]
    return next(row for row in review.rows if row.incoming.path == incoming_path)


def _target(review: MergeReview, incoming_path: str) -> str | None:
    row = _row(review, incoming_path)
    return review.paths[row.target_id] if row.target_id is not None else None


def test_renamed_moved_and_translated_codes_merge_onto_the_right_codes(team: Project) -> None:
    incoming = _book(
        _code(
            "Tillit",
            _code("Tillit til de ansatte"),  # renamed slightly
            _code("Trust in management"),  # translated
        ),
        _code("Styring", _code("Andre"), _code("Selvstyrte team")),  # one new code
        _code("Utfall", _code("Tidsstyring")),  # moved to another parent
    )
    review = review_merge(team, incoming)

    assert _target(review, "Tillit") == "Tillit"
    assert _row(review, "Tillit").how is How.EXACT
    renamed = _row(review, "Tillit/Tillit til de ansatte")
    assert (_target(review, renamed.incoming.path), renamed.how) == (
        "Tillit/Tillit til ansatte",
        How.FUZZY,
    )
    assert 85 <= renamed.score < 100
    translated = _row(review, "Tillit/Trust in management")
    assert _target(review, translated.incoming.path) == "Tillit/Tillit til ledelsen"
    assert (translated.how, translated.score) == (How.FUZZY, 100.0)
    assert translated.basis == "its name, our second-language name"
    # "Andre" exists under two parents: the one under the matched parent is taken.
    assert _target(review, "Styring/Andre") == "Styring/Andre"
    assert _row(review, "Styring/Selvstyrte team").action is Action.NEW
    assert review.destination_path(_row(review, "Styring/Selvstyrte team")) == (
        "Styring/Selvstyrte team"
    )
    moved = _row(review, "Utfall/Tidsstyring")
    assert _target(review, moved.incoming.path) == "Styring/Tidsstyring"
    assert [c.kind for c in moved.conflicts] == ["moved"]
    assert "under “Styring”" in moved.conflicts[0].detail
    assert "under “Utfall”" in moved.conflicts[0].detail
    assert [row.incoming.path for row in review.conflicts()] == ["Utfall/Tidsstyring"]


def test_guid_first_even_when_renamed_and_moved(team: Project) -> None:
    with team.read() as tx:
        tid = tx.codes.get(find_code(tx, "Styring/Tidsstyring") or 0)
    incoming = _book(_code("Utfall", _code("Klokkestyring", guid=tid.uuid.upper())))
    review = review_merge(team, incoming)
    row = _row(review, "Utfall/Klokkestyring")
    assert (_target(review, row.incoming.path), row.how, row.basis) == (
        "Styring/Tidsstyring",
        How.UUID,
        "GUID",
    )


def test_a_name_too_changed_alone_matches_by_its_path(team: Project) -> None:
    AddCodebook(
        team, _book(_code("Endringsprosess", _code("Ansattes respons", _code("Motstand"))))
    ).do()
    incoming = _book(
        _code("Endringsprosess", _code("Ansattes respons", _code("Motstand mot endring")))
    )
    review = review_merge(team, incoming)
    row = _row(review, "Endringsprosess/Ansattes respons/Motstand mot endring")
    assert (row.how, row.basis) == (How.PATH, "paths")
    assert _target(review, row.incoming.path) == "Endringsprosess/Ansattes respons/Motstand"
    stricter = review_merge(team, incoming, 95)
    assert _row(stricter, row.incoming.path).action is Action.NEW


def test_diacritics_case_and_word_order_are_folded(team: Project) -> None:
    review = review_merge(
        team, _book(_code("styring", _code("MALSTYRING")), _code("Ansatte til tillit"))
    )
    assert _target(review, "styring") == "Styring"  # exact ignores case
    assert _target(review, "styring/MALSTYRING") == "Styring/Målstyring"
    assert _row(review, "styring/MALSTYRING").score == 100.0
    assert _target(review, "Ansatte til tillit") == "Tillit/Tillit til ansatte"


def test_each_code_is_taken_once(team: Project) -> None:
    review = review_merge(team, _book(_code("Tidsstyring"), _code("Tidstyring")))
    targets = [row.target_id for row in review.rows if row.target_id is not None]
    assert len(targets) == len(set(targets)) == 1
    assert _row(review, "Tidsstyring").score == 100.0


def test_a_differing_definition_is_a_conflict_and_ours_is_kept(team: Project) -> None:
    with team.transaction() as tx:
        code_id = find_code(tx, "Tillit") or 0
        tx.codes.update(code_id, brief_definition="Vår definisjon.")
    incoming = _book(
        CodeSpec(
            "Tillit",
            definitions={"brief_definition": "Deres definisjon.", "example": "«Vi stoler på dem»"},
        )
    )
    review = review_merge(team, incoming)
    [conflict] = _row(review, "Tillit").conflicts
    assert (conflict.kind, conflict.detail) == ("definition", "the brief definition differs")
    ApplyCodebookMerge(team, review).do()
    with team.read() as tx:
        code = tx.codes.get(code_id)
    assert code.brief_definition == "Vår definisjon."  # ours kept
    assert code.example == "«Vi stoler på dem»"  # an empty field filled from theirs


def test_taking_the_incoming_definition(team: Project) -> None:
    with team.transaction() as tx:
        code_id = find_code(tx, "Tillit") or 0
        tx.codes.update(code_id, brief_definition="Vår definisjon.")
    incoming = _book(CodeSpec("Tillit", definitions={"brief_definition": "Deres definisjon."}))
    review = review_merge(team, incoming)
    _row(review, "Tillit").take_incoming = True
    command = ApplyCodebookMerge(team, review)
    command.do()
    with team.read() as tx:
        assert tx.codes.get(code_id).brief_definition == "Deres definisjon."
    command.undo()
    with team.read() as tx:
        assert tx.codes.get(code_id).brief_definition == "Vår definisjon."


def test_apply_then_undo_and_redo(team: Project) -> None:
    before = queries.codes(team)
    guid = str(uuid.uuid4())
    incoming = _book(
        _code("Tillit", _code("Tillit til de ansatte", guid=guid)),
        _code("Nytt tema", _code("Ny kode"), _code("Ny kode 2")),
    )
    review = review_merge(team, incoming)
    command = ApplyCodebookMerge(team, review)
    command.do()
    assert "Nytt tema/Ny kode" in _paths(team)
    with team.read() as tx:
        # The coder's GUID now finds the code it was merged into.
        assert tx.codes.id_by_uuid(guid) == find_code(tx, "Tillit/Tillit til ansatte")
        created = [tx.codes.get(code_id) for code_id in command.created]
    assert [code.name for code in created] == ["Nytt tema", "Ny kode", "Ny kode 2"]

    command.undo()
    assert queries.codes(team) == before
    with team.read() as tx:
        assert tx.codes.id_by_uuid(guid) is None

    command.do()  # redo: the very same codes, ids and GUIDs
    with team.read() as tx:
        assert [tx.codes.get(c.id) for c in created] == created
        assert tx.codes.id_by_uuid(guid) == find_code(tx, "Tillit/Tillit til ansatte")


def test_the_leads_choices_are_applied(team: Project) -> None:
    review = review_merge(
        team, _book(_code("Tillit", _code("Tillit til de ansatte"), _code("Helt ny")))
    )
    renamed = _row(review, "Tillit/Tillit til de ansatte")
    review.set_action(renamed, Action.NEW)
    assert renamed.how is None and renamed.target_id is None
    review.set_action(_row(review, "Tillit/Helt ny"), Action.SKIP)
    with pytest.raises(CodingError):
        review.set_action(renamed, Action.MERGE, None)
    assert renamed.action is Action.NEW  # a refused choice changes nothing
    ApplyCodebookMerge(team, review).do()
    paths = _paths(team)
    assert "Tillit/Tillit til de ansatte" in paths
    assert "Tillit/Helt ny" not in paths


def test_a_chosen_target_gets_its_score_and_conflicts(team: Project) -> None:
    review = review_merge(team, _book(_code("Tillit", _code("Helt ny"))))
    row = _row(review, "Tillit/Helt ny")
    with team.read() as tx:
        target = find_code(tx, "Styring/Tidsstyring") or 0
    review.set_action(row, Action.MERGE, target)
    assert (row.how, row.target_id) == (None, target)
    assert 0 <= row.score < 85
    assert [c.kind for c in row.conflicts] == ["moved"]
    assert review.to_json()["matched"][-1]["how"] == "chosen"


def test_children_of_a_skipped_or_new_parent(team: Project) -> None:
    review = review_merge(team, _book(_code("Nytt", _code("Barn")), _code("Hopp", _code("Under"))))
    review.set_action(_row(review, "Hopp"), Action.SKIP)
    assert review.destination_path(_row(review, "Nytt/Barn")) == "Nytt/Barn"
    assert review.destination_path(_row(review, "Hopp/Under")) == "Under"
    ApplyCodebookMerge(team, review).do()
    paths = _paths(team)
    assert {"Nytt", "Nytt/Barn", "Under"} <= set(paths)
    assert "Hopp" not in paths


def test_a_new_code_whose_name_is_taken_gets_a_number(team: Project) -> None:
    review = review_merge(team, _book(_code("Tillit")))
    review.set_action(review.rows[0], Action.NEW)
    ApplyCodebookMerge(team, review).do()
    assert "Tillit (2)" in _paths(team)


def test_into_an_empty_project_it_is_an_import(project: Project, tmp_path: Path) -> None:
    trust = shipped_codebook("trust")
    review = review_merge(project, trust)
    assert len(review.new()) == trust.count() == 59
    ApplyCodebookMerge(project, review).do()
    with Project.create(tmp_path / "b.tillit") as other:
        AddCodebook(other, trust).do()
        expected = _paths(other)
    assert _paths(project) == expected


def test_an_exported_codebook_merges_back_onto_itself(project: Project, tmp_path: Path) -> None:
    AddCodebook(project, shipped_codebook("trust")).do()
    export_codebook(project, tmp_path / "trust.qdc")
    review = review_merge(project, read_codebook_file(tmp_path / "trust.qdc"))
    assert {row.how for row in review.rows} == {How.UUID}
    assert not review.conflicts()
    before = queries.codes(project)
    ApplyCodebookMerge(project, review).do()
    assert queries.codes(project) == before


def test_a_qualcoder_style_export_with_new_guids_matches_by_name(
    project: Project, tmp_path: Path
) -> None:
    AddCodebook(project, shipped_codebook("trust")).do()
    path = tmp_path / "trust.qdc"
    export_codebook(project, path)
    text = re.sub(r'guid="[^"]+"', lambda _: f'guid="{uuid.uuid4()}"', path.read_text("utf-8"))
    text = text.replace(
        'name="Tillit fra leder til ansatt"', 'name="Tillit fra lederen til de ansatte"'
    )
    path.write_text(text, encoding="utf-8")
    review = review_merge(project, read_codebook_file(path))
    assert not review.new()
    assert _target(review, "Tillit og ansvar/Tillit fra lederen til de ansatte") == (
        "Tillit og ansvar/Tillit fra leder til ansatt"
    )


def test_merged_codes_inside_a_project_are_aliases_too(team: Project) -> None:
    with team.read() as tx:
        source = tx.codes.get(find_code(tx, "Utfall/Andre") or 0)
        target = find_code(tx, "Styring/Andre") or 0
    command = MergeCodes(team, source.id, target)
    command.do()
    with team.read() as tx:
        assert tx.codes.id_by_uuid(source.uuid) == target
    review = review_merge(team, _book(_code("Et sted", _code("Annet", guid=source.uuid))))
    assert (_target(review, "Et sted/Annet"), _row(review, "Et sted/Annet").how) == (
        "Styring/Andre",
        How.UUID,
    )
    command.undo()
    with team.read() as tx:
        assert tx.codes.id_by_uuid(source.uuid) == source.id


def test_codings_brought_in_under_an_alias_land_on_the_merged_code(
    team: Project, document_id: int
) -> None:
    guid = str(uuid.uuid4())
    ApplyCodebookMerge(team, review_merge(team, _book(_code("Tidstyring", guid=guid)))).do()
    with team.read() as tx:
        code_id = find_code(tx, "{" + guid.upper() + "}")  # as another program writes it
        assert code_id == find_code(tx, "Styring/Tidsstyring")
    ApplyCoding(team, document_id, [(0, 5)], code_id=code_id).do()
    [coding] = queries.codings(team)
    assert coding.code_id == code_id


def test_another_tillit_project_is_a_source(team: Project, tmp_path: Path) -> None:
    other_path = tmp_path / "koder.tillit"
    with Project.create(other_path, coder="Ola") as other:
        AddCodebook(other, _book(_code("Tillit", _code("Tillit til de ansatte")))).do()
        AddCode(other, "Eget funn").do()
    incoming = read_incoming(team, other_path)
    review = review_merge(team, incoming)
    assert _target(review, "Tillit/Tillit til de ansatte") == "Tillit/Tillit til ansatte"
    assert _row(review, "Eget funn").action is Action.NEW
    with pytest.raises(CodingError, match="is the project that is open"):
        read_incoming(team, team.path)


def test_a_qdpx_project_is_a_source(team: Project, tmp_path: Path) -> None:
    path = tmp_path / "fra-nvivo.qdpx"
    export_codebook(team, tmp_path / "book.qdc")
    book = (tmp_path / "book.qdc").read_text("utf-8")
    codes = book[book.index("<Codes>") : book.index("</Codes>") + len("</Codes>")]
    project_xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="x">'
        f"<CodeBook>{codes}</CodeBook></Project>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Prosjekt.QDE", project_xml)
    review = review_merge(team, read_incoming(team, path))
    assert {row.how for row in review.rows} == {How.UUID}


@pytest.mark.parametrize(
    ("sample", "count"),
    [("atlas23-target.qdpx", 3), ("atlas23-blank.qdpx", 0), ("nvivo-mac15.qdpx", None),
     ("qc-demo.qdpx", None)],
)  # fmt: skip
def test_every_sample_codebook_imports_whole(
    project: Project, sample: str, count: int | None
) -> None:
    incoming = read_codebook_file(SAMPLES / sample)
    expected = _spec_paths(incoming.codes, "")
    if count is not None:
        assert len(expected) == count
    ApplyCodebookMerge(project, review_merge(project, incoming)).do()
    assert _paths(project) == expected
    with project.read() as tx:
        guids = {code.uuid for code in tx.codes.all()}
    assert guids == set(_spec_guids(incoming.codes))


def _spec_paths(specs: tuple[CodeSpec, ...], prefix: str) -> list[str]:
    found: list[str] = []
    for spec in specs:
        path = f"{prefix}/{spec.name}" if prefix else spec.name
        found.append(path)
        found.extend(_spec_paths(spec.children, path))
    return found


def _spec_guids(specs: tuple[CodeSpec, ...]) -> list[str]:
    return [g for spec in specs for g in (spec.uuid or "", *_spec_guids(spec.children))]


def test_a_hostile_qdpx_is_refused_and_nothing_changes(team: Project, tmp_path: Path) -> None:
    before = queries.codes(team)
    escape = tmp_path / "escape.qdpx"
    with zipfile.ZipFile(escape, "w") as archive:
        archive.writestr("project.qde", "<Project/>")
        archive.writestr("../../etc/evil.txt", "x")
    with pytest.raises(ImportFileError, match="outside the archive"):
        read_incoming(team, escape)
    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr(
            "project.qde",
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Project>&lol2;</Project>',
        )
    with pytest.raises(ImportFileError, match="refuses for safety"):
        read_incoming(team, bomb)
    not_zip = tmp_path / "ikke.qdpx"
    not_zip.write_text("hei", encoding="utf-8")
    with pytest.raises(ImportFileError, match="not a zip archive"):
        read_incoming(team, not_zip)
    with pytest.raises(ImportFileError, match="not a codebook Tillit reads"):
        read_incoming(team, tmp_path / "x.docx")
    assert queries.codes(team) == before


def test_matching_is_pure_and_reads_only_what_it_is_given() -> None:
    codes = [
        CodeRecord(1, "a" * 8 + "-0000-0000-0000-" + "0" * 12, None, 0, "Tillit", "Trust",
                   "#ffffff", True, "", "", "", "", ""),
    ]  # fmt: skip
    review = match_codebook(codes, {}, _book(_code("Trust")))
    assert (review.rows[0].target_id, review.rows[0].how) == (1, How.FUZZY)
    review = match_codebook(codes, {"b" * 8: 1}, _book(replace(_code("X"), uuid="B" * 8)))
    assert review.rows[0].how is How.UUID


# --- many new codes, foreign files -----------------------------------------------------------


def _flat(count: int) -> CodebookSpec:
    return _book(*(_code(f"Kode {n}", guid=str(uuid.UUID(int=n + 1))) for n in range(count)))


def _nested(count: int, width: int = 9) -> CodebookSpec:
    """``count`` codes in a tree, ``width`` children a code, four levels deep."""
    made = 0

    def code(depth: int) -> CodeSpec:
        nonlocal made
        name, guid = f"Kode {made}", str(uuid.UUID(int=made + 1))
        made += 1
        children: list[CodeSpec] = []
        while depth < 3 and len(children) < width and made < count:
            children.append(code(depth + 1))
        return _code(name, *children, guid=guid)

    roots = []
    while made < count:
        roots.append(code(0))
    return _book(*roots)


def _statements(project: Project, command: ApplyCodebookMerge) -> int:
    executed = 0

    def count(*_args: object) -> None:
        nonlocal executed
        executed += 1

    event.listen(Engine, "before_cursor_execute", count)
    try:
        command.do()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return executed


@pytest.mark.parametrize("shape", [_flat, _nested], ids=["flat", "nested"])
def test_applying_many_new_codes_takes_statements_by_tree_level_not_by_code(
    project: Project, shape: object
) -> None:
    counts = []
    for size in (500, 2000):
        with Project.create(project.path.with_name(f"{size}.tillit")) as target:
            book = shape(size)  # type: ignore[operator]
            command = ApplyCodebookMerge(target, review_merge(target, book))
            counts.append(_statements(target, command))
            assert len(queries.codes(target)) == size
            assert len(set(_paths(target))) == size
    assert counts[1] <= counts[0] + 10  # before: about six statements for every new code
    assert counts[1] < 60


def test_many_new_codes_keep_their_order_guids_colours_and_undo(project: Project) -> None:
    AddCode(project, name="Annet").do()
    book = _nested(300)
    command = ApplyCodebookMerge(project, review_merge(project, book))
    command.do()
    codes = queries.codes(project)
    assert _paths(project) == ["Annet", *_spec_paths(book.codes, "")]
    assert [code.uuid for code in codes[1:]] == _spec_guids(book.codes)
    assert [code.color for code in codes[:3]] == ["#f4c430", "#8ecae6", "#ffb4a2"]  # as AddCode
    command.undo()
    assert _paths(project) == ["Annet"]
    command.do()
    assert queries.codes(project) == codes


def test_a_new_code_beside_one_of_its_name_and_a_guid_in_use_get_their_own(
    project: Project,
) -> None:
    AddCode(project, name="Kode 3").do()
    taken = queries.codes(project)[0].uuid
    book = _book(*_flat(300).codes, _code("Ny", guid=taken.upper()))
    review = review_merge(project, book)
    taker = review.rows[-1]  # "Ny" has the GUID of our "Kode 3", so "Kode 3" itself is new
    assert (taker.how, review.rows[3].action) == (How.UUID, Action.NEW)
    review.set_action(taker, Action.NEW)
    ApplyCodebookMerge(project, review).do()
    paths = _paths(project)
    assert paths[:5] == ["Kode 3", "Kode 0", "Kode 1", "Kode 2", "Kode 3 (2)"]
    assert len(paths) == 302
    fresh = {code.name: code.uuid for code in queries.codes(project)}
    assert fresh["Ny"] != taken and fresh["Kode 3 (2)"] == book.codes[3].uuid


def _old_qdc(path: Path, depth: int = 1, sets: str = "") -> Path:
    codes = "".join(f'<Code guid="{uuid.UUID(int=n + 1)}" name="Nivå {n}">' for n in
                    range(depth))  # fmt: skip
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:0:4">'
        f"<Codes>{codes}{'</Code>' * depth}</Codes>{sets}</CodeBook>",
        encoding="utf-8",
    )
    return path


def test_a_foreign_namespace_and_code_groups_are_in_the_review(
    project: Project, tmp_path: Path
) -> None:
    member = uuid.UUID(int=1)
    sets = f'<Sets><Set guid="{uuid.uuid4()}" name="G"><MemberCode targetGUID="{member}"/></Set>'
    sets += "</Sets>"
    review = review_merge(project, read_incoming(project, _old_qdc(tmp_path / "gml.qdc", 1, sets)))
    assert review.warnings == [
        "“gml.qdc” is in the namespace “urn:QDA-XML:codebook:0:4”, not REFI-QDA's "
        "“urn:QDA-XML:codebook:1.0”; Tillit read what it recognised, so check what came in.",
        "“gml.qdc” has 1 code group (Sets), which Tillit does not hold; it was left out, and the "
        "codes in it are read like any other.",
    ]
    assert review.to_json()["warnings"] == review.warnings
    assert review_merge(project, _flat(2)).warnings == []


def test_the_command_line_merges_a_deep_old_codebook_and_refuses_a_deeper_one(
    tmp_path: Path,
) -> None:
    project = tmp_path / "p.tillit"
    before = new_project(project)
    run = run_cli("codebook", "merge", project, _old_qdc(tmp_path / "dyp.qdc", 500))
    assert assert_refused(run) == (
        "tillit: “dyp.qdc” nests codes more than 128 levels deep; Tillit reads codebooks up to "
        "128 levels deep."
    )
    assert project.read_bytes() == before
    run = run_cli("codebook", "merge", project, _old_qdc(tmp_path / "hundre.qdc", 100), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert len(report["new"]) == 100 and report["warnings"][0].startswith("“hundre.qdc” is in")
    with Project.open(project) as opened:
        assert max(path.count("/") for path in _paths(opened)) == 99


def test_the_command_line_refuses_a_code_name_too_long_naming_the_file_and_a_link_loop(
    tmp_path: Path,
) -> None:
    project = tmp_path / "p.tillit"
    before = new_project(project)
    book = tmp_path / "lang.qdc"
    book.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        f'<Codes><Code guid="{uuid.uuid4()}" name="{"Tillit " * 100}" isCodable="true"/>'
        "</Codes></CodeBook>",
        encoding="utf-8",
    )
    sentence = assert_refused(run_cli("codebook", "merge", project, book))
    assert sentence.startswith("tillit: “lang.qdc” holds a code whose name has 699 characters"), (
        sentence
    )
    loop = tmp_path / "loop.qdc"
    loop.symlink_to(loop)
    sentence = assert_refused(run_cli("codebook", "merge", project, loop))
    assert sentence.startswith("tillit: “loop.qdc” cannot be read"), sentence
    assert project.read_bytes() == before
