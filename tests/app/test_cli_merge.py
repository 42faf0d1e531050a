"""``merge`` on the command line: real processes, exit codes, stderr and the JSON of CLI.md."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from coding.codings import ApplyCoding
from coding.project import Project
from storage.sqlite import online_backup
from tests.app.test_cli import tillit
from tests.conftest import SAMPLE_TEXT, add_document


def _content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}


@pytest.fixture
def team(tmp_path: Path) -> tuple[Path, Path]:
    """The lead's project and Kari's copy, in which she coded two passages and added a code."""
    lead = tmp_path / "studie.tillit"
    with Project.create(lead, coder="Lead") as project:
        add_document(project, "Intervju Ålesund")
    kari = tmp_path / "kari.tillit"
    online_backup(lead, kari)
    with Project.open(kari) as copy:
        with copy.read() as tx:
            document_id = tx.documents.ids_by_name("Intervju Ålesund")[0]
        for words, path in (
            ("bruke skjønn 😀", "Tillit/Skjønn 😀"),
            ("ta ansvar", "Tillit/Ansvar"),
        ):
            start = SAMPLE_TEXT.index(words)
            span = (start, start + len(words))
            ApplyCoding(copy, document_id, [span], code_path=path, coder="Kari Ødegård").do()
    return lead, kari


def test_merge_prints_the_json_of_cli_md_and_a_second_merge_adds_nothing(
    team: tuple[Path, Path],
) -> None:
    lead, kari = team
    result = tillit("merge", lead, kari, "--json")
    assert result.returncode == 0, result.stderr
    merged = json.loads(result.stdout)
    assert merged["documents"]["matched"] == 1 and merged["documents"]["new"] == 0
    assert merged["codes"]["new"] == 3 and merged["codes"]["new_paths"][1] == "Tillit/Skjønn 😀"
    assert merged["codings"] == {
        "added": 2,
        "skipped": 0,
        "reanchored": 0,
        "skipped_because": {},
    }
    assert merged["coders"]["new"] == ["Kari Ødegård"]
    assert merged["applied"] is True and Path(merged["backup"]).is_file()
    assert [source["path"] for source in merged["sources"]] == [str(kari)]
    assert "Merged." in result.stderr

    again = json.loads(tillit("merge", lead, kari, "--json").stdout)
    assert again["codings"]["added"] == 0
    assert again["codings"]["skipped_because"] == {"already_here": 2}
    codings = json.loads(tillit("codings", lead, "--json").stdout)
    assert sorted((c["code"], c["coder"]) for c in codings) == [
        ("Tillit/Ansvar", "Kari Ødegård"),
        ("Tillit/Skjønn 😀", "Kari Ødegård"),
    ]


def test_a_dry_run_shows_the_merge_and_changes_nothing(team: tuple[Path, Path]) -> None:
    lead, kari = team
    before = _content(lead)
    result = tillit("merge", lead, kari, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert _content(lead) == before
    assert "From kari.tillit:" in result.stdout
    assert "Codings: 2 added" in result.stdout
    assert result.stderr.startswith("Dry run: the project is unchanged.")
    dry = json.loads(tillit("merge", lead, kari, "--dry-run", "--json").stdout)
    assert dry["applied"] is False and dry["codings"]["added"] == 2


@pytest.mark.parametrize("kind", ["not a project", "the project itself", "missing"])
def test_what_cannot_be_merged_exits_1_with_one_line(
    team: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    lead, kari = team
    other = {
        "not a project": tmp_path / "notater.tillit",
        "the project itself": lead,
        "missing": tmp_path / "borte.tillit",
    }[kind]
    if kind == "not a project":
        other.write_text("Bare notater, ikke et prosjekt.", encoding="utf-8")
    before = _content(lead)
    result = tillit("merge", lead, kari, other)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tillit: ") and "Traceback" not in lines[0]
    assert other.name in lines[0]
    assert _content(lead) == before
    assert result.stdout == ""
