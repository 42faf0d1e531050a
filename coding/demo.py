"""The demo project a newcomer sees on the first start: sample transcripts, codes and codings."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from coding.codebook import AddCode
from coding.codings import ApplyCoding
from coding.importing import ImportDocuments
from coding.project import Project, find_code, resolve_document

#: (code path, brief definition, colour)
DEMO_CODES = (
    ("Styring og kontroll", "Hvordan arbeidet styres og kontrolleres.", "#8ecae6"),
    ("Styring og kontroll/Tidsstyring", "Arbeid styrt av vedtak, minutter og lister.", "#a0c4ff"),
    ("Styring og kontroll/Tillitsbasert styring", "Styring som bygger på tillit.", "#b5e48c"),
    ("Profesjonelt skjønn", "De ansattes faglige vurderinger og handlingsrom.", "#f4c430"),
    ("Selvstyrte team", "Team som planlegger og fordeler arbeidet selv.", "#cdb4db"),
    ("Lederrolle", "Hvordan ledere leder og endrer rolle.", "#ffb4a2"),
    ("Endringsprosess", "Hvordan reformen innføres og mottas.", "#ffd6a5"),
    ("Brukerperspektiv", "Hva endringen betyr for brukerne.", "#caffbf"),
)

#: (document name, code path, passage)
DEMO_CODINGS = (
    ("Intervju 01 – hjemmesykepleier Bergen", "Styring og kontroll/Tidsstyring",
     "Før var alt styrt av vedtak og minutter."),
    ("Intervju 01 – hjemmesykepleier Bergen", "Profesjonelt skjønn",
     "jeg fikk ikke lov til å bruke skjønnet mitt"),
    ("Intervju 01 – hjemmesykepleier Bergen", "Selvstyrte team",
     "Teamet fordeler brukerne selv om morgenen"),
    ("Intervju 01 – hjemmesykepleier Bergen", "Lederrolle",
     "Teamlederen er mer en coach nå."),
    ("Intervju 01 – hjemmesykepleier Bergen", "Brukerperspektiv",
     "Kontinuiteten er bedre."),
    ("Intervju 02 – teamleder Oslo", "Endringsprosess",
     "De inviterte til dialogmøter, og vi fikk være med og utforme rutinene."),
    ("Intervju 02 – teamleder Oslo", "Profesjonelt skjønn",
     "når du har handlingsrom, må du også ta valgene selv"),
    ("Interview 03 – social- og sundhedsassistent Aarhus",
     "Styring og kontroll/Tillitsbasert styring", "Min leder stoler på os"),
)  # fmt: skip


def demo_transcripts() -> list[Path]:
    """The sample transcripts shipped in ``resources/demo``."""
    folder = resources.files("resources") / "demo"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".txt"))


def create_demo_project(path: Path, coder: str | None = None) -> Path:
    """Create the demo project at ``path`` (which must not exist) and return its path."""
    with Project.create(path, coder=coder, language="nb") as project:
        files = demo_transcripts()
        ImportDocuments(project, [f for f in files if "Aarhus" not in f.name]).do()
        ImportDocuments(project, [f for f in files if "Aarhus" in f.name], language="da").do()
        for code_path, brief, color in DEMO_CODES:
            parent, _, name = code_path.rpartition("/")
            with project.read() as tx:
                parent_id = find_code(tx, parent) if parent else None
            AddCode(
                project,
                name=name,
                parent_id=parent_id,
                color=color,
                definitions={"brief_definition": brief},
            ).do()
        for document, code_path, passage in DEMO_CODINGS:
            with project.read() as tx:
                document_id = resolve_document(tx, document)
                text = tx.documents.text(document_id)
            start = text.find(passage)
            if start >= 0:
                ApplyCoding(
                    project, document_id, [(start, start + len(passage))], code_path=code_path
                ).do()
        return project.path
