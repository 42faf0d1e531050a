"""The demo project a newcomer sees on the first start: sample transcripts, codes and codings."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from coding.codebooks import AddCodebook, shipped_codebook
from coding.codings import ApplyCoding
from coding.errors import CodingError
from coding.importing import ImportDocuments
from coding.project import Project, find_code, resolve_document

_BERGEN = "Intervju 01 – hjemmesykepleier Bergen"
_OSLO = "Intervju 02 – teamleder Oslo"
_AARHUS = "Interview 03 – social- og sundhedsassistent Aarhus"

#: (document name, code path in the trust codebook, passage)
DEMO_CODINGS = (
    (_BERGEN, "Styringsformer/Tids- og oppgavestyring", "Før var alt styrt av vedtak og minutter."),
    (_BERGEN, "Tillit og ansvar/Mistillit og kontroll",
     "Ærlig talt føltes det som om de ikke stolte på oss."),
    (_BERGEN, "Tillit og ansvar/Profesjonelt skjønn",
     "jeg fikk ikke lov til å bruke skjønnet mitt"),
    (_BERGEN, "Styringsformer/Selvstyrte team", "Teamet fordeler brukerne selv om morgenen"),
    (_BERGEN, "Tillit og ansvar/Ansvar og ansvarliggjøring",
     "vi står til ansvar for at brukeren har det bra, ikke for at klokka stemmer"),
    (_BERGEN, "Roller og aktører/Teamledere", "Teamlederen er mer en coach nå."),
    (_BERGEN, "Endringsprosess/Rammebetingelser og ressurser",
     "særlig når budsjettet er stramt"),
    (_BERGEN, "Utfall for brukerne/Kontinuitet", "Kontinuiteten er bedre."),
    (_OSLO, "Roller og aktører/Politikere", "Det startet med et politisk vedtak i bystyret."),
    (_OSLO, "Endringsprosess/Mobilisering fra ledelsen/Pilotering og utprøving",
     "med piloter i tre team"),
    (_OSLO, "Endringsprosess/Mobilisering fra ledelsen/Involvering av ansatte",
     "De inviterte til dialogmøter, og vi fikk være med og utforme rutinene."),
    (_OSLO, "Endringsprosess/Ansattes respons/Motstand",
     "Særlig blant dem som hadde jobbet lenge og var vant til de faste listene."),
    (_OSLO, "Tillit og ansvar/Frihetens byrde",
     "når du har handlingsrom, må du også ta valgene selv"),
    (_OSLO, "Samarbeid/Tverrprofesjonelt samarbeid",
     "Ergoterapeuten og fysioterapeuten sitter nå i de samme morgenmøtene som sykepleierne"),
    (_OSLO, "Lederutdanning/Lederutvikling i arbeidslivet",
     "Vi hadde et lederprogram på fire samlinger om tillitsbasert ledelse."),
    (_AARHUS, "Tillit og ansvar/Mistillit og kontroll", "Det var meget kontrol og lidt tillid."),
    (_AARHUS, "Styringsformer/Selvstyrte team", "Vi planlægger selv dagen ud fra borgernes behov."),
    (_AARHUS, "Styringsformer/Dokumentasjon og rapportering", "Dokumentationen er der stadig."),
    (_AARHUS, "Tillit og ansvar/Frihetens byrde",
     "når der er travlt, kan friheden føles som et ekstra ansvar"),
    (_AARHUS, "Tillit og ansvar/Tillit fra leder til ansatt",
     "Min leder stoler på os og bakker os op, når vi træffer svære valg."),
)  # fmt: skip


def demo_transcripts() -> list[Path]:
    """The sample transcripts shipped in ``resources/demo``."""
    folder = resources.files("resources") / "demo"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".txt"))


def create_demo_project(path: Path, coder: str | None = None) -> Path:
    """Create the demo project at ``path`` (which must not exist) and return its path.

    Three short transcripts (Norwegian and Danish), the trust-management codebook, and a
    coding of each example passage, so that a newcomer sees real work at once.
    """
    with Project.create(path, coder=coder, language="nb") as project:
        files = demo_transcripts()
        ImportDocuments(project, [f for f in files if "Aarhus" not in f.name]).do()
        ImportDocuments(project, [f for f in files if "Aarhus" in f.name], language="da").do()
        AddCodebook(project, shipped_codebook("trust")).do()
        for document, code_path, passage in DEMO_CODINGS:
            with project.read() as tx:
                document_id = resolve_document(tx, document)
                text = tx.documents.text(document_id)
                code_id = find_code(tx, code_path)
            start = text.find(passage)
            if start < 0 or code_id is None:
                raise CodingError(
                    f"The demo's passage or code is missing: {passage!r}, {code_path}"
                )
            end = start + len(passage)
            ApplyCoding(project, document_id, [(start, end)], code_id=code_id).do()
        return project.path
