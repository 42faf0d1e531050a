"""Sound inputs for every importer, written in a session folder; mutations start from these.

Transcripts in several encodings with Norwegian and Danish letters and emoji, a Word file made
with python-docx, an OpenDocument text written by hand, WebVTT and SubRip files, REFI-QDA
codebooks and projects (real exports from ``tests/data`` and from Tillit itself) and a Tillit
project made through the command line (see :func:`tillit_steps`).
"""

from __future__ import annotations

import codecs
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
REFI_SAMPLES = HERE.parent / "data" / "refi-qda"

INTERVIEW = (
    "Intervju 3, hjemmetjenesten i Bergen\n"
    "\n"
    "INT: Hva betyr tillitsreformen for deg i hverdagen?\n"
    "P1: Før var alt styrt av minutter. Nå får vi bruke skjønn og ta ansvar selv.\n"
    "INT: Og hvordan merker brukerne det?\n"
    "P1: Fru Ødegård sier at hun endelig blir sett – det er det viktigste.\n"
    "INT: Kan du gi et eksempel?\n"
    "P1: Ja. Vi hadde «15 minutter» til dusj; nå avtaler vi tiden med henne. Æ, ø og å.\n"
)
EMOJI = "P1: Det føles bedre 😀👩‍⚕️ – helt ærlig.\n"
DANISH = (
    "[00:00:01] Mette: Tillidsreformen i København handler om færre regler.\n"
    "[00:00:09] Interviewer: Hvad betyder det for jeres arbejde?\n"
    "[00:00:15] Mette: Vi får lov at bruge vores faglighed. Ærligt talt 🙂 – også på "
    "plejehjemmet på Østerbro.\n"
)

#: Transcript seeds: file name and its bytes.
TEXT_SEEDS = {
    "intervju-utf8.txt": (INTERVIEW + EMOJI).encode("utf-8"),
    "intervju-utf8-bom.txt": codecs.BOM_UTF8 + (INTERVIEW + EMOJI).encode("utf-8"),
    "intervju-utf16le.txt": codecs.BOM_UTF16_LE + (INTERVIEW + EMOJI).encode("utf-16-le"),
    "intervju-utf16be.txt": codecs.BOM_UTF16_BE + (INTERVIEW + EMOJI).encode("utf-16-be"),
    "intervju-cp1252.txt": INTERVIEW.replace("\n", "\r\n").encode("cp1252"),
    "intervju-latin1.txt": INTERVIEW.replace("–", "-")
    .replace("«", '"')
    .replace("»", '"')
    .encode("latin-1"),
    "interview-da.txt": DANISH.encode("utf-8"),
}
MARKDOWN = (
    "# Intervju med Bjørn Åsmund\n\n"
    "*Dato: 12. mars, Oslo kommune*\n\n"
    "**INT:** Hva er tillit for deg?\n\n"
    "**P2:** At lederen min stoler på at jeg gjør jobben 😀.\n\n"
    "- punkt én: mindre rapportering\n- punkt to: mer skjønn\n\n"
    "> Sitat: «Vi måler det som kan måles.»\n"
)
VTT = (
    "WEBVTT - Teams\n\n"
    "NOTE opptak fra Teams, Aarhus\n\n"
    "STYLE\n::cue { color: yellow }\n\n"
    "a1/1-0\n00:00:01.000 --> 00:00:03.500 align:start\n<v Kari Nordmann>Hei, og velkommen</v>\n\n"
    "a1/2-0\n00:00:03.500 --> 00:00:05.000\n<v Kari Nordmann>til intervjuet. 😀</v>\n\n"
    "a1/3-0\n00:00:05.200 --> 00:00:07.000\n<v.loud Bjørn Åsmund>Takk <c.yellow>skal</c> du "
    "<i>ha</i> &amp; <00:00:06.000>hei.</v>\n\n"
    "00:01:07.000 --> 00:01:09.000\nØdegård: Ærlig talt, mindre skjema.\n"
)
SRT = (
    "1\n00:00:01,000 --> 00:00:03,000\nKari: Hvordan opplever du tillitsreformen?\n\n"
    "2\n00:00:03,500 --> 00:00:06,250\n{\\an8}Ola: <i>Vi</i> får bruke skjønn 😀\n\n"
    "3\n00:00:06,300 --> 00:00:09,000\nOla: og det er det viktigste.\nFor alle på Årstad.\n\n"
    "4\n00:00:09,100 --> 00:00:10,000\nKari: Takk.\n"
)
QDC = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Tillit fuzz seed">\n'
    "  <Codes>\n"
    '    <Code guid="6f1c3f7e-8a4b-4c38-9d7e-1a2b3c4d5e6f" name="Styring" isCodable="false" '
    'color="#3366CC">\n'
    "      <Description>Brief definition:\nHvordan arbeidet styres.</Description>\n"
    '      <Code guid="{7A2D4E5F-6B7C-4D8E-9F01-23456789ABCD}" name="Tids- og oppgavestyring" '
    'isCodable="true" color="#f00"/>\n'
    '      <Code guid="8b3e5f60-7c8d-4e9f-a012-3456789abcde" name="Skjønn 😀" isCodable="true">\n'
    "        <Description>Når ansatte får bruke faglig skjønn.</Description>\n"
    '        <Code guid="9c4f6071-8d9e-4fa0-b123-456789abcdef" name="Ærlighet og åpenhet"/>\n'
    "      </Code>\n"
    "    </Code>\n"
    '    <Code guid="ad507182-9eaf-40b1-8234-56789abcdef0" name="Tillid (dansk)" '
    'isCodable="true"/>\n'
    "  </Codes>\n"
    '  <Sets><Set guid="be618293-afb0-41c2-9345-6789abcdef01" name="Gruppe">'
    '<MemberCode guid="8b3e5f60-7c8d-4e9f-a012-3456789abcde"/></Set></Sets>\n'
    "</CodeBook>\n"
)
_ODT_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"'
)
ODT_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f"<office:document-content {_ODT_NAMESPACES}><office:body><office:text>"
    "<text:sequence-decls/>"
    '<text:h text:outline-level="1">Intervju med Bjørn Åsmund</text:h>'
    "<text:p>INT: Hva betyr tillit?<text:line-break/>Og for lederen din?</text:p>"
    '<text:p>P1: At vi<text:s text:c="3"/>får bruke <text:span>skjønn</text:span> 😀'
    "<text:tab/>i hverdagen.<text:note><text:note-body><text:p>fotnote</text:p>"
    "</text:note-body></text:note></text:p>"
    "<text:list><text:list-item><text:p>mindre rapportering</text:p></text:list-item>"
    "<text:list-item><text:p>mer ansvar på Østerbro</text:p></text:list-item></text:list>"
    '<text:section text:name="s"><text:p>INT: Takk.</text:p></text:section>'
    "<table:table><table:table-column/><table:table-row>"
    "<table:table-cell><text:p>Kari</text:p></table:table-cell>"
    "<table:table-cell><text:p>Vi måler det som kan måles.</text:p></table:table-cell>"
    "</table:table-row></table:table>"
    '<text:p><text:a xlink:href="https://example.org">lenke</text:a> Æ, ø og å.</text:p>'
    "</office:text></office:body></office:document-content>"
)
_ODT_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.3">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def write_files(folder: Path) -> None:
    """Every seed that needs no Tillit: transcripts, codebooks and the sample projects."""
    for name, data in TEXT_SEEDS.items():
        (folder / name).write_bytes(data)
    (folder / "intervju.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "teams.vtt").write_text(VTT, encoding="utf-8")
    (folder / "zoom.srt").write_text(SRT, encoding="utf-8")
    (folder / "kodebok.qdc").write_text(QDC, encoding="utf-8")
    for sample in sorted((HERE / "data").glob("*.qdc")):
        shutil.copyfile(sample, folder / sample.name)
    for sample in sorted(REFI_SAMPLES.glob("*.qdpx")):
        shutil.copyfile(sample, folder / sample.name)
    _write_docx(folder / "intervju.docx")
    _write_docx_table(folder / "samtale.docx")
    _write_odt(folder / "intervju.odt")


def _write_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Intervju 7, Aarhus kommune", level=1)
    for line in INTERVIEW.splitlines()[2:]:
        paragraph = document.add_paragraph()
        label, _, said = line.partition(": ")
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(said)
    soft = document.add_paragraph("P1: Første linje")
    soft.runs[0].add_break()
    soft.add_run("andre linje 😀\tmed tabulator")
    document.core_properties.author = "Kari Nordmann"
    document.save(str(path))


def _write_docx_table(path: Path) -> None:
    """A two-column transcript table, as many transcription services deliver it."""
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for line in DANISH.splitlines():
        stamp_and_name, _, said = line.partition(": ")
        cells = table.add_row().cells
        cells[0].text = stamp_and_name.split("] ")[-1]
        cells[1].text = said
    document.add_paragraph("Slut på interviewet. Ærø, Æbelø og Ålborg.")
    document.save(str(path))


def _write_odt(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )  # fmt: skip
        package.writestr("META-INF/manifest.xml", _ODT_MANIFEST)
        package.writestr("content.xml", ODT_CONTENT)


#: The Tillit project every command-line case starts from, and Tillit's own exports of it.
PROJECT = "studie.tillit"
PROJECT_QDPX = "tillit-export.qdpx"
PROJECT_QDC = "tillit-kodebok.qdc"
#: A document of the project and a text in it, for ``code`` on a damaged copy.
PROJECT_DOCUMENT = "intervju-utf8"
PROJECT_MATCH = "skjønn"


def tillit_steps(folder: Path) -> Iterator[list[str]]:
    """The command lines that make the seed project and its exports (run in this order)."""
    project = str(folder / PROJECT)
    yield ["new", project, "--coder", "Kari", "--codebook", "trust", "--language", "nb"]
    files = [str(folder / name) for name in ("intervju-utf8.txt", "intervju.docx", "teams.vtt")]
    yield ["import", project, *files]
    yield ["code", project, PROJECT_DOCUMENT, "Tillit og ansvar/Skjønn 😀", "--match",
           PROJECT_MATCH, "--memo", "Første koding – æøå"]  # fmt: skip
    yield ["code", project, "intervju", "Styringsformer/Tids- og oppgavestyring", "--span",
           "0:12", "--coder", "Ola"]  # fmt: skip
    yield ["refi", "export", project, str(folder / PROJECT_QDPX)]
    yield ["codebook", "export", project, str(folder / PROJECT_QDC)]
