"""The journal the search index catches up from: every change that results depend on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.project_file import ProjectFile


def _journal(project: ProjectFile) -> list[tuple[str, int]]:
    with project.store.read() as tx:
        rows = tx.session.execute(text("SELECT kind, ref FROM index_journal ORDER BY seq"))
        return [(kind, ref) for kind, ref in rows]


def test_changes_are_journalled_in_their_transaction(tmp_path: Path) -> None:
    project = ProjectFile.create(tmp_path / "j.tillit")
    try:
        with project.store.transaction() as tx:
            tx.project.create("Studie", "nb")
            coder = tx.coders.add("Kari")
            document = tx.documents.add(
                name="Intervju", language="nb", text="Tillit og ansvar", paragraphs=[],
                source_name="i.txt", source_format="txt",
            )  # fmt: skip
            parent = tx.codes.add("Tillit")
            code = tx.codes.add("Ansatte", parent_id=parent)
            coding = tx.codings.add(
                document_id=document, code_id=code, coder_id=coder, start=0, end=6, text="Tillit"
            )
        assert _journal(project) == [("document", document), ("coding", coding)]
        with project.store.transaction() as tx:
            tx.codes.update(parent, name="Tillit og ansvar")
            tx.codes.update(code, color="#000000")  # a colour is not searched: no entry
            case = tx.cases.add("Bydel Nord")
            tx.cases.add_documents(case, [document])
        assert _journal(project)[2:] == [("code", parent), ("document", document)]
        with project.store.transaction() as tx:
            tx.codes.delete(parent)  # the coding goes by cascade
        assert _journal(project)[-1] == ("coding", coding)
    finally:
        project.close()
