"""Annotated transcripts: every coding a comment on exactly its passage, shaded by its code."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest

from coding.annotated import annotated_text, export_annotated, tint
from coding.cases import CreateCase, SetAttribute
from coding.codings import ApplyCoding
from coding.demo import create_demo_project
from coding.errors import ExportCancelledError, NotFoundError, StorageError
from coding.project import Project, find_code, resolve_document
from storage.formats.docx_annotated import Shade
from storage.formats.parsed import ParsedParagraph
from tests.conftest import add_document
from tests.storage.test_docx_annotated import anchored_texts, convert, needs_libreoffice

TEXT = (
    "Intervju med teamleder, Oslo\n"
    "\n"
    "INT: Hva betyr tillitsreformen for deg?\n"
    "P1: Før var alt styrt av minutter.\n"
    "INT: Og nå?\n"
    "P1: Nå får vi bruke skjønn 😀 og ta ansvar – æ, ø og å overlever."
)


def at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@dataclass
class Study:
    project: Project
    document_id: int

    def code(self, path: str, phrase: str, coder: str = "Kari", memo: str = "") -> int:
        command = ApplyCoding(
            self.project, self.document_id, [at(phrase)], code_path=path, coder=coder, memo=memo
        )
        command.do()
        return command.coding_ids[0]

    def code_id(self, path: str) -> int:
        with self.project.read() as tx:
            found = find_code(tx, path)
        assert found is not None
        return found


@pytest.fixture
def study(project: Project) -> Study:
    return Study(project, add_document(project, "Intervju 2 – Oslo", TEXT))


def coded_study(study: Study) -> Study:
    """Codings that nest, overlap, span turns, hold an emoji, and come from two coders."""
    study.code("Tillit/Skjønn", "Nå får vi bruke skjønn 😀 og ta ansvar")
    study.code("Tillit/Skjønn/Bruk", "skjønn 😀", coder="Ola", memo="Viktig.\nSe også P2.")
    study.code("Styring", "Før var alt styrt av minutter.\nINT: Og nå?\nP1: Nå får vi")
    study.code("Styring", "æ, ø og å", coder="Ola")
    return study


def test_each_comment_sits_on_exactly_its_coded_passage(study: Study, tmp_path: Path) -> None:
    coded_study(study)
    path = tmp_path / "annotert.docx"

    count = export_annotated(study.project, study.document_id, path)

    assert count == 4
    anchored = anchored_texts(path)
    comments = list(docx.Document(str(path)).comments)
    with study.project.read() as tx:
        codings = tx.codings.details(document_id=study.document_id)  # text order
    assert len(comments) == len(codings) == len(anchored)
    for comment, coding in zip(comments, codings, strict=True):
        assert anchored[comment.comment_id] == TEXT[coding.start : coding.end]
        assert comment.author == coding.coder_name


def test_comment_names_code_path_coder_and_memo(study: Study, tmp_path: Path) -> None:
    coded_study(study)
    content = annotated_text(study.project, study.document_id)

    memo = next(r for r in content.remarks if r.heading == "Tillit/Skjønn/Bruk")
    assert (memo.author, memo.initials) == ("Ola", "O")
    assert memo.lines == ("Memo: Viktig.", "Se også P2.")
    assert memo.date is not None
    plain = next(r for r in content.remarks if r.heading == "Tillit/Skjønn")
    assert (plain.author, plain.lines) == ("Kari", ())


def test_nested_coding_is_shaded_in_its_own_colour_and_overlap_underlined(
    study: Study,
) -> None:
    coded_study(study)
    content = annotated_text(study.project, study.document_id)
    with study.project.read() as tx:
        colours = {code.name: tint(code.color) for code in tx.codes.all()}

    outer_start, outer_end = at("Nå får vi bruke skjønn 😀 og ta ansvar")
    inner_start, inner_end = at("skjønn 😀")
    styring_end = at("P1: Nå får vi")[1]
    skjonn, bruk = colours["Skjønn"], colours["Bruk"]
    assert Shade(inner_start, inner_end, bruk) in content.shades
    assert Shade(inner_end, outer_end, skjonn) in content.shades
    # Where Styring's coding overlaps Skjønn's ("Nå får vi"), Skjønn's is the shorter one.
    assert Shade(outer_start, inner_start, skjonn) in content.shades
    assert (outer_start, styring_end) in content.underlined
    assert (inner_start, inner_end) in content.underlined
    covered = sorted((shade.start, shade.end) for shade in content.shades)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(covered))


def test_speaker_labels_are_bold_as_written(study: Study) -> None:
    content = annotated_text(study.project, study.document_id)

    labels = [TEXT[start:end] for start, end in content.bold]
    assert labels == ["INT:", "P1:", "INT:", "P1:"]


@pytest.mark.parametrize(
    ("line", "speaker", "label"),
    [
        ("[Kari] Ja, det stemmer.", "Kari", "[Kari]"),
        ("Kari Nordmann  00:03", "Kari Nordmann", "Kari Nordmann  00:03"),
        ("**INT:** Hva nå?", "INT", "**INT:**"),
        ("[00:00:01 --> 00:00:04] P2: Hei", "P2", "[00:00:01 --> 00:00:04] P2:"),
        ("P1 (00:01:02): Ja.", "P1", "P1 (00:01:02):"),
        ("Han sa at P1 var der.", "P1", None),
    ],
)
def test_speaker_label_forms(project: Project, line: str, speaker: str, label: str | None) -> None:
    with project.transaction() as tx:
        document_id = tx.documents.add(
            name="Etiketter",
            language="nb",
            text=line,
            paragraphs=[ParsedParagraph(0, len(line), speaker)],
            source_name="e.txt",
            source_format="txt",
        )
    content = annotated_text(project, document_id)

    assert [line[start:end] for start, end in content.bold] == ([label] if label else [])


def test_subtitle_names_cases_and_attribute_values(study: Study) -> None:
    create = CreateCase(study.project, "Oslo kommune", document_ids=[study.document_id])
    create.do()
    assert create.case_id is not None
    SetAttribute(study.project, "case", create.case_id, "By", "Oslo").do()
    SetAttribute(study.project, "document", study.document_id, "Alder", 54, "number").do()
    SetAttribute(study.project, "document", study.document_id, "Leder", True, "boolean").do()

    content = annotated_text(study.project, study.document_id)

    assert content.subtitle == "Case: Oslo kommune · By: Oslo · Alder: 54 · Leder: yes"


def test_legend_lists_the_codes_used_in_codebook_order(study: Study) -> None:
    coded_study(study)
    content = annotated_text(study.project, study.document_id)

    assert [(s.label, s.note) for s in content.legend] == [
        ("Tillit/Skjønn", "(1)"),
        ("Tillit/Skjønn/Bruk", "(1)"),
        ("Styring", "(2)"),
    ]
    assert content.notes[0].startswith("4 codings by Kari and Ola, each a comment")
    assert content.notes[0].endswith("the innermost) and is underlined with dots.")


def test_codes_with_children_and_coders_narrow_the_comments(study: Study) -> None:
    coded_study(study)
    skjonn, styring = study.code_id("Tillit/Skjønn"), study.code_id("Styring")
    with study.project.read() as tx:
        ola = tx.coders.by_name("Ola")
    assert ola is not None

    def headings(**options: object) -> list[str]:
        content = annotated_text(study.project, study.document_id, **options)  # type: ignore[arg-type]
        return [remark.heading for remark in content.remarks]

    assert headings(code_ids=[skjonn]) == ["Tillit/Skjønn"]
    assert headings(code_ids=[skjonn], include_children=True) == [
        "Tillit/Skjønn",
        "Tillit/Skjønn/Bruk",
    ]
    assert headings(coder_ids=[ola]) == ["Tillit/Skjønn/Bruk", "Styring"]
    assert headings(code_ids=[styring], coder_ids=[ola]) == ["Styring"]


def test_overlaps_are_explained_only_where_there_are_some(study: Study) -> None:
    study.code("Styring", "Før var alt styrt av minutter.")

    content = annotated_text(study.project, study.document_id)

    assert content.notes == ["1 coding by Kari, each a comment on its passage. Coded text is "
                             "shaded in its code's colour."]  # fmt: skip
    assert content.underlined == []


def test_a_document_without_codings_is_written_plainly(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "ukodet.docx"

    assert export_annotated(study.project, study.document_id, path) == 0
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert paragraphs[:2] == ["Intervju 2 – Oslo", "No codings are shown in this transcript."]
    assert "\n".join(paragraphs[2:]) == TEXT


def test_missing_document_or_code_is_reported(study: Study, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        export_annotated(study.project, 999, tmp_path / "x.docx")
    with pytest.raises(NotFoundError):
        export_annotated(study.project, study.document_id, tmp_path / "x.docx", code_ids=[999])
    assert list(tmp_path.glob("*.docx")) == []


def test_unwritable_places_are_plain_sentences(study: Study, tmp_path: Path) -> None:
    target = tmp_path / "mangler" / "annotert.docx"
    with pytest.raises(StorageError) as caught:
        export_annotated(study.project, study.document_id, target)

    assert "the folder" in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_cancelling_leaves_no_file(study: Study, tmp_path: Path) -> None:
    coded_study(study)
    folder = tmp_path / "ut"
    folder.mkdir()

    with pytest.raises(ExportCancelledError):
        export_annotated(
            study.project, study.document_id, folder / "a.docx", progress=lambda d, t: False
        )
    assert list(folder.iterdir()) == []


def test_progress_reaches_the_total(study: Study, tmp_path: Path) -> None:
    coded_study(study)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    export_annotated(study.project, study.document_id, tmp_path / "a.docx", progress=progress)

    assert calls[0][0] == 0
    assert calls[-1][0] == calls[-1][1] > 0


def test_tint_keeps_light_colours_and_lightens_dark_ones() -> None:
    assert tint("#f7f3b6") == "F7F3B6"
    assert tint("#000080") == "9999FF"
    assert tint("not a colour") == "D9D9D9"


def test_demo_transcripts_are_annotated_exactly(tmp_path: Path) -> None:
    demo = create_demo_project(tmp_path / "demo.tillit", coder="Ane")
    with Project.open(demo) as project:
        with project.read() as tx:
            documents = tx.documents.summaries()
        for document in documents:
            path = tmp_path / f"{document.id}.docx"
            export_annotated(project, document.id, path)
            with project.read() as tx:
                text = tx.documents.text(document.id)
                codings = tx.codings.details(document_id=document.id)
            anchored = anchored_texts(path)
            assert [anchored[i] for i in range(len(codings))] == [
                text[c.start : c.end] for c in codings
            ]


@pytest.mark.slow
@needs_libreoffice
def test_demo_transcript_opens_in_libreoffice(tmp_path: Path) -> None:
    demo = create_demo_project(tmp_path / "demo.tillit", coder="Ane")
    path = tmp_path / "Bergen.docx"
    with Project.open(demo) as project:
        with project.read() as tx:
            document_id = resolve_document(tx, "Intervju 01 – hjemmesykepleier Bergen")
        export_annotated(project, document_id, path)

    pdf = convert(path, "pdf")

    assert pdf.read_bytes().startswith(b"%PDF")
