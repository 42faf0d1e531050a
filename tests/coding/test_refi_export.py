"""Exporting whole projects to REFI-QDA: valid files, stable GUIDs, honest warnings, and a
round trip back into Tillit that loses nothing the format carries."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from coding.errors import ExportCancelledError
from coding.project import Project
from coding.refi_export import export_project
from coding.refi_import import import_project
from storage.formats.parsed import ParsedParagraph
from storage.formats.speakers import build_units
from storage.formats.text_file import paragraph_spans
from storage.repositories.memos import MemoTarget

SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "Project-mrt2019.xsd"

TRANSCRIPT = (
    "INT: Hva betyr tillitsreformen for deg?\n"
    "Bjørn Åsmund: Før var alt styrt av minutter 😀 – nå får vi bruke skjønn.\n"
    "INT: Og lederen din, Æsa?\n"
    "Bjørn Åsmund: Hun stoler på oss. 👩🏽‍⚕️ Tillit er ikke det samme som frihet."
)
NOTES = "Feltnotater fra Bergen.\n\nØkt 2: «tillit» 🙂"


def _units(text: str) -> tuple[ParsedParagraph, ...]:
    return build_units(text, paragraph_spans(text))


def _rich_project(project: Project) -> None:
    """Two documents (æøå, emoji), a code tree with the codebook fields, codings by two coders,
    a memo of every kind, cases with documents, and attributes of every type."""
    with project.transaction() as tx:
        kari = tx.project.get().current_coder_id
        assert kari is not None
        ola = tx.coders.add("Ola Åsen")
        interview, notes = (
            tx.documents.add(
                name=name,
                language=language,
                text=text,
                paragraphs=_units(text),
                source_name=source,
                source_format=source.rsplit(".", 1)[1],
            )
            for name, language, text, source in (
                ("Intervju 1 – Bergen", "nb", TRANSCRIPT, "Intervju 1.docx"),
                ("Feltnotater", "da", NOTES, "notater.txt"),
            )
        )
        parent = tx.codes.add("Styring", color="#8ecae6", codable=False, alt_name="Management")
        trust = tx.codes.add(
            "Tillit",
            parent_id=parent,
            alt_name="Trust",
            brief_definition="Når informanten snakker om tillit.",
            example="«Hun stoler på oss» 😀",
        )
        skill = tx.codes.add("Skjønn", parent_id=parent, color="#ffb4a2")
        spans = {
            "bruke skjønn": (interview, skill, kari),
            "Hun stoler på oss. 👩🏽‍⚕️ Tillit": (interview, trust, ola),
            "«tillit» 🙂": (notes, trust, kari),
        }
        coding_ids = []
        for passage, (document_id, code_id, coder_id) in spans.items():
            text = TRANSCRIPT if document_id == interview else NOTES
            start = text.index(passage)
            coding_ids.append(
                tx.codings.add(
                    document_id=document_id,
                    code_id=code_id,
                    coder_id=coder_id,
                    start=start,
                    end=start + len(passage),
                    text=passage,
                )
            )
        tx.memos.put(MemoTarget(), "Prosjektet om tillit 😀", title="Prosjekt", coder_id=kari)
        tx.memos.put(MemoTarget(document_id=interview), "Langt intervju.", coder_id=ola)
        tx.memos.put(MemoTarget(code_id=trust), "Se også skjønn.", title="Kode", coder_id=kari)
        tx.memos.put(MemoTarget(coding_id=coding_ids[1]), "Sterkt sitat 👍", coder_id=ola)
        bergen = tx.cases.add("Bergen kommune", "Hjemmetjenesten i Bergen")
        tx.cases.add_documents(bergen, [interview, notes])
        tx.cases.add("Aarhus")
        for name, scope, value_type, value, owner in (
            ("By", "case", "text", "Bergen – Åsane", {"case_id": bergen}),
            ("Ansatte", "case", "number", 42.5, {"case_id": bergen}),
            ("Etablert", "case", "date", "1998-05-01", {"case_id": bergen}),
            ("Tillitsreform", "case", "boolean", True, {"case_id": bergen}),
            ("Varighet", "document", "number", 3600.0, {"document_id": interview}),
            ("Transkribert", "document", "boolean", False, {"document_id": interview}),
        ):
            attribute = tx.attributes.add(name, scope, value_type)
            tx.attributes.set_value(attribute, value, **owner)
        tx.attributes.add("Ubrukt", "document", "text")


def _picture(project: Project) -> dict[str, Any]:
    """Everything of a project the format carries, by UUID, so two projects can be compared."""
    with project.read() as tx:
        content = tx.merging.content()
        docs = {d.id: d.uuid for d in content.documents}
        codes = {c.id: c.uuid for c in content.codes}
        coders = {c.id: c.uuid for c in content.coders}
        codings = {c.id: c.uuid for c in content.codings}
        cases = {c.id: c.uuid for c in content.cases}
        attributes = {a.id: a for a in content.attributes}

        def second(when: datetime) -> datetime:
            return when.replace(microsecond=0, tzinfo=None)

        return {
            "project": (content.project.name, content.project.language),
            "current": coders[content.project.current_coder_id or 0],
            "coders": sorted((c.uuid, c.name) for c in content.coders),
            "documents": [
                (d.uuid, d.name, d.language, d.text, d.source_name, d.source_format)
                for d in content.documents
            ],
            "paragraphs": {
                d.uuid: [(p.start, p.end, p.speaker) for p in d.paragraphs]
                for d in content.documents
            },
            "codes": [
                (
                    c.uuid,
                    codes.get(c.parent_id or 0),
                    c.position,
                    c.name,
                    c.alt_name,
                    c.color,
                    c.codable,
                    c.brief_definition,
                    c.full_definition,
                    c.example,
                )
                for c in content.codes
            ],
            "codings": sorted(
                (
                    c.uuid,
                    docs[c.document_id],
                    codes[c.code_id],
                    coders[c.coder_id],
                    c.start,
                    c.end,
                    c.text,
                    second(c.created_at),
                )
                for c in content.codings
            ),
            "memos": sorted(
                (
                    m.uuid,
                    m.title,
                    m.text,
                    docs.get(m.document_id or 0),
                    codes.get(m.code_id or 0),
                    codings.get(m.coding_id or 0),
                    coders.get(m.coder_id or 0),
                    second(m.updated_at),
                )
                for m in content.memos
            ),
            "cases": sorted(
                (
                    c.uuid,
                    c.name,
                    c.description,
                    sorted(docs[d] for case, d in content.memberships if case == c.id),
                )
                for c in content.cases
            ),
            "attributes": sorted(
                (a.uuid, a.name, a.scope, a.value_type) for a in attributes.values()
            ),
            "values": sorted(
                (
                    attributes[v.attribute_id].uuid,
                    cases.get(v.case_id or 0),
                    docs.get(v.document_id or 0),
                    v.text_value,
                    v.number_value,
                )
                for v in content.values
            ),
        }


def test_a_round_trip_keeps_everything_with_the_same_guids(
    project: Project, tmp_path: Path
) -> None:
    _rich_project(project)
    out = tmp_path / "studie.qdpx"
    result = export_project(project, out)
    assert result.counts == {
        "users": 2,
        "codes": 3,
        "documents": 2,
        "codings": 3,
        "memos": 4,
        "cases": 2,
        "variables": 7,
    }
    with zipfile.ZipFile(out) as archive:
        (tmp_path / "project.qde").write_bytes(archive.read("project.qde"))
        texts = sorted(
            archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("sources/")
        )
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(tmp_path / "project.qde"))
    assert texts == sorted([TRANSCRIPT, NOTES])
    report = import_project(out, tmp_path / "tilbake.tillit")
    assert report.codings_direct == 3 and report.unplaced == [] and report.warnings == []
    with Project.open(report.project_path, backup=False) as back:
        assert _picture(back) == _picture(project)


def test_exporting_twice_gives_the_same_guids(project: Project, tmp_path: Path) -> None:
    _rich_project(project)
    export_project(project, tmp_path / "a.qdpx")
    export_project(project, tmp_path / "b.qdpx")

    def guids(path: Path) -> list[str]:
        with zipfile.ZipFile(path) as archive:
            qde = archive.read("project.qde").decode("utf-8")
        return sorted(part.split('"')[1] for part in qde.split("guid=")[1:])

    assert guids(tmp_path / "a.qdpx") == guids(tmp_path / "b.qdpx")


def test_what_the_format_cannot_carry_is_said(project: Project, tmp_path: Path) -> None:
    text = "Kari: Hei.\nOla: Hallo 😀.\nKari: Ja.\nOla: Nei."
    with project.transaction() as tx:
        tx.documents.add(
            name="Undertekster",
            language="nb",
            text=text,
            paragraphs=[
                ParsedParagraph(*span, speaker, 1000 * index, 1000 * index + 900)
                for index, (span, speaker) in enumerate(
                    [((0, 10), "Kari"), ((11, 24), "Ola"), ((25, 34), "Kari"), ((35, 44), "Ola")]
                )
            ],
            source_name="møte.vtt",
            source_format="vtt",
        )
        merged = tx.codes.add("Tillit")
        tx.codes.add_alias("0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c", merged)
        attribute = tx.attributes.add("Poeng", "case", "number")
        tx.attributes.set_value(attribute, float("nan"), case_id=tx.cases.add("Oslo"))
    result = export_project(project, tmp_path / "a.qdpx")
    joined = " ".join(result.warnings)
    assert "merged into another is not in the file" in joined
    assert "4 speaker turns have media timestamps" in joined
    assert "not a finite number" in joined
    assert len(result.warnings) == 3  # the turns themselves are recognised from the text again


def test_a_cancelled_export_writes_nothing(project: Project, tmp_path: Path) -> None:
    _rich_project(project)
    steps: list[str] = []

    def cancel(done: int, total: int, label: str) -> bool:
        steps.append(label)
        return done < 2

    with pytest.raises(ExportCancelledError):
        export_project(project, tmp_path / "a.qdpx", cancel)
    assert steps and not any(path.suffix == ".qdpx" for path in tmp_path.iterdir())
    assert not list(tmp_path.glob(".*.part"))
